from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import BigInteger, Integer, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from carrierdesk.models.base import Base, JSONType, utcnow


class AuditEntry(Base):
    """Append-only: no code updates or deletes a row, and database triggers refuse to."""

    __tablename__ = "audit_log"

    id: Mapped[int] = mapped_column(BigInteger().with_variant(Integer, "sqlite"), primary_key=True)
    at: Mapped[datetime] = mapped_column(default=utcnow, index=True)
    actor_kind: Mapped[str] = mapped_column(String(20))
    actor_id: Mapped[int | None]
    actor: Mapped[str] = mapped_column(String(320), index=True)
    on_behalf_of: Mapped[str | None] = mapped_column(String(320))
    ip: Mapped[str | None] = mapped_column(String(64))
    action: Mapped[str] = mapped_column(String(40), index=True)
    table_name: Mapped[str | None] = mapped_column(String(40))
    record_id: Mapped[int | None]
    customer_id: Mapped[int | None] = mapped_column(index=True)
    contact_id: Mapped[int | None] = mapped_column(index=True)
    message: Mapped[str] = mapped_column(Text, default="")
    changes: Mapped[dict[str, Any]] = mapped_column(JSONType, default=dict)
    comment: Mapped[str | None] = mapped_column(Text)
