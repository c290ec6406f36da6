"""The canonical CDR columns of CDR.md, and the order rows are stored in."""

from __future__ import annotations

from datetime import datetime
from decimal import Decimal
from typing import NamedTuple

# CDR.md's column order: the CSV import/API accept them in any order; downloads use this one.
CANONICAL = (
    "call_id",
    "customer_id",
    "customer_ref",
    "sip_user",
    "start_time",
    "answer_time",
    "end_time",
    "duration",
    "billed_duration",
    "caller",
    "callee",
    "dest_code",
    "dest_name",
    "sip_code",
    "sip_reason",
    "release_reason",
    "pdd_ms",
    "ring_ms",
    "direction",
    "rate",
    "charge",
    "cost",
    "currency",
    "provider",  # the provider's name: its rate card rates the cost (issue 13)
)
REPORT_COLUMNS = (*CANONICAL, "customer_name")
CUSTOMER_KEYS = ("customer_id", "customer_ref", "sip_user")
# `charge` may be left out when the customer has a rate card: carrierdesk rates the call.
REQUIRED = ("call_id", "start_time", "end_time", "duration", "callee", "sip_code")

# Text limits, as the cdrs table stores them.
TEXT_LIMITS = {
    "call_id": 128,
    "sip_user": 100,
    "caller": 64,
    "callee": 64,
    "dest_code": 32,
    "dest_name": 100,
    "sip_reason": 100,
    "release_reason": 100,
}
NER_CODES = (486, 600, 480, 487, 603)
MAX_MONEY_DIGITS = 12  # Numeric(18,6): at most 12 digits before the decimal point


class StoredColumns(NamedTuple):
    """One valid CDR in the column order of the cdrs table (times UTC-aware, money Decimal)."""

    customer_id: int
    start_time: datetime
    call_id: str
    sip_user: str | None
    answer_time: datetime | None
    end_time: datetime
    duration: int
    billed_duration: int
    caller: str | None
    callee: str
    dest_code: str | None
    dest_name: str | None
    sip_code: int
    sip_reason: str | None
    release_reason: str | None
    pdd_ms: int | None
    ring_ms: int | None
    direction: str
    rate: Decimal | None
    charge: Decimal | None  # None until rated (cdrs/rating.py)
    cost: Decimal | None  # None until rated from the provider's card, or 0 without a provider
    rated: int = 0  # what carrierdesk computed itself: the bits of rating.RATED_*
    provider_id: int | None = None


STORED = StoredColumns._fields
