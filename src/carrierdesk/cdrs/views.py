"""Control Panel: Customer › CDR, the customer's CDRs newest first with a time range filter."""

from __future__ import annotations

from datetime import datetime
from urllib.parse import urlencode

from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse, Response

from carrierdesk.cdrs import reports
from carrierdesk.customers.service import get_customer
from carrierdesk.errors import Invalid
from carrierdesk.web.forms import page
from carrierdesk.web.http import Db, RecordId, TransactionRoute, WebReader

router = APIRouter(route_class=TransactionRoute, include_in_schema=False)
PAGE_SIZE = 100


def _moment(value: str, field: str) -> datetime | None:
    if not value.strip():
        return None
    try:
        return datetime.fromisoformat(value.strip())  # datetime-local: read as UTC
    except ValueError:
        raise Invalid.field(field, "must be a date and time, e.g. 2026-10-05T12:00") from None


@router.get("/customers/{customer_id}/cdrs", response_class=HTMLResponse)
def customer_cdrs(
    request: Request,
    customer_id: RecordId,
    principal: WebReader,
    db: Db,
    start: str = "",
    end: str = "",
    cursor: str = "",
) -> Response:
    customer = get_customer(db, principal, customer_id)
    errors: dict[str, str] = {}
    rows: list[object] = []
    next_cursor = None
    try:
        first, last = _moment(start, "start"), _moment(end, "end")
        rows, next_cursor = reports.list_cdrs(  # type: ignore[assignment]
            db, principal, customer_id, first, last, cursor or None, PAGE_SIZE
        )
    except Invalid as exc:
        errors = {e.field: e.message for e in exc.errors}
    filters = {"start": start, "end": end}
    context = {
        "section": "customers",
        "tab": "cdrs",
        "customer": customer,
        "cdrs": rows,
        "filters": filters,
        "errors": errors,
        "next_url": f"?{urlencode({**filters, 'cursor': next_cursor})}" if next_cursor else None,
        "first_url": f"?{urlencode(filters)}" if cursor else None,
    }
    return page(request, db, "cdrs/list.html", context)
