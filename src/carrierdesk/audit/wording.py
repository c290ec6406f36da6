"""How the Audit Log and the Delay Log read: who acted, and what changed in words ("Phone:
(empty) → +442071234567", a customer's name rather than its id)."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from carrierdesk.models import AuditEntry, Contact, Customer, RateCard

EMPTY = "(empty)"
KINDS = {"user": "user", "token": "API token", "contact": "contact", "system": "system"}
# Field names whose label is not simply the name in words.
LABELS = {
    "ip_whitelist": "IP whitelist",
    "contact_type": "Type",
    "rate_card_id": "Rate card",
    "customer_id": "Customer",
    "tax_rate": "Tax rate (%)",
    "invoice_due_days": "Invoice due days",
    "email_invoices": "Email invoices",
    "auto_generate_password": "Auto-generate password",
    "totp_secret": "Two-factor secret",
    "paid_on": "Paid on",
    "paid_at": "Marked paid at",
    "vat_id": "VAT id",
    "sip_password": "SIP password",
}
# Fields holding the id of a named record: shown by its name.
NAMED: dict[str, type[Customer] | type[RateCard] | type[Contact]] = {
    "customer_id": Customer,
    "rate_card_id": RateCard,
    "contact_id": Contact,
}


def actor(entry: AuditEntry) -> str:
    """Who acted, the right way round: an operator during Portal Login acts on behalf of the
    contact; a failed login names the email that was tried."""
    if entry.on_behalf_of:
        return f"{entry.actor} on behalf of {entry.on_behalf_of} (Portal Login)"
    if entry.action == "login_failed":
        return f"{entry.actor} (failed login)"
    return f"{entry.actor} ({KINDS.get(entry.actor_kind, entry.actor_kind)})"


def label(field: str) -> str:
    return LABELS.get(field) or field.replace("_", " ").capitalize()


def shown(value: Any) -> str:
    """A stored value as a person reads it."""
    if value is None or value == "" or value == [] or value == {}:
        return EMPTY
    if isinstance(value, bool):
        return "yes" if value else "no"
    if isinstance(value, list | tuple):
        return ", ".join(shown(v) for v in value)
    if isinstance(value, dict):
        return ", ".join(f"{label(str(k))}: {shown(v)}" for k, v in value.items())
    return str(value)


@dataclass(frozen=True)
class Line:
    """One field's change: its label, the value before (None when not known) and after."""

    field: str
    label: str
    before: str | None
    after: str


class Names:
    """Names of the records that fields refer to by id, read once for a whole page."""

    def __init__(self, session: Session, changes: Iterable[dict[str, Any]]) -> None:
        wanted: dict[str, set[int]] = {field: set() for field in NAMED}
        for change in changes:
            for field, value in change.items():
                if field in NAMED:
                    for item in value if isinstance(value, list) else [value]:
                        if isinstance(item, int):
                            wanted[field].add(item)
        self.names: dict[tuple[str, int], str] = {}
        for field, ids in wanted.items():
            model = NAMED[field]
            if ids:
                rows = session.execute(select(model.id, model.name).where(model.id.in_(ids)))
                self.names.update({(field, i): name for i, name in rows})

    def shown(self, field: str, value: Any) -> str:
        if field in NAMED and isinstance(value, int):
            return self.names.get((field, value), f"#{value} (deleted)")
        return shown(value)


def lines(names: Names, changes: dict[str, Any]) -> list[Line]:
    """An audit entry's changes ({field: [before, after]}) in words."""
    return [
        Line(field, label(field), names.shown(field, pair[0]), names.shown(field, pair[1]))
        for field, pair in changes.items()
        if isinstance(pair, list | tuple) and len(pair) == 2
    ]
