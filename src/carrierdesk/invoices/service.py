"""Invoices (PRODUCT.md §7): generate from the Summary, list, fetch, void, mark paid."""

from __future__ import annotations

from datetime import date, datetime

from sqlalchemy import select
from sqlalchemy.orm import Session, selectinload

from carrierdesk.audit.service import record_change, snapshot
from carrierdesk.auth.permissions import require_customer, require_staff
from carrierdesk.auth.principals import Principal
from carrierdesk.auth.scoping import Access, get_scoped, readable
from carrierdesk.customers.service import get_customer
from carrierdesk.db import count_of
from carrierdesk.errors import Conflict, FieldError, Invalid
from carrierdesk.invoices import numbering
from carrierdesk.invoices.amounts import Amounts, LineSums, compute
from carrierdesk.invoices.figures import daily_sums, destination_sums
from carrierdesk.invoices.issuing import AUDITED, Pending, issue_all, load, reexamine_from
from carrierdesk.invoices.period import Period
from carrierdesk.invoices.schemas import GenerateIn, MarkPaidIn
from carrierdesk.models import Customer, Invoice
from carrierdesk.models.base import utcnow
from carrierdesk.models.invoices import INVOICE_STATUSES
from carrierdesk.settings.schemas import Options
from carrierdesk.settings.service import get_options
from carrierdesk.summaries import periods
from carrierdesk.summaries.refresh import refreshed_at
from carrierdesk.webhooks import events as webhooks

FIRST_DAY, LAST_DAY = date(1970, 1, 1), date(2999, 12, 1)
_ALIGNMENT = {
    "daily": "a day",
    "weekly": "the first day of an ISO week (a Monday)",
    "monthly": "the first day of a month",
}


# --- reading ------------------------------------------------------------------------------


def get_invoice(
    session: Session, principal: Principal, invoice_id: int, access: Access = "read"
) -> Invoice:
    return get_scoped(session, principal, Invoice, invoice_id, access)


def customer_name(session: Session, invoice: Invoice) -> str:
    return session.scalar(select(Customer.name).where(Customer.id == invoice.customer_id)) or ""


def list_invoices(
    session: Session,
    principal: Principal,
    *,
    customer_id: int | None = None,
    status: str | None = None,
    issued_from: date | None = None,
    issued_to: date | None = None,
    limit: int = 50,
    offset: int = 0,
) -> tuple[list[tuple[Invoice, str]], int]:
    """What a billing system polls: newest first; a contact sees its own customer's only."""
    if status is not None and status not in INVOICE_STATUSES:
        raise Invalid.field("status", f"must be one of {', '.join(INVOICE_STATUSES)}")
    if issued_from and issued_to and issued_to < issued_from:
        raise Invalid.field("issued_to", "must not be before issued_from")
    if customer_id is not None:
        require_customer(principal, customer_id, "read")
    elif not principal.is_contact:
        require_staff(principal, "read")
    stmt = readable(principal, Invoice)
    if customer_id is not None:
        stmt = stmt.where(Invoice.customer_id == customer_id)
    if status:
        stmt = stmt.where(Invoice.status == status)
    if issued_from:
        stmt = stmt.where(Invoice.invoice_date >= issued_from)
    if issued_to:
        stmt = stmt.where(Invoice.invoice_date <= issued_to)
    total = count_of(session, stmt)
    named = (
        stmt.join(Customer, Customer.id == Invoice.customer_id)
        .add_columns(Customer.name)
        .options(selectinload(Invoice.lines))
    )
    rows = session.execute(
        named.order_by(Invoice.invoice_date.desc(), Invoice.id.desc()).limit(limit).offset(offset)
    ).all()
    return [(invoice, name) for invoice, name in rows], total


def overlapping(
    session: Session, customer_id: int, start: datetime, end: datetime
) -> list[Invoice]:
    """The customer's non-void invoices whose period overlaps [start, end), oldest first."""
    return list(
        session.scalars(
            select(Invoice)
            .where(
                Invoice.customer_id == customer_id,
                Invoice.status != "void",
                Invoice.period_start < end,
                Invoice.period_end > start,
            )
            .order_by(Invoice.period_start)
        )
    )


# --- generating -----------------------------------------------------------------------------


def generate(
    session: Session,
    principal: Principal,
    customer_id: int,
    data: GenerateIn,
    now: datetime | None = None,
) -> list[Invoice]:
    """Generate Invoice: one invoice per requested period, all or none."""
    customer = get_customer(session, principal, customer_id, "write")
    wanted = _requested(data)
    _check_complete(session, wanted, now or utcnow())
    numbering.lock(session)
    options = get_options(session)
    pending: list[Pending] = []
    for index, period in enumerate(wanted):
        field = f"period_starts.{index}"
        clash = overlapping(session, customer.id, period.start, period.end)
        if clash:
            raise overlap_error(period, clash[0], field)
        amounts = build_amounts(session, customer, period, options)
        if amounts.subtotal == 0:
            raise Invalid.field(field, f"{period.label()} has no charges to invoice")
        pending.append(Pending(customer, period, amounts))
    return load(session, issue_all(session, principal, pending, options))


