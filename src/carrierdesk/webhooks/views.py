"""Control Panel › Settings › Webhooks (admins only; the service decides): the endpoints, a new
one (its secret shown once), enable/disable, a new secret, delete, and an endpoint's
deliveries with a retry."""

from __future__ import annotations

from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse, Response
from sqlalchemy.orm import Session

from carrierdesk.auth.principals import Principal
from carrierdesk.web.forms import SubmittedForm, act, checkbox, page, redirect, save_form, text
from carrierdesk.web.http import Db, RecordId, TransactionRoute, WebReader
from carrierdesk.webhooks import service
from carrierdesk.webhooks.events import EVENT_TYPES
from carrierdesk.webhooks.schemas import WebhookCreate, WebhookUpdate

router = APIRouter(route_class=TransactionRoute, include_in_schema=False)
LIST = "/settings/webhooks"
DELIVERIES_SHOWN = 100


def _list_page(
    request: Request, db: Session, principal: Principal, status_code: int = 200, **context: object
) -> HTMLResponse:
    endpoints, _total = service.list_webhooks(db, principal, limit=500)
    values = {"events": list(EVENT_TYPES), "enabled": True}
    return page(
        request,
        db,
        "webhooks/list.html",
        {
            "section": "settings",
            "endpoints": endpoints,
            "event_types": EVENT_TYPES,
            "values": values,
            **context,
        },
        status_code,
    )


@router.get("/settings/webhooks", response_class=HTMLResponse)
def webhooks_page(request: Request, principal: WebReader, db: Db) -> Response:
    return _list_page(request, db, principal)


@router.post("/settings/webhooks", response_class=HTMLResponse)
def create_webhook(request: Request, form: SubmittedForm, principal: WebReader, db: Db) -> Response:
    fields = {
        "url": text(form, "url"),
        "events": [e for e in form.getlist("events") if isinstance(e, str)],
        "enabled": checkbox(form, "enabled"),
    }
    return save_form(
        db,
        form,
        WebhookCreate,
        fields,
        lambda data: service.create_webhook(db, principal, data),
        lambda made: _list_page(request, db, principal, created=made[0], secret=made[1]),
        lambda errors: _list_page(request, db, principal, 422, errors=errors, values=fields),
    )


@router.post("/settings/webhooks/{webhook_id}/enable")
def enable_webhook(webhook_id: RecordId, principal: WebReader, db: Db) -> Response:
    return _set_enabled(db, principal, webhook_id, True)


@router.post("/settings/webhooks/{webhook_id}/disable")
def disable_webhook(webhook_id: RecordId, principal: WebReader, db: Db) -> Response:
    return _set_enabled(db, principal, webhook_id, False)


def _set_enabled(db: Session, principal: Principal, webhook_id: int, enabled: bool) -> Response:
    endpoint = service.update_webhook(db, principal, webhook_id, WebhookUpdate(enabled=enabled))
    what = "enabled" if enabled else "disabled: its deliveries wait until it is enabled again"
    return redirect(LIST, f"Webhook {endpoint.url} {what}.")


@router.post("/settings/webhooks/{webhook_id}/rotate", response_class=HTMLResponse)
def rotate_webhook_secret(
    request: Request, webhook_id: RecordId, principal: WebReader, db: Db
) -> Response:
    endpoint, secret = service.rotate_secret(db, principal, webhook_id)
    return _list_page(request, db, principal, rotated=endpoint, secret=secret)


@router.post("/settings/webhooks/{webhook_id}/delete")
def delete_webhook(webhook_id: RecordId, principal: WebReader, db: Db) -> Response:
    url = service.get_webhook(db, principal, webhook_id).url
    service.delete_webhook(db, principal, webhook_id)
    return redirect(LIST, f"Webhook {url} deleted.")


@router.get("/settings/webhooks/{webhook_id}", response_class=HTMLResponse)
def webhook_deliveries(
    request: Request, webhook_id: RecordId, principal: WebReader, db: Db
) -> Response:
    endpoint = service.get_webhook(db, principal, webhook_id)
    rows, total = service.list_deliveries(db, principal, webhook_id, limit=DELIVERIES_SHOWN)
    return page(
        request,
        db,
        "webhooks/deliveries.html",
        {"section": "settings", "endpoint": endpoint, "deliveries": rows, "total": total},
    )


@router.post("/settings/webhooks/{webhook_id}/deliveries/{delivery_id}/retry")
def retry_webhook_delivery(
    webhook_id: RecordId, delivery_id: RecordId, principal: WebReader, db: Db
) -> Response:
    back = f"{LIST}/{webhook_id}"
    return act(
        db,
        lambda: service.retry_delivery(db, principal, webhook_id, delivery_id),
        lambda done: redirect(back, f"Delivery {done[0].message_id} will be sent again now."),
        lambda exc, _errors: redirect(back, exc.detail, "warning"),
    )
