"""`carrierdesk demo`: a month of realistic CDRs for the demo customers, so the Summary is full.

Written through the bulk path (`storage.store_frame`) in large batches, then summarised once.
The calls of the customers the demo rates (rating/demo.py) arrive as a switch without rating
would send them, with neither charge nor destination (nor cost, when they name a provider),
and are rated as every import is (cdrs/rating.py).
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import timedelta
from itertools import islice

from sqlalchemy import select
from sqlalchemy.orm import Session

from carrierdesk.cdrs.fastpath import frame_of_stored
from carrierdesk.cdrs.fields import StoredColumns
from carrierdesk.cdrs.ratebook import load_rating
from carrierdesk.cdrs.rating import rate
from carrierdesk.cdrs.storage import store_frame
from carrierdesk.cdrs.synthetic import profiles, synthetic_cdrs
from carrierdesk.models import Customer
from carrierdesk.models.base import utcnow
from carrierdesk.summaries.refresh import refresh

DEMO_ROWS = 210_000
DAYS = 31
BATCH = 20_000


def add_demo_cdrs(
    session: Session,
    rows: int | None = None,
    days: int = DAYS,
    unrated: Mapping[int, int | None] | None = None,
) -> int:
    """About `rows` (default DEMO_ROWS) CDRs over the last `days` days up to now; those of the
    customers in `unrated` arrive unrated (naming the provider it maps them to, if any)."""
    rows = DEMO_ROWS if rows is None else rows
    active = session.scalars(
        select(Customer.id).where(Customer.status.in_(("active", "penalty"))).order_by(Customer.id)
    ).all()
    if not active:
        return 0
    now = utcnow()
    end = now.replace(minute=0, second=0, microsecond=0) + timedelta(hours=1)
    start = end - timedelta(days=days)
    calls = synthetic_cdrs(profiles(active), start, days * 24, rows, prefix="demo")
    stored = 0
    book = load_rating(session) if unrated else None
    while batch := list(islice(calls, BATCH)):
        sent = [_as_sent(c, unrated or {}) for c in batch if c.start_time <= now]
        rated = rate(frame_of_stored(list(enumerate(sent))), book)
        stored += store_frame(session, rated.rows)
    refresh(session)
    return stored


def _as_sent(call: StoredColumns, unrated: Mapping[int, int | None]) -> StoredColumns:
    if call.customer_id not in unrated:
        return call
    sent = call._replace(charge=None, dest_code=None, dest_name=None, rate=None)
    provider = unrated[call.customer_id]
    return sent if provider is None else sent._replace(cost=None, provider_id=provider)
