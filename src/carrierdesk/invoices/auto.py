"""Auto Generate Invoice: every complete period of the customer's invoice schedule that has
billable calls and no invoice, oldest first, from the customer's first CDR.

A period is complete once it has ended and the summary has been refreshed past its end. The
overlap check runs under the invoice counter's lock (numbering.lock), so two workers at once
create each invoice exactly once; the partial unique index on (customer_id, period_start,
period_end) of non-void invoices is the database's own guard behind it.

For every customer at once (worker, CLI) the work is set-based and starts where the previous
run stopped (InvoiceScheduleCheck), so it is constant per invoice, not per day of history; the
button of one customer re-examines that customer's whole history and reports every refusal.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, datetime

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from carrierdesk.auth.permissions import require_staff
from carrierdesk.auth.principals import SYSTEM, Principal
from carrierdesk.customers.service import get_customer
from carrierdesk.db import insert_ignore, is_postgres
from carrierdesk.errors import Conflict
from carrierdesk.invoices import numbering
from carrierdesk.invoices.amounts import LineSums
from carrierdesk.invoices.figures import daily_sums_many, first_call_hour
from carrierdesk.invoices.issuing import Pending, issue_all, load
from carrierdesk.invoices.period import Period
from carrierdesk.invoices.service import build_amounts
from carrierdesk.models import (
    CdrHourly,
    Customer,
    Invoice,
    InvoiceAutoState,
    InvoiceScheduleCheck,
)
from carrierdesk.models.base import utcnow
from carrierdesk.settings.schemas import Options
from carrierdesk.settings.service import get_options
from carrierdesk.summaries import periods
from carrierdesk.summaries.refresh import refreshed_at

CHUNK = 500


@dataclass
class Outcome:
    created: list[Invoice] = field(default_factory=list)
    refused: list[tuple[Period, str, Invoice | None]] = field(default_factory=list)


@dataclass(frozen=True)
class Window:
    """The periods of one customer still to examine: [start, end)."""

    customer: Customer
    start: datetime
    end: datetime


def auto_generate(
    session: Session, principal: Principal, customer_id: int, now: datetime | None = None
) -> Outcome:
    """The Auto Generate Invoice button and POST /customers/{id}/invoices/auto-generate."""
    customer = get_customer(session, principal, customer_id, "write")
    schedule = customer.invoice_schedule
    if schedule == "none":
        raise Conflict(
            f"{customer.name} has no invoice schedule; choose daily, weekly or monthly "
            "under Edit first."
        )
    outcome = Outcome()
    cutoff = _cutoff(session, now)
    first = first_call_hour(session, customer.id)
    if cutoff is None or first is None:
        return outcome
    numbering.lock(session)
    window = Window(customer, periods.floor(first, schedule), periods.floor(cutoff, schedule))
    _run(session, principal, [window] if window.start < window.end else [], outcome)
    return outcome


def auto_generate_all(
    session: Session,
    principal: Principal,
    customer_id: int | None = None,
    now: datetime | None = None,
) -> Outcome:
    """Every scheduled customer (or one): `carrierdesk invoices auto-generate` and the worker."""
    if customer_id is not None:
        return auto_generate(session, principal, customer_id, now)
    require_staff(principal, "write")
    outcome = Outcome()
    cutoff = _cutoff(session, now)
    if cutoff is None:
        return outcome
    numbering.lock(session)  # before reading what earlier runs did: they may still commit
    _run(session, principal, _windows(session, cutoff), outcome)
    return outcome


def auto_generate_job(session: Session) -> int:
    """The worker's job: once after each summary refresh (nothing else makes a period due,
    but a void, which the next refresh then picks up)."""
    refreshed = refreshed_at(session)
    if refreshed is None:
        return 0
    insert_ignore(session, InvoiceAutoState, {"id": 1, "summary_refreshed_at": None})
    state = session.get(InvoiceAutoState, 1, with_for_update=True)
    assert state is not None
    if state.summary_refreshed_at is not None and state.summary_refreshed_at >= refreshed:
        return 0
    outcome = auto_generate_all(session, SYSTEM)
    state.summary_refreshed_at = refreshed
    return len(outcome.created)


def _cutoff(session: Session, now: datetime | None) -> datetime | None:
    """Periods ending at or before this moment are complete."""
    refreshed = refreshed_at(session)
    if refreshed is None:
        return None
    return min(now or utcnow(), refreshed)


def _windows(session: Session, cutoff: datetime) -> list[Window]:
    """What is left to examine of every scheduled customer (one statement)."""
    first = (
        select(func.min(CdrHourly.hour))
        .where(CdrHourly.customer_id == Customer.id)
        .correlate(Customer)
        .scalar_subquery()
    )
    rows = session.execute(
        select(Customer, InvoiceScheduleCheck.schedule, InvoiceScheduleCheck.checked_through, first)
        .outerjoin(InvoiceScheduleCheck, InvoiceScheduleCheck.customer_id == Customer.id)
        .where(Customer.invoice_schedule != "none")
        .order_by(Customer.id)
    )
    windows = []
    for customer, checked_schedule, checked_through, first_hour in rows:
        schedule = customer.invoice_schedule
        if checked_schedule == schedule and checked_through is not None:
            start = checked_through
        elif first_hour is not None:
            start = periods.floor(periods.as_utc(first_hour), schedule)
        else:
            continue
        end = periods.floor(cutoff, schedule)
        if start < end:
            windows.append(Window(customer, start, end))
    return windows


def _run(session: Session, principal: Principal, windows: list[Window], outcome: Outcome) -> None:
    options = get_options(session)
    pending: list[Pending] = []
    for offset in range(0, len(windows), CHUNK):
        chunk = windows[offset : offset + CHUNK]
        first, last = min(w.start for w in chunk), max(w.end for w in chunk)
        ids = [w.customer.id for w in chunk]
        days = daily_sums_many(session, ids, first, last)
        taken: dict[int, list[Invoice]] = {}
        for invoice in _open_invoices(session, ids, first, last):
            taken.setdefault(invoice.customer_id, []).append(invoice)
        for w in chunk:
            mine = {d: s for d, s in days.get(w.customer.id, {}).items() if w.start.date() <= d}
            mine = {d: s for d, s in mine.items() if d < w.end.date()}
            pending += _due(
                session, w.customer, options, mine, taken.get(w.customer.id, []), outcome
            )
    outcome.created = load(session, issue_all(session, principal, pending, options))
    _checked(session, windows)


def _open_invoices(
    session: Session, customer_ids: list[int], first: datetime, last: datetime
) -> list[Invoice]:
    return list(
        session.scalars(
            select(Invoice).where(
                Invoice.customer_id.in_(customer_ids),
                Invoice.status != "void",
                Invoice.period_start < last,
                Invoice.period_end > first,
            )
        )
    )


def _due(
    session: Session,
    customer: Customer,
    options: Options,
    days: dict[date, LineSums],
    taken: list[Invoice],
    outcome: Outcome,
) -> list[Pending]:
    """The customer's invoices to write: billable periods no invoice overlaps, oldest first."""
    due: list[Pending] = []
    for period in _billable_periods(days, customer.invoice_schedule):
        clash = [i for i in taken if i.period_start < period.end and i.period_end > period.start]
        if clash:
            if (clash[0].period_start, clash[0].period_end) != (period.start, period.end):
                outcome.refused.append((period, _overlap(clash[0]), clash[0]))
            continue
        amounts = build_amounts(session, customer, period, options, days)
        if amounts.subtotal != 0:
            due.append(Pending(customer, period, amounts))
    return due


def _checked(session: Session, windows: list[Window]) -> None:
    if not windows:
        return
    rows = [
        {
            "customer_id": w.customer.id,
            "schedule": w.customer.invoice_schedule,
            "checked_through": w.end,
        }
        for w in windows
    ]
    if is_postgres(session):
        from sqlalchemy.dialects.postgresql import insert
    else:
        from sqlalchemy.dialects.sqlite import insert  # type: ignore[assignment]
    stmt = insert(InvoiceScheduleCheck)
    session.execute(
        stmt.on_conflict_do_update(
            index_elements=["customer_id"],
            set_={
                "schedule": stmt.excluded.schedule,
                "checked_through": stmt.excluded.checked_through,
            },
        ),
        rows,
    )


def _billable_periods(days: dict[date, LineSums], schedule: str) -> list[Period]:
    starts = sorted(
        {periods.floor(periods.as_utc(d), schedule) for d, s in days.items() if s.charge > 0}
    )
    return [Period.starting(schedule, start) for start in starts]


def _overlap(clash: Invoice) -> str:
    return f"overlaps invoice {clash.number}; void it to invoice this period"
