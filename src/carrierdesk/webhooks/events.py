"""The events a webhook endpoint may subscribe to, and writing them.

An event is written in the transaction of the change it describes, as the outbox is: one
`webhook_events` row holding the body exactly as it will be posted (`{"type", "timestamp",
"data"}`, `data` the resource as the API answers it), and one pending `webhook_deliveries` row
per enabled endpoint subscribed to its type. Nothing is written when no endpoint listens.
The services call the functions below, one line each, after their change is flushed.
"""

from __future__ import annotations

import json
import uuid
from collections.abc import Sequence
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from carrierdesk.cdrs.schemas import iso_z
from carrierdesk.models import Customer, Invoice, ScheduledChange
from carrierdesk.models.base import utcnow
from carrierdesk.models.webhooks import WebhookDelivery, WebhookEndpoint, WebhookEvent

EVENT_TYPES = (
    "invoice.issued",
    "invoice.voided",
    "invoice.paid",
    "customer.created",
    "customer.updated",
    "scheduled_change.failed",
)
# An invoice's status after a change → the event that says so.
INVOICE_STATUS_EVENTS = {"void": "invoice.voided", "paid": "invoice.paid"}


def new_message_id() -> str:
    """The `webhook-id` of one event to one endpoint: the same on every attempt."""
    return f"msg_{uuid.uuid4().hex}"


def subscribers(session: Session, event_type: str) -> list[WebhookEndpoint]:
    endpoints = session.scalars(select(WebhookEndpoint).where(WebhookEndpoint.enabled))
    return [e for e in endpoints if event_type in e.events]


def emit(session: Session, event_type: str, resources: Sequence[dict[str, Any]]) -> int:
    """One event per resource (its `data`), for every endpoint listening; returns how many
    deliveries were written."""
    assert event_type in EVENT_TYPES, event_type
    endpoints = subscribers(session, event_type)
    if not endpoints or not resources:
        return 0
    now = utcnow()
    events = [WebhookEvent(type=event_type, body=_body(event_type, now, r)) for r in resources]
    session.add_all(events)
    session.flush()
    session.add_all(
        WebhookDelivery(
            endpoint_id=endpoint.id,
            event_id=event.id,
            message_id=new_message_id(),
            next_attempt_at=now,
        )
        for event in events
        for endpoint in endpoints
    )
    session.flush()
    return len(events) * len(endpoints)


def _body(event_type: str, now: Any, data: dict[str, Any]) -> str:
    payload = {"type": event_type, "timestamp": iso_z(now), "data": data}
    return json.dumps(payload, separators=(",", ":"), ensure_ascii=False)


# --- What the services call -----------------------------------------------------------------


def invoices_issued(session: Session, invoice_ids: Sequence[int]) -> None:
    """invoice.issued for each invoice just written (by hand or by the schedule)."""
    if invoice_ids and subscribers(session, "invoice.issued"):
        invoices = session.scalars(select(Invoice).where(Invoice.id.in_(invoice_ids)))
        emit(session, "invoice.issued", _invoices_data(session, list(invoices)))


def invoice_changed(session: Session, invoice: Invoice) -> None:
    """invoice.voided or invoice.paid, by the invoice's new status."""
    event_type = INVOICE_STATUS_EVENTS.get(invoice.status)
    if event_type and subscribers(session, event_type):
        emit(session, event_type, _invoices_data(session, [invoice]))


def customer_saved(session: Session, event_type: str, customer: Customer) -> None:
    """customer.created or customer.updated."""
    if subscribers(session, event_type):
        from carrierdesk.customers.schemas import CustomerOut
        from carrierdesk.customers.service import contact_count

        out = CustomerOut.model_validate(customer)
        out.contact_count = contact_count(session, customer)
        emit(session, event_type, [out.model_dump(mode="json")])


def scheduled_change_settled(session: Session, change: ScheduledChange) -> None:
    """scheduled_change.failed when a due Delay and Save change could not be applied."""
    if change.status == "failed" and subscribers(session, "scheduled_change.failed"):
        from carrierdesk.scheduling.schemas import ScheduledChangeOut

        emit(
            session,
            "scheduled_change.failed",
            [ScheduledChangeOut.of(change).model_dump(mode="json")],
        )


def _invoices_data(session: Session, invoices: list[Invoice]) -> list[dict[str, Any]]:
    from carrierdesk.invoices.schemas import InvoiceOut

    ids = {i.customer_id for i in invoices}
    found = session.execute(select(Customer.id, Customer.name).where(Customer.id.in_(ids)))
    names: dict[int, str] = {cid: name for cid, name in found}
    ordered = sorted(invoices, key=lambda i: i.id)
    return [InvoiceOut.of(i, names.get(i.customer_id, "")).model_dump(mode="json") for i in ordered]
