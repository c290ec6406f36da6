"""Arranging invoice tests: a customer with calls on given days, summarised."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

from sqlalchemy import func, select

from carrierdesk.db import transaction
from carrierdesk.models import AuditEntry, Invoice
from cdrs.cdr_helpers import cdr, make_customer
from support import PASSWORD, Api

__all__ = ["PASSWORD", "call", "calls", "contact_api", "count", "make_customer", "refresh"]


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
    with transaction(db_url) as session:
        stmt = select(func.count()).select_from(model).filter_by(**where)
        return int(session.scalar(stmt) or 0)


def invoice_audits(db_url: str, action: str) -> list[str]:
    with transaction(db_url) as session:
        rows = session.scalars(select(AuditEntry.message).where(AuditEntry.action == action))
        return list(rows)


def contact_api(operator: Api, cid: int, email: str) -> Api:
    made = operator.post(
        f"/customers/{cid}/contacts",
        {"name": "Ann", "email": email, "auto_generate_password": False, "password": PASSWORD},
    )
    assert made.status_code == 201, made.text
    token = operator.post("/auth/token", {"email": email, "password": PASSWORD})
    return Api(operator.client, token.json()["access_token"])


def generate(api: Api, cid: int, timeframe: str, *starts: str) -> Any:
    return api.post(
        f"/customers/{cid}/invoices", {"timeframe": timeframe, "period_starts": list(starts)}
    )


def days_after(day: str, n: int) -> str:
    return (datetime.fromisoformat(day) + timedelta(days=n)).date().isoformat()
