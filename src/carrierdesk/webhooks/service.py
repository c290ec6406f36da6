"""Webhook endpoints and their deliveries: the rules. Admins only, reads included (an
endpoint's URL and what it is sent are the carrier's integration settings)."""

from __future__ import annotations

import base64
import secrets
from datetime import datetime

from sqlalchemy import select
from sqlalchemy.orm import Session

from carrierdesk.audit.service import record_change, snapshot
from carrierdesk.auth.permissions import require_staff
from carrierdesk.auth.principals import Principal
from carrierdesk.auth.scoping import get_staff_record
from carrierdesk.db import count_of, page_of
from carrierdesk.errors import Conflict, Invalid, NotFound
from carrierdesk.models.base import utcnow
from carrierdesk.models.webhooks import WebhookDelivery, WebhookEndpoint, WebhookEvent
from carrierdesk.webhooks.schemas import DELIVERY_STATUSES, WebhookCreate, WebhookUpdate
from carrierdesk.webhooks.targets import TargetRefused, resolve

AUDITED = ("url", "events", "enabled")  # never the secret
SECRET_BYTES = 24


def new_secret() -> str:
    """whsec_ and 24 random bytes in base64, as the Standard Webhooks secrets are."""
    return "whsec_" + base64.b64encode(secrets.token_bytes(SECRET_BYTES)).decode()


def check_target(url: str) -> None:
    """The address rule (targets.py) at the time an endpoint is saved, as a field error."""
    try:
        resolve(url)
    except TargetRefused as exc:
        raise Invalid.field("url", str(exc)) from None


def list_webhooks(
    session: Session, principal: Principal, *, limit: int = 50, offset: int = 0
) -> tuple[list[WebhookEndpoint], int]:
    require_staff(principal, "admin")
    stmt = select(WebhookEndpoint)
    return page_of(session, stmt, WebhookEndpoint.id, limit=limit, offset=offset)


def get_webhook(
    session: Session, principal: Principal, webhook_id: int, *, lock: bool = False
) -> WebhookEndpoint:
    return get_staff_record(
        session, principal, WebhookEndpoint, webhook_id, "Webhook", "admin", lock=lock
    )


def create_webhook(
    session: Session, principal: Principal, data: WebhookCreate
) -> tuple[WebhookEndpoint, str]:
    """The new endpoint and its secret (the one time it is shown)."""
    require_staff(principal, "admin")
    check_target(data.url)
    secret = new_secret()
    endpoint = WebhookEndpoint(
        url=data.url, events=list(data.events), enabled=data.enabled, secret=secret
    )
    session.add(endpoint)
    session.flush()
    after = snapshot(endpoint, AUDITED)
    record_change(session, principal, endpoint, "create", _named(endpoint, "created"), after=after)
    return endpoint, secret


def update_webhook(
    session: Session, principal: Principal, webhook_id: int, data: WebhookUpdate
) -> WebhookEndpoint:
    endpoint = get_webhook(session, principal, webhook_id, lock=True)
    changes = data.model_dump(exclude_unset=True)
    for field, value in changes.items():
        if value is None:
            raise Invalid.field(field, "cannot be empty")
    if "url" in changes and changes["url"] != endpoint.url:
        check_target(changes["url"])
    before = snapshot(endpoint, AUDITED)
    for field, value in changes.items():
        setattr(endpoint, field, value)
    session.flush()
    after = snapshot(endpoint, AUDITED)
    record_change(
        session,
        principal,
        endpoint,
        "update",
        _named(endpoint, "updated"),
        before=before,
        after=after,
    )
    return endpoint


def delete_webhook(session: Session, principal: Principal, webhook_id: int) -> None:
    """The endpoint and its deliveries (pending ones are never sent)."""
    endpoint = get_webhook(session, principal, webhook_id, lock=True)
    before = snapshot(endpoint, AUDITED)
    session.delete(endpoint)
    session.flush()
    record_change(
        session, principal, endpoint, "delete", _named(endpoint, "deleted"), before=before
    )


def rotate_secret(
    session: Session, principal: Principal, webhook_id: int
) -> tuple[WebhookEndpoint, str]:
    """A new secret, shown once; every delivery from now on (retries too) is signed with it."""
    endpoint = get_webhook(session, principal, webhook_id, lock=True)
    endpoint.secret = new_secret()
    endpoint.updated_at = utcnow()
    session.flush()
    record_change(session, principal, endpoint, "update", _named(endpoint, "secret rotated"))
    return endpoint, endpoint.secret


def list_deliveries(
    session: Session,
    principal: Principal,
    webhook_id: int,
    *,
    status: str | None = None,
    limit: int = 50,
    offset: int = 0,
) -> tuple[list[tuple[WebhookDelivery, str]], int]:
    """The endpoint's deliveries, newest first, each with its event's type."""
    get_webhook(session, principal, webhook_id)
    if status is not None and status not in DELIVERY_STATUSES:
        raise Invalid.field("status", f"must be one of {', '.join(DELIVERY_STATUSES)}")
    stmt = (
        select(WebhookDelivery, WebhookEvent.type)
        .join(WebhookEvent, WebhookEvent.id == WebhookDelivery.event_id)
        .where(WebhookDelivery.endpoint_id == webhook_id)
    )
    if status is not None:
        stmt = stmt.where(WebhookDelivery.status == status)
    ordered = stmt.order_by(WebhookDelivery.id.desc()).limit(limit).offset(offset)
    rows = [(delivery, event_type) for delivery, event_type in session.execute(ordered)]
    total_stmt = select(WebhookDelivery.id).where(WebhookDelivery.endpoint_id == webhook_id)
    if status is not None:
        total_stmt = total_stmt.where(WebhookDelivery.status == status)
    return rows, count_of(session, total_stmt)


def get_delivery(
    session: Session, principal: Principal, webhook_id: int, delivery_id: int
) -> tuple[WebhookDelivery, str]:
    get_webhook(session, principal, webhook_id)
    found = session.execute(
        select(WebhookDelivery, WebhookEvent.type)
        .join(WebhookEvent, WebhookEvent.id == WebhookDelivery.event_id)
        .where(WebhookDelivery.id == delivery_id, WebhookDelivery.endpoint_id == webhook_id)
    ).first()
    if found is None:
        raise NotFound(f"Delivery {delivery_id} of webhook {webhook_id} not found.")
    return found[0], found[1]


def retry_delivery(
    session: Session,
    principal: Principal,
    webhook_id: int,
    delivery_id: int,
    now: datetime | None = None,
) -> tuple[WebhookDelivery, str]:
    """Send a delivery again now (same webhook-id), with a full schedule of retries; refused
    while a worker is delivering it."""
    delivery, event_type = get_delivery(session, principal, webhook_id, delivery_id)
    session.refresh(delivery, with_for_update=True)
    now = now or utcnow()
    if delivery.status == "pending" and delivery.locked_until and delivery.locked_until > now:
        raise Conflict(
            f"Delivery {delivery.id} is being delivered right now; look again in a minute."
        )
    before = {"status": delivery.status, "attempts": delivery.attempts}
    delivery.status, delivery.attempts = "pending", 0
    delivery.next_attempt_at, delivery.locked_until = now, None
    session.flush()
    record_change(
        session,
        principal,
        delivery,
        "webhook_retry",
        f"Webhook {webhook_id}: delivery {delivery.message_id} ({event_type}) sent again",
        before=before,
        after={"status": delivery.status, "attempts": 0},
    )
    return delivery, event_type


def _named(endpoint: WebhookEndpoint, what: str) -> str:
    return f"Webhook {endpoint.id} ({endpoint.url}) {what}"
