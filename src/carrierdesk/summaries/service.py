"""The Summary (PRODUCT.md §6): every figure of CDR.md for each period, from the hourly sums."""

from __future__ import annotations

from dataclasses import dataclass, fields
from datetime import UTC, date, datetime
from decimal import Decimal
from typing import Any

from sqlalchemy import text
from sqlalchemy.orm import Session

from carrierdesk.auth.permissions import require_staff
from carrierdesk.auth.principals import Principal
from carrierdesk.cdrs.tables import sqlite_time
from carrierdesk.customers.service import get_customer
from carrierdesk.db import is_postgres
from carrierdesk.errors import Invalid
from carrierdesk.invoices.coverage import InvoiceMark, can_invoice, mark_invoiced
from carrierdesk.models.base import utcnow
from carrierdesk.models.cdrs import from_micros
from carrierdesk.summaries import periods
from carrierdesk.summaries.refresh import refresh, refreshed_at

ZERO = Decimal(0)
HUNDRED = Decimal(100)
_UNIT = {"24h": "hour", "daily": "day", "weekly": "week", "monthly": "month"}
_SQLITE_BUCKET = {
    "24h": "hour",
    "daily": "substr(hour, 1, 10)",
    "weekly": "date(substr(hour, 1, 10), 'weekday 0', '-6 days')",
    "monthly": "substr(hour, 1, 7) || '-01'",
}
_SUMS = (
    "sum(attempts), sum(connected), sum(ner_calls), sum(pdd_sum), sum(pdd_count), "
    "sum(duration), sum(billed_duration), sum(charge), sum(cost)"
)


@dataclass
class Sums:
    """The additive figures of a period; every ratio is derived from these."""

    attempts: int = 0
    connected: int = 0
    ner_calls: int = 0
    pdd_sum: int = 0
    pdd_count: int = 0
    duration: int = 0
    billed_duration: int = 0
    charge: Decimal = ZERO
    cost: Decimal = ZERO

    def add(self, other: Sums) -> None:
        for f in fields(self):
            setattr(self, f.name, getattr(self, f.name) + getattr(other, f.name))

    def figures(self) -> dict[str, Any]:
        """CDR.md's figures: ratios rounded to 2 places for display, money exact."""
        profit = self.charge - self.cost
        return {
            "attempts": self.attempts,
            "connected": self.connected,
            "asr": _ratio(self.connected * 100, self.attempts),
            "acd": _ratio(self.duration, self.connected),
            "ner": _ratio(self.ner_calls * 100, self.attempts),
            "pdd_ms": _ratio(self.pdd_sum, self.pdd_count),
            "duration": self.duration,
            "billed_duration": self.billed_duration,
            "charge": self.charge,
            "cost": self.cost,
            "profit": profit,
            "profit_pct": _ratio(profit * HUNDRED, self.charge),
        }


def _ratio(numerator: int | Decimal, denominator: int | Decimal) -> float:
    if not denominator:
        return 0.0
    return float(round(Decimal(numerator) / Decimal(denominator), 2))


@dataclass
class SummaryRow:
    period_start: datetime
    period_end: datetime
    sums: Sums
    invoice: InvoiceMark | None = None  # set by carrierdesk.invoices.coverage (issue 5)
    invoiceable: bool = False  # Generate Invoice can invoice it (coverage.can_invoice)


@dataclass
class Summary:
    customer_id: int
    currency: str
    timeframe: str
    rows: list[SummaryRow]
    totals: Sums
    refreshed_at: datetime | None


def get_summary(
    session: Session,
    principal: Principal,
    customer_id: int,
    timeframe: str,
    start: datetime | date | None = None,
    end: datetime | date | None = None,
    now: datetime | None = None,
) -> Summary:
    customer = get_customer(session, principal, customer_id)
    if timeframe not in periods.TIMEFRAMES:
        raise Invalid.field("timeframe", "must be one of " + ", ".join(periods.TIMEFRAMES))
    now = now or utcnow()
    first, last = periods.default_range(now, timeframe)
    if start is not None:
        first = periods.floor(periods.as_utc(start), timeframe)
    if end is not None:
        last = periods.as_utc(end)
    if last <= first:
        raise Invalid.field("to", "must be after from")
    starts = periods.period_starts(first, last, timeframe)
    if len(starts) > periods.MAX_PERIODS:
        raise Invalid.field("from", f"at most {periods.MAX_PERIODS} periods at a time")
    found = _sums_by_period(session, customer_id, timeframe, first, last)
    rows, totals = [], Sums()
    for period_start in starts:
        sums = found.get(period_start, Sums())
        totals.add(sums)
        rows.append(SummaryRow(period_start, periods.step(period_start, timeframe), sums))
    mark_invoiced(session, customer.id, timeframe, rows)
    for row in rows:
        row.invoiceable = can_invoice(timeframe, row, now)
    return Summary(customer.id, customer.currency, timeframe, rows, totals, refreshed_at(session))


def _sums_by_period(
    session: Session, customer_id: int, timeframe: str, first: datetime, last: datetime
) -> dict[datetime, Sums]:
    postgres = is_postgres(session)
    bucket = (
        f"date_trunc('{_UNIT[timeframe]}', hour, 'UTC')" if postgres else _SQLITE_BUCKET[timeframe]
    )
    params: dict[str, Any] = {"customer_id": customer_id, "first": first, "last": last}
    if not postgres:
        params.update(first=sqlite_time(first), last=sqlite_time(last))
    result = session.execute(
        text(
            f"SELECT {bucket} AS period, {_SUMS} FROM cdr_hourly "
            "WHERE customer_id = :customer_id AND hour >= :first AND hour < :last "
            "GROUP BY period"
        ),
        params,
    )
    found = {}
    for period, *values in result:
        money = [from_micros(int(v)) if not postgres else Decimal(v) for v in values[7:]]
        counts = [int(v) for v in values[:7]]
        found[_period_start(period)] = Sums(*counts, *money)  # type: ignore[arg-type]
    return found


def _period_start(value: Any) -> datetime:
    if isinstance(value, datetime):
        return value.replace(tzinfo=UTC) if value.tzinfo is None else value.astimezone(UTC)
    if len(value) == 10:
        return periods.as_utc(date.fromisoformat(value))
    return datetime.fromisoformat(value).replace(tzinfo=UTC)


def refresh_now(session: Session, principal: Principal) -> datetime | None:
    """Summary › refresh: bring every summary up to date with every CDR stored so far. It
    writes (the summary tables and their refresh mark), so operators and admins only."""
    require_staff(principal, "write")
    refresh(session)
    return refreshed_at(session)
