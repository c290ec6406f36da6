"""Arranging invoice tests: a customer with calls on given days, summarised."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

from sqlalchemy import select

from carrierdesk.db import transaction
from carrierdesk.models import AuditEntry, Invoice
from fixtures import database
from fixtures.builders import cdr
from support import Api


def call(call_id: str, cid: int, day: str, charge: str, **over: Any) -> dict[str, Any]:
    """An answered call at 10:00 UTC on `day` (YYYY-MM-DD)."""
    start = datetime.fromisoformat(day).replace(hour=10, tzinfo=UTC)
    return cdr(call_id, cid, start=start, charge=charge, **over)


def calls(api: Api, rows: list[dict[str, Any]], summarise: bool = True) -> None:
    answer = api.post("/cdrs", rows)
    assert answer.status_code == 200 and not answer.json()["rejected"], answer.text
    if summarise:
        refresh(api)


def refresh(api: Api) -> None:
    assert api.post("/summary/refresh").status_code == 200


def count(db_url: str, model: type[Any] = Invoice, **where: Any) -> int:
    """Invoices (or another model's rows) matching `where`."""
    return database.count(db_url, model, **where)


def invoice_audits(db_url: str, action: str) -> list[str]:
    with transaction(db_url) as session:
        rows = session.scalars(select(AuditEntry.message).where(AuditEntry.action == action))
        return list(rows)


def generate(api: Api, cid: int, timeframe: str, *starts: str) -> Any:
    return api.post(
        f"/customers/{cid}/invoices", {"timeframe": timeframe, "period_starts": list(starts)}
    )


def days_after(day: str, n: int) -> str:
    return (datetime.fromisoformat(day) + timedelta(days=n)).date().isoformat()
