"""Delivering the outbox over SMTP, with retries and exponential backoff (a worker job)."""

from __future__ import annotations

import smtplib
import ssl
from datetime import timedelta
from email.message import EmailMessage
from email.utils import make_msgid
from urllib.parse import parse_qs, unquote, urlparse

from sqlalchemy import select
from sqlalchemy.orm import Session

from carrierdesk.audit.service import record
from carrierdesk.auth.principals import SYSTEM
from carrierdesk.config import get_settings
from carrierdesk.db import is_postgres
from carrierdesk.invoices.pdf import render_pdf
from carrierdesk.models import Invoice, OutboxMessage
from carrierdesk.models.base import utcnow
from carrierdesk.notify.service import forget_secrets

MAX_ATTEMPTS = 8
BATCH = 50


def backoff(attempts: int) -> timedelta:
    return timedelta(seconds=min(30 * 2 ** (attempts - 1), 3600))


def deliver_due(session: Session) -> int:
    """Send the due pending messages; returns how many were sent."""
    url = get_settings().smtp_url
    if not url:
        return 0
    stmt = (
        select(OutboxMessage)
        .where(OutboxMessage.status == "pending", OutboxMessage.next_attempt_at <= utcnow())
        .order_by(OutboxMessage.id)
        .limit(BATCH)
    )
    if is_postgres(session):
        stmt = stmt.with_for_update(skip_locked=True)
    messages = list(session.scalars(stmt))
    if not messages:
        return 0
    sent = 0
    try:
        with _connect(url) as smtp:
            for message in messages:
                sent += _send_one(session, smtp, message)
    except (OSError, smtplib.SMTPException) as exc:
        for message in messages:
            if message.status == "pending":
                _failed(message, f"cannot reach the SMTP server: {exc}")
    return sent


def _send_one(session: Session, smtp: smtplib.SMTP, message: OutboxMessage) -> int:
    email = _email(message)
    if message.invoice_id is not None and not _attach_invoice(session, message, email):
        return 0
    try:
        smtp.send_message(email)
    except smtplib.SMTPException as exc:
        _failed(message, str(exc))
        return 0
    message.status, message.sent_at, message.last_error = "sent", utcnow(), None
    message.attempts += 1
    forget_secrets(message)
    record(  # after forget_secrets: the subject as staff see it
        session,
        SYSTEM,
        "email_sent",
        table="outbox",
        record_id=message.id,
        customer_id=message.customer_id,
        contact_id=message.contact_id,
        message=f"Email '{message.subject}' sent to {message.to}",
    )
    return 1


def _attach_invoice(session: Session, message: OutboxMessage, email: EmailMessage) -> bool:
    """Attach the invoice's PDF, rendered now from the invoice (it never changes once issued);
    an invoice voided since the message was queued cancels the message instead."""
    invoice = session.get(Invoice, message.invoice_id)
    if invoice is None or invoice.status == "void":
        number = invoice.number if invoice else f"#{message.invoice_id}"
        message.status, message.last_error = "cancelled", f"Invoice {number} was voided."
        record(
            session,
            SYSTEM,
            "email_cancelled",
            table="outbox",
            record_id=message.id,
            customer_id=message.customer_id,
            contact_id=message.contact_id,
            message=f"Email '{message.subject}' to {message.to} not sent: "
            f"invoice {number} was voided before it left",
        )
        return False
    email.add_attachment(
        render_pdf(session, invoice),
        maintype="application",
        subtype="pdf",
        filename=f"{invoice.number.replace('/', '-')}.pdf",
    )
    return True


def _failed(message: OutboxMessage, error: str) -> None:
    message.attempts += 1
    message.last_error = error[:2000]
    if message.attempts >= MAX_ATTEMPTS:
        message.status = "failed"
    else:
        message.next_attempt_at = utcnow() + backoff(message.attempts)


def _email(message: OutboxMessage) -> EmailMessage:
    email = EmailMessage()
    email["From"] = get_settings().mail_from
    email["To"] = message.to
    email["Subject"] = message.subject
    email["Message-ID"] = make_msgid(idstring=f"outbox-{message.id}")
    email.set_content(message.body)
    if message.body_html:
        email.add_alternative(message.body_html, subtype="html")
    return email


def _connect(url: str) -> smtplib.SMTP:
    """smtp://user:pass@host:port?starttls=1, or smtps:// for implicit TLS."""
    parts = urlparse(url)
    query = parse_qs(parts.query)
    host, port = parts.hostname or "localhost", parts.port
    smtp: smtplib.SMTP
    if parts.scheme == "smtps":
        smtp = smtplib.SMTP_SSL(host, port or 465, timeout=30, context=ssl.create_default_context())
    else:
        smtp = smtplib.SMTP(host, port or 25, timeout=30)
        if query.get("starttls", ["0"])[0] in {"1", "true", "yes"}:
            smtp.starttls(context=ssl.create_default_context())
    if parts.username:
        smtp.login(unquote(parts.username), unquote(parts.password or ""))
    return smtp
