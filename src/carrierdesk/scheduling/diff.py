"""The Delay Log's changes in words: each field of a scheduled change with its label, the value
it has now (while the change is still to come) and the value the change sets, records named
(audit/wording.py), never a password."""

from __future__ import annotations

from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from carrierdesk.audit.service import jsonable
from carrierdesk.audit.wording import EMPTY, Line, Names, label
from carrierdesk.models import Contact, Customer, ScheduledChange

TARGETS: dict[str, type[Contact] | type[Customer]] = {
    "contact.update": Contact,
    "customer.update": Customer,
}


def visible(payload: dict[str, Any]) -> dict[str, Any]:
    """A change's payload without its secrets (as the API shows it)."""
    return {k: v for k, v in payload.items() if "password" not in k}


def described(session: Session, changes: list[ScheduledChange]) -> dict[int, list[Line]]:
    """{change id: its lines}. A change already applied shows only the values it set: what they
    replaced is in the Audit Log's entry of the update."""
    names = Names(session, [visible(c.payload) for c in changes])
    targets = _targets(session, changes)
    described: dict[int, list[Line]] = {}
    for change in changes:
        target = targets.get((change.kind, change.target_id))
        lines = []
        for field, value in visible(change.payload).items():
            before: str | None = None
            if change.status != "applied":
                now = getattr(target, field, None) if target is not None else None
                before = EMPTY if target is None else names.shown(field, jsonable(now))
            lines.append(Line(field, label(field), before, names.shown(field, value)))
        described[change.id] = lines
    return described


def customer_names(session: Session, changes: list[ScheduledChange]) -> dict[int, str]:
    ids = {c.customer_id for c in changes if c.customer_id is not None}
    found = session.execute(select(Customer.id, Customer.name).where(Customer.id.in_(ids)))
    return {customer_id: name for customer_id, name in found}


def _targets(
    session: Session, changes: list[ScheduledChange]
) -> dict[tuple[str, int | None], Contact | Customer]:
    found: dict[tuple[str, int | None], Contact | Customer] = {}
    for kind, model in TARGETS.items():
        ids = {c.target_id for c in changes if c.kind == kind and c.target_id is not None}
        if ids:
            records: list[Contact | Customer] = list(
                session.scalars(select(model).where(model.id.in_(ids)))
            )
            found.update({(kind, record.id): record for record in records})
    return found
