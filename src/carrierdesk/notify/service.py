"""The outbox: every email and SMS is stored in the transaction of the change that caused it."""

from __future__ import annotations

from typing import Any, Literal

from sqlalchemy import Select, func, select
from sqlalchemy.orm import Session

from carrierdesk.audit.service import record
from carrierdesk.auth.permissions import require_staff
from carrierdesk.auth.principals import Principal
from carrierdesk.config import get_settings, portal_url
from carrierdesk.db import page_of
from carrierdesk.models import Contact, OutboxMessage
from carrierdesk.models.base import utcnow
from carrierdesk.notify.templates import render

SECRET_MASK = "••••••••"


def queue(
    session: Session,
    principal: Principal,
    *,
    kind: Literal["email", "sms"],
    to: str,
    template: str,
    context: dict[str, Any],
    secrets: list[str] | None = None,
    customer_id: int | None = None,
    contact_id: int | None = None,
) -> OutboxMessage:
    """Render a template and store the message for the worker to deliver."""
    rendered = render(template, context)
    # With no SMTP server configured, mail is kept for the Email Log instead of sent; SMS are
    # kept until an SMS gateway is configured.
    deliverable = kind == "email" and get_settings().smtp_url
    message = OutboxMessage(
        kind=kind,
        to=to,
        subject=rendered.subject,
        body=rendered.text if kind == "email" else rendered.text.strip(),
        body_html=rendered.html if kind == "email" else None,
        secrets=list(secrets or []),
        status="pending" if deliverable else "held",
        next_attempt_at=utcnow(),
        customer_id=customer_id,
        contact_id=contact_id,
    )
    session.add(message)
    session.flush()
    what = f"Email '{message.subject}'" if kind == "email" else f"SMS ({template})"
    record(
        session,
        principal,
        f"{kind}_queued",
        table="outbox",
        record_id=message.id,
        customer_id=customer_id,
        contact_id=contact_id,
        message=f"{what} to {to} ({message.status})",
    )
    return message


def message_contact(
    session: Session,
    principal: Principal,
    contact: Contact,
    template: str,
    *,
    kind: Literal["email", "sms"] = "email",
    extra: dict[str, Any] | None = None,
    secrets: list[str] | None = None,
) -> OutboxMessage:
    """One of the contact templates, to the contact's email (or mobile, for an SMS)."""
    to = contact.email if kind == "email" else contact.mobile
    assert to, "an SMS needs the contact's mobile number"
    context = {
        "contact": contact,
        "customer": contact.customer,
        "portal_url": portal_url(),
        **(extra or {}),
    }
    return queue(
        session,
        principal,
        kind=kind,
        to=to,
        template=template,
        context=context,
        secrets=secrets,
        customer_id=contact.customer_id,
        contact_id=contact.id,
    )


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
    return page_of(session, stmt, OutboxMessage.id.desc(), limit=limit, offset=offset)
