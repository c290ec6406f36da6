"""The outbox: every email and SMS is stored in the transaction of the change that caused it.

Secrets in messages (a generated password, a password-reset or email-verification link, an SMS
code) are known when the message is made: the caller names their values, and the template is
rendered twice, once with the real values (what is delivered) and once with every context value
that holds a secret masked (what staff are shown). The masked copy never saw the secret, so no
filter or escaping in a template (an operator's override included) can let it through. Staff
see only masked copies; an admin's reveal is an explicit, audited action; once a message is
delivered its real copy is overwritten by the masked one.
"""

from __future__ import annotations

import html
from dataclasses import dataclass
from datetime import datetime
from typing import Any, Literal
from urllib.parse import quote, quote_plus

from markupsafe import escape
from sqlalchemy import Select, func, select
from sqlalchemy.orm import Session

from carrierdesk.audit.service import record_change
from carrierdesk.auth.permissions import require_staff
from carrierdesk.auth.principals import Principal
from carrierdesk.config import get_settings, portal_url
from carrierdesk.db import page_of
from carrierdesk.errors import Conflict, NotFound
from carrierdesk.models import Contact, OutboxMessage
from carrierdesk.models.base import utcnow
from carrierdesk.notify.templates import Rendered, render

SECRET_MASK = "••••••••"


@dataclass(frozen=True)
class Draft:
    """A message to queue: a template, its context and whom it is for (see `queue`)."""

    kind: Literal["email", "sms"]
    to: str
    template: str
    context: dict[str, Any]
    secrets: list[str] | None = None
    customer_id: int | None = None
    contact_id: int | None = None
    invoice_id: int | None = None  # its PDF is attached when the message is delivered


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
    """Render a template and store the message for the worker to deliver. `secrets` are the
    values in `context` that grant access (a password, a link's token, a code)."""
    draft = Draft(kind, to, template, context, secrets, customer_id, contact_id)
    [message] = queue_all(session, principal, [draft])
    return message


def queue_all(session: Session, principal: Principal, drafts: list[Draft]) -> list[OutboxMessage]:
    """`queue` for many messages at once (the invoice emails of a whole auto-generation): one
    batched insert of the messages, then their audit entries."""
    messages = [_message(draft) for draft in drafts]
    session.add_all(messages)
    session.flush()
    for draft, message in zip(drafts, messages, strict=True):
        shown = message.masked["subject"] if message.masked else message.subject
        what = f"Email '{shown}'" if draft.kind == "email" else f"SMS ({draft.template})"
        record_change(
            session,
            principal,
            message,
            f"{draft.kind}_queued",
            f"{what} to {draft.to} ({message.status})",
        )
    return messages


def _message(draft: Draft) -> OutboxMessage:
    values = sorted({s for s in draft.secrets or [] if s}, key=len, reverse=True)
    real = _shaped(draft.kind, render(draft.template, draft.context))
    masked = real
    if values:
        masked = _scrubbed(
            _shaped(draft.kind, render(draft.template, _masked_context(draft.context, values))),
            values,
        )
    # With no SMTP server configured, mail is kept for the Email Log instead of sent; SMS are
    # kept until an SMS gateway is configured.
    deliverable = draft.kind == "email" and get_settings().smtp_url
    return OutboxMessage(
        kind=draft.kind,
        to=draft.to,
        subject=real.subject,
        body=real.text,
        body_html=real.html,
        secrets=values,
        masked=None if masked == real else _as_dict(masked),
        status="pending" if deliverable else "held",
        next_attempt_at=utcnow(),
        customer_id=draft.customer_id,
        contact_id=draft.contact_id,
        invoice_id=draft.invoice_id,
    )


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


# --- masking --------------------------------------------------------------------------------


def _shaped(kind: str, rendered: Rendered) -> Rendered:
    if kind == "email":
        return rendered
    return Rendered(rendered.subject, rendered.text.strip(), None)


def _masked_context(context: dict[str, Any], secrets: list[str]) -> dict[str, Any]:
    """The context with each secret masked inside every text value that holds one (a link
    keeps its address, its token is masked)."""
    masked = dict(context)
    for key, value in context.items():
        if isinstance(value, str) and any(s in value for s in secrets):
            for secret in secrets:
                value = value.replace(secret, SECRET_MASK)
            masked[key] = value
    return masked


def _forms(secret: str) -> set[str]:
    """A secret as a template may have written it: as is, HTML-escaped, URL-encoded."""
    return {
        secret,
        html.escape(secret),
        html.escape(secret, quote=False),
        str(escape(secret)),
        quote(secret),
        quote(secret, safe=""),
        quote_plus(secret),
    }


