"""Control Panel: the Audit Log, filtered by customer, contact (by name or email), actor and
action; each entry read in words (audit/wording.py)."""

from __future__ import annotations

from dataclasses import dataclass
from urllib.parse import urlencode

from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse, Response
from sqlalchemy import select
from sqlalchemy.orm import Session

from carrierdesk.audit import service, wording
from carrierdesk.customers.service import list_customers
from carrierdesk.models import AuditEntry, Contact
from carrierdesk.web.forms import page
from carrierdesk.web.http import Db, TransactionRoute, WebReader

router = APIRouter(route_class=TransactionRoute, include_in_schema=False)
PAGE_SIZE = 50
CUSTOMERS_LISTED = 5000
CONTACTS_OFFERED = 500  # the contact picker's suggestions (any contact can still be typed)
ACTIONS = (
    "create",
    "update",
    "delete",
    "password_change",
    "schedule",
    "schedule_failed",
    "cancel",
    "email_queued",
    "email_sent",
    "email_cancelled",
    "sms_queued",
    "impersonate",
    "login",
    "login_failed",
    "logout",
    "invoice_generated",
    "invoice_paid",
    "invoice_voided",
)


@dataclass(frozen=True)
class Row:
    """An entry as the page shows it."""

    entry: AuditEntry
    actor: str
    contact: str | None
    changes: list[wording.Line]


def _id(value: str) -> int | None:
    return int(value) if value.strip().isdigit() and len(value.strip()) < 10 else None


@router.get("/audit-log", response_class=HTMLResponse)
def audit_log(
    request: Request,
    principal: WebReader,
    db: Db,
    customer_id: str = "",
    contact_id: str = "",
    contact: str = "",
    actor: str = "",
    action: str = "",
    offset: int = 0,
) -> Response:
    filters = {
        "customer_id": customer_id,
        "contact_id": contact_id,
        "contact": contact,
        "actor": actor,
        "action": action,
    }
    entries, total = service.list_entries(
        db,
        principal,
        customer_id=_id(customer_id),
        contact_id=_id(contact_id),
        contact=contact.strip() or None,
        actor=actor or None,
        action=action or None,
        limit=PAGE_SIZE,
        offset=max(offset, 0),
    )
    customers, _total = list_customers(db, principal, limit=CUSTOMERS_LISTED)
    picked = _id(contact_id)
    context = {
        "section": "audit-log",
        "customers": [customer for customer, _contacts in customers],
        "contacts": _offered(db, _id(customer_id)),
        "picked": db.get(Contact, picked) if picked is not None else None,
        "actions": ACTIONS,
        "rows": _rows(db, entries),
        "total": total,
        "filters": filters,
        "limit": PAGE_SIZE,
        "offset": max(offset, 0),
        "query": urlencode(filters),
    }
    return page(request, db, "audit/audit_log.html", context)


def _rows(db: Session, entries: list[AuditEntry]) -> list[Row]:
    contact_ids = {e.contact_id for e in entries if e.contact_id is not None}
    names = wording.Names(db, [e.changes or {} for e in entries])
    found = db.execute(select(Contact.id, Contact.name).where(Contact.id.in_(contact_ids)))
    contacts = {contact_id: name for contact_id, name in found}
    return [
        Row(
            entry=e,
            actor=wording.actor(e),
            contact=contacts.get(e.contact_id) if e.contact_id is not None else None,
            changes=wording.lines(names, e.changes or {}),
        )
        for e in entries
    ]


def _offered(db: Session, customer_id: int | None) -> list[tuple[str, str]]:
    """(email, name) of the contacts the picker suggests: the chosen customer's, or the first
    by name."""
    stmt = select(Contact.email, Contact.name).order_by(Contact.name).limit(CONTACTS_OFFERED)
    if customer_id is not None:
        stmt = stmt.where(Contact.customer_id == customer_id)
    return [(email, name) for email, name in db.execute(stmt)]
