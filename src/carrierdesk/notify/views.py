"""Control Panel: the Email Log (the outbox)."""

from __future__ import annotations

from urllib.parse import urlencode

from fastapi import APIRouter, Depends, Request
from fastapi.responses import HTMLResponse, Response
from sqlalchemy.orm import Session

from carrierdesk.auth.principals import Principal
from carrierdesk.notify import service
from carrierdesk.web.forms import page
from carrierdesk.web.http import TransactionRoute, get_db, web_principal

router = APIRouter(route_class=TransactionRoute, include_in_schema=False)
PAGE_SIZE = 50


@router.get("/email-log", response_class=HTMLResponse)
def email_log(
    request: Request,
    to: str = "",
    offset: int = 0,
    principal: Principal = Depends(web_principal),
    db: Session = Depends(get_db),
) -> Response:
    rows, total = service.list_messages(
        db, principal, kind="email", to=to or None, limit=PAGE_SIZE, offset=max(offset, 0)
    )
    context = {
        "section": "email-log",
        "rows": rows,
        "total": total,
        "to": to,
        "limit": PAGE_SIZE,
        "offset": max(offset, 0),
        "query": urlencode({"to": to}),
    }
    return page(request, db, "notify/email_log.html", context)
