"""Control Panel: the Email Log (the outbox: every email and SMS, filtered by kind and
recipient), its secrets masked; an admin's Reveal."""

from __future__ import annotations

from urllib.parse import urlencode

from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse, Response
from sqlalchemy.orm import Session

from carrierdesk.auth.principals import Principal
from carrierdesk.notify import service
from carrierdesk.web.forms import SubmittedForm, page, text
from carrierdesk.web.http import Db, RecordId, TransactionRoute, WebReader

router = APIRouter(route_class=TransactionRoute, include_in_schema=False)
PAGE_SIZE = 50
KINDS = {"email": "Email", "sms": "SMS"}


@router.get("/email-log", response_class=HTMLResponse)
def email_log(
    request: Request,
    principal: WebReader,
    db: Db,
    to: str = "",
    kind: str = "",
    offset: int = 0,
) -> Response:
    return _email_log(request, db, principal, to, kind, offset)


@router.post("/email-log/{message_id}/reveal", response_class=HTMLResponse)
def reveal(
    request: Request, message_id: RecordId, form: SubmittedForm, principal: WebReader, db: Db
) -> Response:
    """The Email Log again, with this message's secrets shown (admins; audited)."""
    revealed = service.reveal(db, principal, message_id)
    offset = text(form, "offset")
    response = _email_log(
        request,
        db,
        principal,
        text(form, "to"),
        text(form, "kind"),
        int(offset) if offset.isdigit() and len(offset) < 10 else 0,
        revealed,
    )
    response.headers["Cache-Control"] = "no-store"
    return response


def _email_log(
    request: Request,
    db: Session,
    principal: Principal,
    to: str,
    kind: str,
    offset: int,
    revealed: service.MessageView | None = None,
) -> Response:
    offset = max(offset, 0)
    kind = kind if kind in KINDS else ""
    rows, total = service.list_messages(
        db, principal, kind=kind or None, to=to or None, limit=PAGE_SIZE, offset=offset
    )
    if revealed is not None:
        shown = [revealed if r.id == revealed.id else r for r in rows]
        rows = shown if revealed in shown else [revealed, *rows]
    context = {
        "section": "email-log",
        "rows": rows,
        "total": total,
        "to": to,
        "kind": kind,
        "kinds": KINDS,
        "limit": PAGE_SIZE,
        "offset": offset,
        "query": urlencode({"to": to, "kind": kind}),
        "can_reveal": principal.role == "admin",
        "revealed_id": revealed.id if revealed is not None else None,
    }
    return page(request, db, "notify/email_log.html", context)
