"""Customer › Auth and › Conferences tabs: pages whose grids and forms call the JSON API."""

from __future__ import annotations

from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse, Response
from sqlalchemy.orm import Session

from carrierdesk.auth.principals import Principal
from carrierdesk.customers.service import get_customer
from carrierdesk.numbering.service import has_blocks
from carrierdesk.web.forms import page
from carrierdesk.web.http import Db, RecordId, TransactionRoute, WebReader

router = APIRouter(route_class=TransactionRoute, include_in_schema=False)


def _tab(
    request: Request, db: Session, principal: Principal, customer_id: int, tab: str
) -> Response:
    customer = get_customer(db, principal, customer_id)
    context = {
        "section": "customers",
        "tab": tab,
        "customer": customer,
        "has_blocks": has_blocks(db, customer_id),
    }
    return page(request, db, f"sipauth/{tab}.html", context)


@router.get("/customers/{customer_id}/auth", response_class=HTMLResponse)
def auth_tab(request: Request, customer_id: RecordId, principal: WebReader, db: Db) -> Response:
    return _tab(request, db, principal, customer_id, "auth")


@router.get("/customers/{customer_id}/conferences", response_class=HTMLResponse)
def conferences_tab(
    request: Request, customer_id: RecordId, principal: WebReader, db: Db
) -> Response:
    return _tab(request, db, principal, customer_id, "conferences")
