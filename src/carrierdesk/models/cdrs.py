"""CDRs, their hourly rollups, and the bookkeeping of incremental summary refresh.

On PostgreSQL `cdrs` is range-partitioned by month on start_time (the migration builds it with
raw DDL; partitions are created on demand by carrierdesk.cdrs.storage), and global call_id
uniqueness lives in `cdr_keys`. On SQLite `cdrs` is a plain table with a unique call_id.
See docs/decisions.md, "CDR storage".
"""

from __future__ import annotations

from datetime import datetime
from decimal import Decimal
from typing import Any

from sqlalchemy import BigInteger, Integer, Numeric, SmallInteger, String, TypeDecorator
from sqlalchemy.engine import Dialect
from sqlalchemy.orm import Mapped, mapped_column

from carrierdesk.models.base import Base

MICROS = 1_000_000
BigInt = BigInteger().with_variant(Integer(), "sqlite")


class Money6(TypeDecorator[Decimal]):
    """Numeric(18,6) on PostgreSQL; exact integer micro-units on SQLite (which has no decimal
    type: its NUMERIC affinity would keep floats, and sums of floats are not exact)."""

    impl = Numeric(18, 6)
    cache_ok = True

    def load_dialect_impl(self, dialect: Dialect) -> Any:
        if dialect.name == "sqlite":
            return dialect.type_descriptor(BigInteger())
        return dialect.type_descriptor(Numeric(18, 6))

    def process_bind_param(self, value: Decimal | None, dialect: Dialect) -> Any:
        if value is None or dialect.name != "sqlite":
            return value
        return to_micros(value)

    def process_result_value(self, value: Any, dialect: Dialect) -> Decimal | None:
        if value is None:
            return None
        if dialect.name == "sqlite":
            return from_micros(int(value))
        return Decimal(value).quantize(SIX)


SIX = Decimal("0.000001")


def to_micros(value: Decimal) -> int:
    return int(value.scaleb(6).to_integral_value())


def from_micros(value: int) -> Decimal:
    return (Decimal(value) / MICROS).quantize(SIX)


class Cdr(Base):
    """One call attempt. The primary key leads with (customer_id, start_time): the order every
    read of CDRs takes (a customer's calls in a time range, newest first)."""

    __tablename__ = "cdrs"

    customer_id: Mapped[int] = mapped_column(Integer, primary_key=True)
    start_time: Mapped[datetime] = mapped_column(primary_key=True)
    call_id: Mapped[str] = mapped_column(String(128), primary_key=True)
    sip_user: Mapped[str | None] = mapped_column(String(100))
    answer_time: Mapped[datetime | None]
    end_time: Mapped[datetime]
    duration: Mapped[int] = mapped_column(Integer)
    billed_duration: Mapped[int] = mapped_column(Integer)
    caller: Mapped[str | None] = mapped_column(String(64))
    callee: Mapped[str] = mapped_column(String(64))
    dest_code: Mapped[str | None] = mapped_column(String(32))
    dest_name: Mapped[str | None] = mapped_column(String(100))
    sip_code: Mapped[int] = mapped_column(SmallInteger)
    sip_reason: Mapped[str | None] = mapped_column(String(100))
    release_reason: Mapped[str | None] = mapped_column(String(100))
    pdd_ms: Mapped[int | None] = mapped_column(Integer)
    ring_ms: Mapped[int | None] = mapped_column(Integer)
    direction: Mapped[str] = mapped_column(String(8))
    rate: Mapped[Decimal | None] = mapped_column(Money6())
    charge: Mapped[Decimal] = mapped_column(Money6())
    cost: Mapped[Decimal] = mapped_column(Money6())
    # What carrierdesk computed itself (bits of cdrs/rating.py: 1 the charge, 2 the destination
    # and rate): what a re-rating may compute again. What the switch sent is never touched.
    rated: Mapped[int] = mapped_column(SmallInteger, default=0, server_default="0")
    # The provider the CDR named (providers.id), whose card rates its cost. No foreign key: a
    # provider may be deleted without a scan of every CDR; re-rating then names it as gone.
    provider_id: Mapped[int | None] = mapped_column(Integer)


class CdrKey(Base):
    """PostgreSQL only: one row per stored call_id, the account-wide duplicate check that a
    partitioned table cannot hold itself (its unique keys must include start_time)."""

    __tablename__ = "cdr_keys"

    call_id: Mapped[str] = mapped_column(String(128), primary_key=True)


class CdrHourly(Base):
    """The sums of one customer's CDRs that started in one UTC hour; every summary figure is
    derived from these sums (never from averages)."""

    __tablename__ = "cdr_hourly"

    customer_id: Mapped[int] = mapped_column(Integer, primary_key=True)
    hour: Mapped[datetime] = mapped_column(primary_key=True)
    attempts: Mapped[int] = mapped_column(BigInt)
    connected: Mapped[int] = mapped_column(BigInt)
    ner_calls: Mapped[int] = mapped_column(BigInt)
    pdd_sum: Mapped[int] = mapped_column(BigInt)
    pdd_count: Mapped[int] = mapped_column(BigInt)
    duration: Mapped[int] = mapped_column(BigInt)
    billed_duration: Mapped[int] = mapped_column(BigInt)
    charge: Mapped[Decimal] = mapped_column(Money6())
    cost: Mapped[Decimal] = mapped_column(Money6())


class SummaryDirty(Base):
    """An hour of a customer that received CDRs since the last refresh. Append-only marks (no
    unique key): a refresh deletes exactly the marks it saw, so a mark written by an import
    still in flight survives for the next refresh."""

    __tablename__ = "summary_dirty"

    id: Mapped[int] = mapped_column(BigInt, primary_key=True, autoincrement=True)
    customer_id: Mapped[int] = mapped_column(Integer)
    hour: Mapped[datetime]


class SummaryState(Base):
    """One row: when the summaries were last brought up to date."""

    __tablename__ = "summary_state"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    refreshed_at: Mapped[datetime | None]


class KamailioCdr(Base):
    """A call as the Kamailio of `carrierdesk sip kamailio-config` writes it at its end (times
    as epoch seconds with microseconds, as Kamailio's $TV(Sn) gives them). The worker takes
    each row once into `cdrs` (cdrs/kamailio.py) and deletes it; a row it cannot take keeps
    the reason in `rejected` until an operator fixes the cause."""

    __tablename__ = "kamailio_cdrs"

    id: Mapped[int] = mapped_column(BigInt, primary_key=True, autoincrement=True)
    call_id: Mapped[str] = mapped_column(String(255))
    invite_at: Mapped[Decimal] = mapped_column(Numeric(17, 6))
    answer_at: Mapped[Decimal | None] = mapped_column(Numeric(17, 6))
    end_at: Mapped[Decimal] = mapped_column(Numeric(17, 6))
    sip_code: Mapped[int] = mapped_column(SmallInteger)
    sip_reason: Mapped[str | None] = mapped_column(String(100))
    caller: Mapped[str | None] = mapped_column(String(64))
    callee: Mapped[str] = mapped_column(String(64))
    sip_user: Mapped[str | None] = mapped_column(String(100))
    customer_id: Mapped[int | None] = mapped_column(Integer)
    ip_auth_id: Mapped[int | None] = mapped_column(Integer)
    rejected: Mapped[str | None] = mapped_column(String(1000))