def overlap_error(period: Period, clash: Invoice, field: str | None = None) -> Conflict:
    covered = Period(clash.timeframe, clash.period_start, clash.period_end)
    message = f"overlaps invoice {clash.number} ({covered.label()})"
    return Conflict(
        f"{period.label()} {message}; void that invoice first to invoice this period again.",
        [FieldError(field, message)] if field else [],
        invoice_id=clash.id,
        invoice_number=clash.number,
    )


def _requested(data: GenerateIn) -> list[Period]:
    wanted: list[Period] = []
    for index, day in enumerate(data.period_starts):
        if not FIRST_DAY <= day <= LAST_DAY:
            raise Invalid.field(f"period_starts.{index}", f"{day.isoformat()} is out of range")
        start = periods.as_utc(day)
        if periods.floor(start, data.timeframe) != start:
            raise Invalid.field(
                f"period_starts.{index}",
                f"{day.isoformat()} is not {_ALIGNMENT[data.timeframe]}",
            )
        period = Period.starting(data.timeframe, start)
        if period in wanted:
            raise Invalid.field(f"period_starts.{index}", f"{day.isoformat()} is given twice")
        wanted.append(period)
    return sorted(wanted, key=lambda p: p.start)


def _check_complete(session: Session, wanted: list[Period], now: datetime) -> None:
    """A period is invoiced only once it has ended and the summary has been refreshed past it."""
    refreshed = refreshed_at(session)
    for period in wanted:
        if period.end > now:
            raise Invalid.field(
                "period_starts", f"{period.label()} has not ended yet; invoice complete periods"
            )
        if refreshed is None or refreshed < period.end:
            raise Conflict(
                f"The summary has not been refreshed since {period.label()} ended; "
                "refresh the summary, then generate the invoice.",
                [FieldError("period_starts", "the summary is not up to date for this period")],
            )


def build_amounts(
    session: Session,
    customer: Customer,
    period: Period,
    options: Options,
    days: dict[date, LineSums] | None = None,
) -> Amounts:
    """The invoice's lines and totals (the daily sums may be given when already read)."""
    if options.invoice_line_grouping == "destination":
        sums = destination_sums(session, customer.id, period.start, period.end)
    else:
        if days is None:
            days = daily_sums(session, customer.id, period.start, period.end)
        sums = [days[d] for d in sorted(days) if period.start.date() <= d < period.end.date()]
    return compute(sums, customer.currency, customer.tax_rate)


# --- changing status ------------------------------------------------------------------------


def void(session: Session, principal: Principal, invoice_id: int, reason: str) -> Invoice:
    """Void frees the period for a new invoice; the voided invoice keeps its number."""
    invoice = _for_change(session, principal, invoice_id)
    if invoice.status != "issued":
        raise Conflict(
            f"Invoice {invoice.number} is {invoice.status}; only an issued invoice can be voided."
        )
    reexamine_from(session, invoice.customer_id, invoice.period_start)
    return _change(
        session,
        principal,
        invoice,
        f"Invoice {invoice.number} voided: {reason}",
        "invoice_voided",
        status="void",
        voided_at=utcnow(),
        void_reason=reason,
    )


def mark_paid(
    session: Session,
    principal: Principal,
    invoice_id: int,
    data: MarkPaidIn | None = None,
    today: date | None = None,
) -> Invoice:
    """Record the payment of an issued invoice: its date (today when not given; neither in the
    future nor before the invoice date) and an optional reference, both audited."""
    data = data or MarkPaidIn()
    invoice = _for_change(session, principal, invoice_id)
    if invoice.status != "issued":
        raise Conflict(
            f"Invoice {invoice.number} is {invoice.status}; only an issued invoice can be "
            "marked paid."
        )
    today = today or utcnow().date()
    paid_on = data.paid_on or today
    if paid_on > today:
        raise Invalid.field("paid_on", f"must not be in the future (today is {today.isoformat()})")
    if paid_on < invoice.invoice_date:
        raise Invalid.field(
            "paid_on",
            f"must not be before the invoice date ({invoice.invoice_date.isoformat()})",
        )
    reference = f" (reference {data.reference})" if data.reference else ""
    return _change(
        session,
        principal,
        invoice,
        f"Invoice {invoice.number} marked paid on {paid_on.isoformat()}{reference}",
        "invoice_paid",
        status="paid",
        paid_at=utcnow(),
        paid_on=paid_on,
        payment_reference=data.reference,
    )


def _for_change(session: Session, principal: Principal, invoice_id: int) -> Invoice:
    invoice = get_invoice(session, principal, invoice_id, "write")
    # Concurrent void/mark-paid of one invoice take turns (no-op on SQLite: one writer).
    session.refresh(invoice, with_for_update=True)
    return invoice


def _change(
    session: Session,
    principal: Principal,
    invoice: Invoice,
    message: str,
    action: str,
    **values: object,
) -> Invoice:
    before = snapshot(invoice, AUDITED)
    for key, value in values.items():
        setattr(invoice, key, value)
    session.flush()
    record_change(
        session,
        principal,
        invoice,
        action,
        message,
        before=before,
        after=snapshot(invoice, AUDITED),
    )
    webhooks.invoice_changed(session, invoice)
    return invoice
