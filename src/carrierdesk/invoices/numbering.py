"""Gapless invoice numbers: `<prefix><zero-padded sequence>`, unique in the account.

`lock()` takes the counter row's lock (a row lock on PostgreSQL; SQLite transactions already
hold the single write lock from BEGIN IMMEDIATE) and keeps it until the invoice's transaction
ends. A generation checks for overlapping invoices only after taking it, so two generations at
once see each other's invoices; `take()` increments only for an invoice that will be written,
and a rollback returns the number, so no failure leaves a gap.
"""

from __future__ import annotations

from sqlalchemy import select, update
from sqlalchemy.orm import Session

from carrierdesk.db import insert_ignore
from carrierdesk.models import InvoiceCounter
from carrierdesk.settings.schemas import Options

COUNTER = "invoice"


def lock(session: Session) -> None:
    insert_ignore(session, InvoiceCounter, {"name": COUNTER, "last_value": 0})
    session.execute(
        select(InvoiceCounter.last_value).where(InvoiceCounter.name == COUNTER).with_for_update()
    )


def take(session: Session, count: int = 1) -> int:
    """Reserve the next `count` sequence values; returns the last (call lock() first, in the
    same transaction)."""
    value = session.scalar(
        update(InvoiceCounter)
        .where(InvoiceCounter.name == COUNTER)
        .values(last_value=InvoiceCounter.last_value + count)
        .returning(InvoiceCounter.last_value)
    )
    assert value is not None, "lock() creates the counter row"
    return int(value)


def format_number(sequence: int, options: Options) -> str:
    return f"{options.invoice_number_prefix}{sequence:0{options.invoice_number_padding}d}"
