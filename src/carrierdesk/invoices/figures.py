"""The figures an invoice is built from: per day from the hourly rollup (the Summary's own data),
or per destination from one set-based query over the period's CDRs (docs/decisions.md,
"Invoices")."""

from __future__ import annotations

from datetime import UTC, date, datetime
from decimal import Decimal
from typing import Any

from sqlalchemy import bindparam, text
from sqlalchemy.orm import Session

from carrierdesk.cdrs.tables import sqlite_time
from carrierdesk.db import is_postgres
from carrierdesk.invoices.amounts import LineSums
from carrierdesk.models.cdrs import from_micros

_DAILY = """
SELECT {day} AS day, sum(connected), sum(billed_duration), sum(charge)
FROM cdr_hourly
WHERE customer_id = :customer_id AND hour >= :first AND hour < :last
GROUP BY day ORDER BY day
"""
_DESTINATIONS = """
SELECT coalesce(dest_name, ''), coalesce(dest_code, ''), count(answer_time),
       sum(billed_duration), sum(charge)
FROM cdrs
WHERE customer_id = :customer_id AND start_time >= :first AND start_time < :last
GROUP BY coalesce(dest_name, ''), coalesce(dest_code, '')
ORDER BY 1, 2
"""


def _params(session: Session, customer_id: int, first: datetime, last: datetime) -> dict[str, Any]:
    if is_postgres(session):
        return {"customer_id": customer_id, "first": first, "last": last}
    return {"customer_id": customer_id, "first": sqlite_time(first), "last": sqlite_time(last)}


def _money(session: Session, value: Any) -> Decimal:
    if value is None:
        return Decimal(0)
    return Decimal(value) if is_postgres(session) else from_micros(int(value))


def daily_sums(
    session: Session, customer_id: int, first: datetime, last: datetime
) -> dict[date, LineSums]:
    """{day: sums} of the customer's hourly rollup in [first, last), days with calls only."""
    day = "date_trunc('day', hour, 'UTC')" if is_postgres(session) else "substr(hour, 1, 10)"
    rows = session.execute(text(_DAILY.format(day=day)), _params(session, customer_id, first, last))
    found: dict[date, LineSums] = {}
    for raw_day, connected, billed, charge in rows:
        key = _as_date(raw_day)
        found[key] = LineSums(key.isoformat(), int(connected), int(billed), _money(session, charge))
    return found


_DAILY_MANY = """
SELECT customer_id, {day} AS day, sum(connected), sum(billed_duration), sum(charge)
FROM cdr_hourly
WHERE customer_id IN :ids AND hour >= :first AND hour < :last
GROUP BY customer_id, day
"""


def daily_sums_many(
    session: Session, customer_ids: list[int], first: datetime, last: datetime
) -> dict[int, dict[date, LineSums]]:
    """daily_sums of several customers in one statement: {customer id: {day: sums}}."""
    day = "date_trunc('day', hour, 'UTC')" if is_postgres(session) else "substr(hour, 1, 10)"
    params = _params(session, 0, first, last) | {"ids": customer_ids}
    stmt = text(_DAILY_MANY.format(day=day)).bindparams(bindparam("ids", expanding=True))
    found: dict[int, dict[date, LineSums]] = {}
    for cid, raw_day, connected, billed, charge in session.execute(stmt, params):
        key = _as_date(raw_day)
        sums = LineSums(key.isoformat(), int(connected), int(billed), _money(session, charge))
        found.setdefault(cid, {})[key] = sums
    return found


def destination_sums(
    session: Session, customer_id: int, first: datetime, last: datetime
) -> list[LineSums]:
    """One line per destination; the (customer_id, start_time) key bounds the scan to the
    period's CDRs of this customer."""
    rows = session.execute(text(_DESTINATIONS), _params(session, customer_id, first, last))
    return [
        LineSums(_destination(name, code), int(connected), int(billed), _money(session, charge))
        for name, code, connected, billed, charge in rows
    ]


def first_call_hour(session: Session, customer_id: int) -> datetime | None:
    value = session.scalar(
        text("SELECT min(hour) FROM cdr_hourly WHERE customer_id = :c"), {"c": customer_id}
    )
    if value is None:
        return None
    if isinstance(value, str):
        value = datetime.fromisoformat(value)
    assert isinstance(value, datetime)
    return value.replace(tzinfo=UTC) if value.tzinfo is None else value.astimezone(UTC)


def _as_date(value: Any) -> date:
    if isinstance(value, datetime):
        return value.astimezone(UTC).date() if value.tzinfo else value.date()
    return date.fromisoformat(str(value)[:10])


def _destination(name: str, code: str) -> str:
    if name and code:
        return f"{name} ({code})"
    return name or code or "Other destinations"
