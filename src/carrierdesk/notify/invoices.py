"""The invoice email (PRODUCT.md §9): each issued invoice, its PDF attached, to the customer's
billing contacts (every contact when it has none), unless the customer's "Email invoices"
setting is off. Queued in the transaction that issues the invoice, whether by hand or by the
schedule (invoices/issuing.py `issue_all`, the one way invoices are made).

The PDF is not stored with the message: delivery renders it from the invoice (notify/delivery.py).
An issued invoice never changes, so that is the PDF Download PDF gives; the outbox stays small
however many invoices an auto-generation makes; and an invoice voided before its email left is
not sent.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Sequence

from sqlalchemy import select
from sqlalchemy.orm import Session

from carrierdesk.auth.principals import Principal
from carrierdesk.config import portal_url
from carrierdesk.invoices.amounts import to_minor
from carrierdesk.invoices.period import Period
from carrierdesk.models import Contact, Customer, Invoice, OutboxMessage
from carrierdesk.notify.service import Draft, queue_all

TEMPLATE = "invoice_issued"


def recipients(contacts: list[Contact]) -> list[Contact]:
    """Of one customer's contacts: the enabled billing contacts, or every enabled contact when
    none is a billing contact."""
    enabled = [c for c in contacts if c.enabled]
    return [c for c in enabled if c.contact_type == "billing"] or enabled


def email_issued(session: Session, principal: Principal, invoice_ids: Sequence[int]) -> int:
    """Queue the email of each of these newly issued invoices; returns how many were queued."""
    if not invoice_ids:
        return 0
    invoices = list(
        session.scalars(
            select(Invoice)
            .join(Customer, Customer.id == Invoice.customer_id)
            .where(Invoice.id.in_(invoice_ids), Customer.email_invoices.is_(True))
            .order_by(Invoice.id)
        )
    )
    customer_ids = {i.customer_id for i in invoices}
    contacts: dict[int, list[Contact]] = defaultdict(list)
    for contact in session.scalars(
        select(Contact).where(Contact.customer_id.in_(customer_ids)).order_by(Contact.id)
    ):
        contacts[contact.customer_id].append(contact)
    drafts = [
        _draft(invoice, contact)
        for invoice in invoices
        for contact in recipients(contacts[invoice.customer_id])
    ]
    return len(queue_all(session, principal, drafts))


def _draft(invoice: Invoice, contact: Contact) -> Draft:
    period = Period(invoice.timeframe, invoice.period_start, invoice.period_end)
    context = {
        "invoice": invoice,
        "customer": contact.customer,
        "contact": contact,
        "period": period.label(),
        "total": to_minor(invoice.total, invoice.currency),
        "portal_url": portal_url(),
    }
    return Draft(
        kind="email",
        to=contact.email,
        template=TEMPLATE,
        context=context,
        customer_id=invoice.customer_id,
        contact_id=contact.id,
        invoice_id=invoice.id,
    )


def emails_of(session: Session, invoice_id: int) -> list[OutboxMessage]:
    """The emails of one invoice, oldest first (its page lists them)."""
    stmt = select(OutboxMessage).where(OutboxMessage.invoice_id == invoice_id)
    return list(session.scalars(stmt.order_by(OutboxMessage.id)))
