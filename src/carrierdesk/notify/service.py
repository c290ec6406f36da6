"""The outbox: every email and SMS is stored in the transaction of the change that caused it."""

from __future__ import annotations

from typing import Any

from sqlalchemy import Select, func, select
from sqlalchemy.orm import Session

from carrierdesk.audit.service import record
from carrierdesk.auth.permissions import require_staff
from carrierdesk.auth.principals import Principal
from carrierdesk.config import get_settings
from carrierdesk.models import OutboxMessage
from carrierdesk.models.base import utcnow
from carrierdesk.notify.templates import render

SECRET_MASK = "••••••••"


def queue_email(
    session: Session,
    principal: Principal,
    *,
    to: str,
    template: str,
    context: dict[str, Any],
    secrets: list[str] | None = None,
    customer_id: int | None = None,
    contact_id: int | None = None,
) -> OutboxMessage:
    rendered = render(template, context)
    message = OutboxMessage(
        kind="email",
        to=to,
        subject=rendered.subject,
        body=rendered.text,
        body_html=rendered.html,
        secrets=list(secrets or []),
        # With no SMTP server configured, mail is kept for the Email Log instead of sent.
        status="pending" if get_settings().smtp_url else "held",
        next_attempt_at=utcnow(),
        customer_id=customer_id,
        contact_id=contact_id,
    )
    session.add(message)
    session.flush()
    record(
        session,
        principal,
        "email_queued",
        table="outbox",
        record_id=message.id,
        customer_id=customer_id,
        contact_id=contact_id,
        message=f"Email '{message.subject}' to {to} ({message.status})",
    )
    return message


def queue_sms(
    session: Session,
    principal: Principal,
    *,
    to: str,
    template: str,
    context: dict[str, Any],
    secrets: list[str] | None = None,
    customer_id: int | None = None,
    contact_id: int | None = None,
) -> OutboxMessage:
    """An SMS: kept in the outbox (the Email Log shows it) until an SMS gateway is added."""
    rendered = render(template, context)
    message = OutboxMessage(
        kind="sms",
        to=to,
        subject="",
        body=rendered.text.strip(),
        body_html=None,
        secrets=list(secrets or []),
        status="held",
        next_attempt_at=utcnow(),
        customer_id=customer_id,
        contact_id=contact_id,
    )
    session.add(message)
    session.flush()
    record(
        session,
        principal,
        "sms_queued",
        table="outbox",
        record_id=message.id,
        customer_id=customer_id,
        contact_id=contact_id,
        message=f"SMS to {to} ({template})",
    )
    return message


def mask_secrets(message: OutboxMessage) -> None:
    for secret in message.secrets or []:
        message.body = message.body.replace(secret, SECRET_MASK)
        if message.body_html:
            message.body_html = message.body_html.replace(secret, SECRET_MASK)
    message.secrets = []


def list_messages(
    session: Session,
    principal: Principal,
    *,
    kind: str | None = None,
    to: str | None = None,
    customer_id: int | None = None,
    limit: int = 50,
    offset: int = 0,
) -> tuple[list[OutboxMessage], int]:
    require_staff(principal, "read")
    stmt: Select[OutboxMessage] = select(OutboxMessage)
    if kind:
        stmt = stmt.where(OutboxMessage.kind == kind)
    if to:
        stmt = stmt.where(func.lower(OutboxMessage.to).contains(to.lower()))
    if customer_id is not None:
        stmt = stmt.where(OutboxMessage.customer_id == customer_id)
    total = session.scalar(select(func.count()).select_from(stmt.subquery())) or 0
    rows = session.scalars(stmt.order_by(OutboxMessage.id.desc()).limit(limit).offset(offset))
    return list(rows), total
