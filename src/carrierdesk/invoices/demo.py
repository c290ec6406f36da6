"""`carrierdesk demo`: the invoices of the demo month, issued by the customers' own schedules
(after the CDR demo data is summarised); the older ones already paid."""

from __future__ import annotations

from datetime import timedelta

from sqlalchemy.orm import Session

from carrierdesk.auth.principals import CLI
from carrierdesk.invoices.auto import auto_generate_all
from carrierdesk.invoices.service import mark_paid
from carrierdesk.models.base import utcnow

PAID_AFTER = timedelta(days=14)


def add_demo_invoices(session: Session) -> int:
    created = auto_generate_all(session, CLI).created
    settled = utcnow() - PAID_AFTER
    for invoice in created:
        if invoice.period_end <= settled:
            mark_paid(session, CLI, invoice.id)
    return len(created)
