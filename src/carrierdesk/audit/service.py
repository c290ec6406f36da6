"""Recording and querying the audit log. Entries are written in the transaction of the change."""

from __future__ import annotations

from datetime import date, datetime
from decimal import Decimal
from typing import Any, Protocol

from sqlalchemy import Select, func, or_, select
from sqlalchemy.orm import Session

from carrierdesk.auth.permissions import require_staff
from carrierdesk.auth.principals import Principal
from carrierdesk.db import page_of
from carrierdesk.errors import Invalid
from carrierdesk.models import AuditEntry, Contact, Customer, OptionRow

SECRET_FIELDS = frozenset(
    {
        "password",
        "password_hash",
        "ha1",
        "ha1b",
        "token",
        "token_hash",
        "totp_secret",
        "secret",
        "pin",
        "moderator_pin",
        "code",
    }
)
MASK = "••••••"


def jsonable(value: Any) -> Any:
    if isinstance(value, Decimal):
        return str(value)
    if isinstance(value, datetime | date):
        return value.isoformat()
    if isinstance(value, list | tuple):
        return [jsonable(v) for v in value]
    if isinstance(value, dict):
        return {k: jsonable(v) for k, v in value.items()}
    return value


def snapshot(obj: object, fields: list[str] | tuple[str, ...]) -> dict[str, Any]:
    return {f: jsonable(getattr(obj, f)) for f in fields}


def diff(before: dict[str, Any] | None, after: dict[str, Any] | None) -> dict[str, Any]:
    """{field: [old, new]} for every field that differs, secrets masked."""
    before, after = before or {}, after or {}
    changes: dict[str, Any] = {}
    for key in sorted(set(before) | set(after)):
        old, new = jsonable(before.get(key)), jsonable(after.get(key))
        if old != new:
            if key in SECRET_FIELDS:
                old = MASK if old is not None else None
                new = MASK if new is not None else None
            changes[key] = [old, new]
    return changes


def comment_required(session: Session) -> bool:
    row = session.get(OptionRow, "audit_comment_required")
    return bool(row and row.value)


def record(
    session: Session,
    principal: Principal,
    action: str,
    *,
    table: str | None = None,
    record_id: int | None = None,
    customer_id: int | None = None,
    contact_id: int | None = None,
    message: str = "",
    before: dict[str, Any] | None = None,
    after: dict[str, Any] | None = None,
    changes: dict[str, Any] | None = None,
) -> AuditEntry:
    needs_comment = principal.via == "web" and not principal.comment and _is_save(action)
    if needs_comment and comment_required(session):
        raise Invalid.field("audit_comment", "a reason for this change is required")
    entry = AuditEntry(
        actor_kind=principal.kind,
        actor_id=principal.id,
        actor=principal.name,
        on_behalf_of=principal.on_behalf_of,
        ip=principal.ip,
        action=action,
        table_name=table,
        record_id=record_id,
        customer_id=customer_id,
        contact_id=contact_id,
        message=message,
        changes=changes if changes is not None else diff(before, after),
        comment=principal.comment,
    )
    session.add(entry)
    return entry


class Recorded(Protocol):
    """A row the audit log can name: any model with a table and an integer id."""

    __tablename__: str

    @property
    def id(self) -> int: ...


def record_change(
    session: Session,
    principal: Principal,
    obj: Recorded,
    action: str,
    message: str,
    *,
    before: dict[str, Any] | None = None,
    after: dict[str, Any] | None = None,
    changes: dict[str, Any] | None = None,
) -> AuditEntry:
    """The entry about one record: its table, id, customer and contact come from the model.

    record_change(session, principal, room, "update", f"Room {room.name} updated",
                  before=before, after=snapshot(room, AUDITED))
    """
    return record(
        session,
        principal,
        action,
        table=obj.__tablename__,
        record_id=obj.id,
        customer_id=obj.id if isinstance(obj, Customer) else getattr(obj, "customer_id", None),
        contact_id=obj.id if isinstance(obj, Contact) else getattr(obj, "contact_id", None),
        message=message,
        before=before,
        after=after,
        changes=changes,
    )


def _is_save(action: str) -> bool:
    return action in {"create", "update", "delete", "password_change", "schedule", "cancel"}


def list_entries(
    session: Session,
    principal: Principal,
    *,
    customer_id: int | None = None,
    contact_id: int | None = None,
    contact: str | None = None,
    actor: str | None = None,
    action: str | None = None,
    since: datetime | None = None,
    until: datetime | None = None,
    limit: int = 50,
    offset: int = 0,
) -> tuple[list[AuditEntry], int]:
    """Newest first. `contact` is part of a contact's name or email: the entries about every
    contact it matches."""
    require_staff(principal, "read")
    stmt: Select[AuditEntry] = select(AuditEntry)
    if customer_id is not None:
        stmt = stmt.where(AuditEntry.customer_id == customer_id)
    if contact_id is not None:
        stmt = stmt.where(AuditEntry.contact_id == contact_id)
    if contact:
        words = contact.strip().lower()
        matching = select(Contact.id).where(
            or_(
                func.lower(Contact.name).contains(words, autoescape=True),
                func.lower(Contact.email).contains(words, autoescape=True),
            )
        )
        stmt = stmt.where(AuditEntry.contact_id.in_(matching))
    if actor:
        stmt = stmt.where(func.lower(AuditEntry.actor).contains(actor.lower()))
    if action:
        stmt = stmt.where(AuditEntry.action == action)
    if since:
        stmt = stmt.where(AuditEntry.at >= since)
    if until:
        stmt = stmt.where(AuditEntry.at < until)
    return page_of(session, stmt, AuditEntry.id.desc(), limit=limit, offset=offset)
