from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import String, Text
from sqlalchemy.orm import Mapped, mapped_column

from carrierdesk.models.base import Base, JSONType, utcnow


class OutboxMessage(Base):
    """An email or SMS, stored with the change that caused it, delivered by the worker.

    `subject`, `body` and `body_html` are the message as it is delivered. When it carries a
    secret (a generated password, a one-time link or code), `masked` holds the same message
    rendered with the secret template values replaced by a mask: that copy is the only one
    staff are shown (carrierdesk.notify.service). Once the message is delivered the real copy is
    overwritten by the masked one and both `masked` and `secrets` are emptied.
    """

    __tablename__ = "outbox"

    id: Mapped[int] = mapped_column(primary_key=True)
    kind: Mapped[str] = mapped_column(String(10))
    to: Mapped[str] = mapped_column(String(320), index=True)
    subject: Mapped[str] = mapped_column(String(300), default="")
    body: Mapped[str] = mapped_column(Text)
    body_html: Mapped[str | None] = mapped_column(Text)
    # The secret values inside the message, until it is delivered.
    secrets: Mapped[list[Any]] = mapped_column(JSONType, default=list)
    # {"subject", "body", "body_html"} rendered with the secrets masked; None when the message
    # holds no secret (or no longer does, once delivered).
    masked: Mapped[dict[str, Any] | None] = mapped_column(JSONType)
    status: Mapped[str] = mapped_column(String(10), index=True)
    attempts: Mapped[int] = mapped_column(default=0)
    next_attempt_at: Mapped[datetime | None]
    last_error: Mapped[str | None] = mapped_column(Text)
    customer_id: Mapped[int | None] = mapped_column(index=True)
    contact_id: Mapped[int | None]
    # The invoice whose PDF is attached, rendered when the message is delivered.
    invoice_id: Mapped[int | None]
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    sent_at: Mapped[datetime | None]
