"""Control Panel: the Audit Log, filtered by customer, contact, actor and action."""

from __future__ import annotations

from urllib.parse import urlencode

from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse, Response

from carrierdesk.audit import service
from carrierdesk.customers.service import list_customers
from carrierdesk.web.forms import page
from carrierdesk.web.http import Db, TransactionRoute, WebReader

router = APIRouter(route_class=TransactionRoute, include_in_schema=False)
PAGE_SIZE = 50
CUSTOMERS_LISTED = 5000


def _id(value: str) -> int | None:
    return int(value) if value.strip().isdigit() else None


@router.get("/audit-log", response_class=HTMLResponse)
def audit_log(
    request: Request,
    principal: WebReader,
    db: Db,
    customer_id: str = "",
    contact_id: str = "",
    actor: str = "",
    action: str = "",
    offset: int = 0,
) -> Response:
    filters = {
        "customer_id": customer_id,
        "contact_id": contact_id,
        "actor": actor,
        "action": action,
    }
    rows, total = service.list_entries(
        db,
        principal,
        customer_id=_id(customer_id),
        contact_id=_id(contact_id),
        actor=actor or None,
        action=action or None,
        limit=PAGE_SIZE,
        offset=max(offset, 0),
    )
    customers, _total = list_customers(db, principal, limit=CUSTOMERS_LISTED)
    context = {
        "section": "audit-log",
        "customers": [customer for customer, _contacts in customers],
        "rows": rows,
        "total": total,
        "filters": filters,
        "limit": PAGE_SIZE,
        "offset": max(offset, 0),
        "query": urlencode(filters),
    }
    return page(request, db, "audit/audit_log.html", context)