def _scrub(text: str, secrets: list[str]) -> str:
    for secret in secrets:
        for form in sorted(_forms(secret), key=len, reverse=True):
            text = text.replace(form, SECRET_MASK)
    return text


def _scrubbed(rendered: Rendered, secrets: list[str]) -> Rendered:
    """Defence in depth: a secret that reached the masked copy by another way than a context
    value (a template that builds it) is masked there too."""
    if not secrets:
        return rendered
    return Rendered(
        _scrub(rendered.subject, secrets),
        _scrub(rendered.text, secrets),
        None if rendered.html is None else _scrub(rendered.html, secrets),
    )


def _as_dict(rendered: Rendered) -> dict[str, Any]:
    return {"subject": rendered.subject, "body": rendered.text, "body_html": rendered.html}


def forget_secrets(message: OutboxMessage) -> None:
    """Once delivered, the stored message keeps only its masked copy."""
    if message.masked is not None:
        message.subject = message.masked["subject"]
        message.body = message.masked["body"]
        message.body_html = message.masked["body_html"]
    elif message.secrets:  # a message stored without a masked copy
        message.subject = _scrub(message.subject, message.secrets)
        message.body = _scrub(message.body, message.secrets)
        if message.body_html:
            message.body_html = _scrub(message.body_html, message.secrets)
    message.masked = None
    message.secrets = []


# --- what staff see -------------------------------------------------------------------------


@dataclass(frozen=True)
class MessageView:
    """A stored message as staff are shown it: masked, unless an admin revealed it."""

    id: int
    kind: str
    to: str
    subject: str
    body: str
    body_html: str | None
    status: str
    attempts: int
    last_error: str | None
    customer_id: int | None
    contact_id: int | None
    invoice_id: int | None
    created_at: datetime
    sent_at: datetime | None
    revealable: bool
    revealed: bool = False


def _view(message: OutboxMessage, *, reveal: bool = False) -> MessageView:
    if reveal:
        subject, body, body_html = message.subject, message.body, message.body_html
    elif message.masked is not None:
        shown = message.masked
        subject, body, body_html = shown["subject"], shown["body"], shown["body_html"]
    else:
        secrets = list(message.secrets or [])
        subject, body = _scrub(message.subject, secrets), _scrub(message.body, secrets)
        body_html = None if message.body_html is None else _scrub(message.body_html, secrets)
    return MessageView(
        id=message.id,
        kind=message.kind,
        to=message.to,
        subject=subject,
        body=body,
        body_html=body_html,
        status=message.status,
        attempts=message.attempts,
        last_error=message.last_error,
        customer_id=message.customer_id,
        contact_id=message.contact_id,
        invoice_id=message.invoice_id,
        created_at=message.created_at,
        sent_at=message.sent_at,
        revealable=message.masked is not None,
        revealed=reveal,
    )


def list_messages(
    session: Session,
    principal: Principal,
    *,
    kind: str | None = None,
    to: str | None = None,
    customer_id: int | None = None,
    limit: int = 50,
    offset: int = 0,
) -> tuple[list[MessageView], int]:
    """The Email Log, every message masked (for admins too: revealing is `reveal`)."""
    require_staff(principal, "read")
    stmt: Select[OutboxMessage] = select(OutboxMessage)
    if kind:
        stmt = stmt.where(OutboxMessage.kind == kind)
    if to:
        stmt = stmt.where(func.lower(OutboxMessage.to).contains(to.lower()))
    if customer_id is not None:
        stmt = stmt.where(OutboxMessage.customer_id == customer_id)
    rows, total = page_of(session, stmt, OutboxMessage.id.desc(), limit=limit, offset=offset)
    return [_view(r) for r in rows], total


def reveal(session: Session, principal: Principal, message_id: int) -> MessageView:
    """An admin reads the secrets of a message not yet delivered (to pass a reset link on when
    no SMTP server is configured): audited, naming the admin and the message, never the secret."""
    require_staff(principal, "admin")
    message = session.get(OutboxMessage, message_id)
    if message is None:
        raise NotFound("Message not found.")
    if message.masked is None:
        if message.status == "sent":
            raise Conflict(
                "This message was delivered: its secrets are no longer kept, so there is "
                "nothing to reveal."
            )
        raise Conflict("This message holds no secret: its full text is already shown.")
    what = f"Email '{message.masked['subject']}'" if message.kind == "email" else "SMS"
    record_change(
        session,
        principal,
        message,
        f"{message.kind}_revealed",
        f"Secrets of {what} #{message.id} to {message.to} revealed to {principal.name}",
    )
    return _view(message, reveal=True)
