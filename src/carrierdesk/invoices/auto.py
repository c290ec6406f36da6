"""Auto Generate Invoice: every complete period of the customer's invoice schedule that has
billable calls and no invoice, oldest first, from the customer's first CDR.

A period is complete once it has ended and the summary has been refreshed past its end. The
overlap check runs under the invoice counter's lock (numbering.lock), so two workers at once
create each invoice exactly once; the partial unique index on (customer_id, period_start,
period_end) of non-void invoices is the database's own guard behind it.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, datetime

from sqlalchemy import select
from sqlalchemy.orm import Session

from carrierdesk.auth.permissions import require_customer, require_staff
from carrierdesk.auth.principals import SYSTEM, Principal
from carrierdesk.customers.service import get_customer
from carrierdesk.db import insert_ignore
from carrierdesk.errors import Conflict
from carrierdesk.invoices import numbering
from carrierdesk.invoices.amounts import LineSums
from carrierdesk.invoices.figures import daily_sums, first_call_hour, first_call_hours
from carrierdesk.invoices.issuing import Pending, issue_all, load
from carrierdesk.invoices.period import Period
from carrierdesk.invoices.service import build_amounts, overlapping
from carrierdesk.models import Customer, Invoice, InvoiceAutoState
from carrierdesk.models.base import utcnow
from carrierdesk.settings.schemas import Options
from carrierdesk.settings.service import get_options
from carrierdesk.summaries import periods
from carrierdesk.summaries.refresh import refreshed_at


@dataclass
class Outcome:
    created: list[Invoice] = field(default_factory=list)
    refused: list[tuple[Period, str, Invoice | None]] = field(default_factory=list)


def auto_generate(
    session: Session, principal: Principal, customer_id: int, now: datetime | None = None
) -> Outcome:
    """The Auto Generate Invoice button and POST /customers/{id}/invoices/auto-generate."""
    customer = get_customer(session, principal, customer_id)
    require_customer(principal, customer_id, "write")
    if customer.invoice_schedule == "none":
        raise Conflict(
            f"{customer.name} has no invoice schedule; choose daily, weekly or monthly "
            "under Edit first."
        )
    outcome = Outcome()
    cutoff = _cutoff(session, now)
    if cutoff is not None:
        numbering.lock(session)
        _for_customer(session, principal, customer, get_options(session), cutoff, outcome)
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
    numbering.lock(session)
    options = get_options(session)
    scheduled = select(Customer).where(Customer.invoice_schedule != "none")
    customers = list(session.scalars(scheduled.order_by(Customer.id)))
    firsts = first_call_hours(session, scheduled.subquery())
    pending: list[Pending] = []
    for customer in customers:
        pending += _due(session, customer, options, cutoff, firsts.get(customer.id), outcome)
    outcome.created = load(session, issue_all(session, principal, pending, options))
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


def _for_customer(
    session: Session,
    principal: Principal,
    customer: Customer,
    options: Options,
    cutoff: datetime,
    outcome: Outcome,
) -> None:
    first = first_call_hour(session, customer.id)
    pending = _due(session, customer, options, cutoff, first, outcome)
    outcome.created = load(session, issue_all(session, principal, pending, options))


def _due(
    session: Session,
    customer: Customer,
    options: Options,
    cutoff: datetime,
    first: datetime | None,
    outcome: Outcome,
) -> list[Pending]:
    """The customer's invoices to write: complete, billable, free periods, oldest first."""
    schedule = customer.invoice_schedule
    if first is None:
        return []
    start, end = periods.floor(first, schedule), periods.floor(cutoff, schedule)
    if start >= end:
        return []
    days = daily_sums(session, customer.id, start, end)
    billable = _billable_periods(days, schedule)
    taken = overlapping(session, customer.id, start, end) if billable else []
    due: list[Pending] = []
    for period in billable:
        clash = [i for i in taken if i.period_start < period.end and i.period_end > period.start]
        if clash:
            if (clash[0].period_start, clash[0].period_end) != (period.start, period.end):
                outcome.refused.append((period, _overlap(clash[0]), clash[0]))
            continue
        amounts = build_amounts(session, customer, period, options, days)
        if amounts.subtotal != 0:
            due.append(Pending(customer, period, amounts))
    return due


def _billable_periods(days: dict[date, LineSums], schedule: str) -> list[Period]:
    starts = sorted(
        {periods.floor(periods.as_utc(d), schedule) for d, s in days.items() if s.charge > 0}
    )
    return [Period.starting(schedule, start) for start in starts]


def _overlap(clash: Invoice) -> str:
    return f"overlaps invoice {clash.number}; void it to invoice this period"
