"""Writing invoices: numbers taken as one block under the counter's lock, then the invoices, their
lines and their audit entries written set-based, so that generating thousands at once (the
worker, `carrierdesk invoices auto-generate`) costs a few statements, not a few per invoice."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, timedelta
from typing import Any

from sqlalchemy import insert, select, update
from sqlalchemy.orm import Session

from carrierdesk.audit.service import jsonable, record
from carrierdesk.auth.principals import Principal
from carrierdesk.db import is_postgres
from carrierdesk.invoices import numbering
from carrierdesk.invoices.amounts import Amounts
from carrierdesk.invoices.einvoice.parties import issued_with
from carrierdesk.invoices.period import Period
from carrierdesk.models import Customer, Invoice, InvoiceLine, InvoiceScheduleCheck
from carrierdesk.models.base import utcnow
from carrierdesk.notify.invoices import email_issued
from carrierdesk.settings.schemas import Options
from carrierdesk.webhooks import events as webhooks

AUDITED = (
    "number",
    "status",
    "period_start",
    "period_end",
    "total",
    "paid_at",
    "paid_on",
    "payment_reference",
    "void_reason",
)
CHUNK = 1000


@dataclass(frozen=True)
class Pending:
    """An invoice decided on (period free, amounts computed), not yet numbered."""

    customer: Customer
    period: Period
    amounts: Amounts


def issue_all(
    session: Session,
    principal: Principal,
    pending: list[Pending],
    options: Options,
    today: date | None = None,
) -> list[int]:
    """Number and write every pending invoice, in order; numbering.lock() is already held.
    Returns their ids."""
    if not pending:
        return []
    last = numbering.take(session, len(pending))
    first = last - len(pending) + 1
    invoice_date = today or utcnow().date()
    ids: list[int] = []
    for offset in range(0, len(pending), CHUNK):
        chunk = pending[offset : offset + CHUNK]
        rows = [_row(p, first + offset + i, invoice_date, options) for i, p in enumerate(chunk)]
        made = session.scalars(
            insert(Invoice).returning(Invoice.id, sort_by_parameter_order=True), rows
        ).all()
        lines = [
            _line(invoice_id, position, line)
            for invoice_id, p in zip(made, chunk, strict=True)
            for position, line in enumerate(p.amounts.lines)
        ]
        _insert_lines(session, lines)
        for invoice_id, row, p in zip(made, rows, chunk, strict=True):
            _audit(session, principal, invoice_id, row, p)
        email_issued(session, principal, made)
        ids.extend(made)
    session.flush()
    webhooks.invoices_issued(session, ids)
    return ids


LINE_COLUMNS = ("invoice_id", "position", "description", "calls", "billed_seconds")
LINE_MONEY = ("billed_minutes", "net")


def _insert_lines(session: Session, lines: list[dict[str, Any]]) -> None:
    """COPY on PostgreSQL (most of an invoice's bytes are its lines); executemany on SQLite."""
    if not lines:
        return
    if not is_postgres(session):
        session.execute(insert(InvoiceLine), lines)
        return
    columns = (*LINE_COLUMNS, *LINE_MONEY)
    raw = session.connection().connection.driver_connection
    statement = f"COPY invoice_lines ({', '.join(columns)}) FROM STDIN"
    with raw.cursor() as cursor, cursor.copy(statement) as copy:  # type: ignore[union-attr]
        for line in lines:
            copy.write_row([line[c] for c in columns])


def load(session: Session, ids: list[int]) -> list[Invoice]:
    if not ids:
        return []
    found = session.scalars(select(Invoice).where(Invoice.id.in_(ids)).order_by(Invoice.id))
    return list(found)


def reexamine_from(session: Session, customer_id: int, start: datetime) -> None:
    """A voided invoice's period is due again: the next run looks at it."""
    session.execute(
        update(InvoiceScheduleCheck)
        .where(
            InvoiceScheduleCheck.customer_id == customer_id,
            InvoiceScheduleCheck.checked_through > start,
        )
        .values(checked_through=start)
    )


def _row(p: Pending, sequence: int, invoice_date: date, options: Options) -> dict[str, Any]:
    customer, amounts = p.customer, p.amounts
    return {
        "number": numbering.format_number(sequence, options),
        "sequence": sequence,
        "customer_id": customer.id,
        "timeframe": p.period.timeframe,
        "invoice_date": invoice_date,
        "due_date": invoice_date + timedelta(days=customer.invoice_due_days),
        "period_start": p.period.start,
        "period_end": p.period.end,
        "currency": customer.currency,
        "line_grouping": options.invoice_line_grouping,
        "tax_name": options.invoice_tax_name,
        "tax_rate": customer.tax_rate,
        "subtotal": amounts.subtotal,
        "tax": amounts.tax,
        "total": amounts.total,
        "summary_charge": amounts.charge,
        "summary_connected": amounts.connected,
        "summary_billed_duration": amounts.billed_seconds,
        "status": "issued",
        **issued_with(customer, options),
    }


def _line(invoice_id: int, position: int, line: Any) -> dict[str, Any]:
    return {
        "invoice_id": invoice_id,
        "position": position,
        "description": line.description,
        "calls": line.calls,
        "billed_seconds": line.billed_seconds,
        "billed_minutes": line.billed_minutes,
        "net": line.net,
    }


def _audit(
    session: Session, principal: Principal, invoice_id: int, row: dict[str, Any], p: Pending
) -> None:
    after = {key: jsonable(row.get(key)) for key in AUDITED}
    record(
        session,
        principal,
        "invoice_generated",
        table="invoices",
        record_id=invoice_id,
        customer_id=p.customer.id,
        message=f"Invoice {row['number']} generated for {p.period.label()}: "
        f"{row['total']} {row['currency']}",
        after=after,
    )
