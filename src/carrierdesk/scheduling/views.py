"""Control Panel: the Delay Log (scheduled changes) with Cancel on pending ones."""

from __future__ import annotations

from urllib.parse import urlencode

from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse, Response
from sqlalchemy.orm import Session

from carrierdesk.auth.principals import Principal
from carrierdesk.scheduling import diff, service
from carrierdesk.scheduling.schemas import ScheduledChangeOut
from carrierdesk.web.forms import SubmittedForm, act, page, redirect
from carrierdesk.web.http import Db, RecordId, TransactionRoute, WebReader, WebWriter

router = APIRouter(route_class=TransactionRoute, include_in_schema=False)
PAGE_SIZE = 50


@router.get("/delay-log", response_class=HTMLResponse)
def delay_log(
    request: Request, principal: WebReader, db: Db, status: str = "", offset: int = 0
) -> Response:
    return _delay_log(request, db, principal, status, offset)


def _delay_log(
    request: Request,
    db: Session,
    principal: Principal,
    status: str,
    offset: int,
    errors: dict[str, str] | None = None,
    status_code: int = 200,
) -> Response:
    rows, total = service.list_changes(
        db, principal, status=status or None, limit=PAGE_SIZE, offset=max(offset, 0)
    )
    context = {
        "section": "delay-log",
        # The payload as the API shows it: never a password or its hash.
        "rows": [ScheduledChangeOut.of(r) for r in rows],
        "lines": diff.described(db, rows),
        "customers": diff.customer_names(db, rows),
        "total": total,
        "status": status,
        "statuses": service.STATUSES,
        "limit": PAGE_SIZE,
        "offset": max(offset, 0),
        "query": urlencode({"status": status}),
        "errors": errors or {},
    }
    return page(request, db, "scheduling/delay_log.html", context, status_code)


@router.post("/delay-log/{change_id}/cancel", response_class=HTMLResponse)
def cancel(
    request: Request, change_id: RecordId, form: SubmittedForm, principal: WebWriter, db: Db
) -> Response:
    return act(
        db,
        lambda: service.cancel(db, principal, change_id),
        lambda change: redirect("/delay-log", f"Cancelled: {change.summary}"),
        lambda exc, errors: _delay_log(
            request, db, principal, "", 0, {**errors, "change_id": str(change_id)}, exc.status
        ),
    )
