"""Numbers and auto-generation under real concurrency: threads with their own connections
against PostgreSQL (row locks), and the database's own guard against a period invoiced twice."""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, date, datetime, timedelta
from decimal import Decimal

import pytest
from sqlalchemy import select
from sqlalchemy.exc import IntegrityError

from carrierdesk.auth.principals import CLI, SYSTEM
from carrierdesk.db import transaction
from carrierdesk.errors import Conflict
from carrierdesk.invoices.auto import auto_generate_all
from carrierdesk.invoices.schemas import GenerateIn
from carrierdesk.invoices.service import generate
from carrierdesk.models import CdrHourly, Invoice, SummaryState
from fixtures.builders import add_customer
from fixtures.races import race
from support import postgres_only

OCTOBER = datetime(2026, 10, 1, tzinfo=UTC)


def arrange(url: str, customers: int, schedule: str = "monthly", days: int = 10) -> list[int]:
    """Customers with one charged call per day from 1 October, summarised."""
    with transaction(url) as session:
        ids = [
            add_customer(session, f"Customer {i}", invoice_schedule=schedule).id
            for i in range(customers)
        ]
        session.add_all(
            CdrHourly(
                customer_id=cid,
                hour=OCTOBER + timedelta(days=d, hours=9),
                attempts=1,
                connected=1,
                ner_calls=1,
                pdd_sum=0,
                pdd_count=0,
                duration=60,
                billed_duration=60,
                charge=Decimal("0" if d == days - 1 else "1.25"),
                cost=Decimal("0.5"),
            )
            for cid in ids
            for d in range(days)
        )
        state = session.get(SummaryState, 1) or SummaryState(id=1)
        state.refreshed_at = datetime.now(UTC)
        session.add(state)
    return ids


def numbers(url: str) -> list[int]:
    with transaction(url) as session:
        return sorted(session.scalars(select(Invoice.sequence)))


def generate_days(url: str, customer_id: int, *days: date) -> list[str]:
    with transaction(url) as session:
        data = GenerateIn(timeframe="daily", period_starts=list(days))
        return [i.number for i in generate(session, CLI, customer_id, data)]


@postgres_only
def test_simultaneous_generations_never_share_a_number_and_leave_no_gap(db_url: str) -> None:
    first, second = arrange(db_url, 2)
    day = OCTOBER.date()
    jobs: list[Callable[[], object]] = []
    for d in range(8):
        customer = first if d % 2 else second
        if d % 4 == 3:
            # the first day is fine, the last has no charge: the whole generation fails
            jobs.append(
                lambda c=customer, d=d: generate_days(
                    db_url, c, day + timedelta(d), day + timedelta(9)
                )
            )
        else:
            jobs.append(lambda c=customer, d=d: generate_days(db_url, c, day + timedelta(d)))
    results = race(jobs, timeout=120)
    failed = [r for r in results if isinstance(r, Exception)]
    assert len(failed) == 2 and all("no charges" in str(r) for r in failed)
    made = [n for r in results if isinstance(r, list) for n in r]
    assert sorted(made) == [f"INV-{n:06d}" for n in range(1, 7)]
    assert numbers(db_url) == list(range(1, 7))


@postgres_only
def test_two_workers_auto_generate_each_invoice_exactly_once(db_url: str) -> None:
    for round_ in range(3):
        arrange(db_url, 6, schedule="daily" if round_ == 1 else "monthly", days=4)

        def worker() -> int:
            with transaction(db_url) as session:
                return len(auto_generate_all(session, SYSTEM).created)

        results = race([worker, worker], timeout=120)
        assert all(isinstance(r, int) for r in results), results
        with transaction(db_url) as session:
            periods = session.execute(
                select(Invoice.customer_id, Invoice.period_start, Invoice.period_end)
            ).all()
        assert len(periods) == len(set(periods))
        assert numbers(db_url) == list(range(1, len(periods) + 1))
    # rounds: 6 monthly; then 6 daily customers × 3 charged days; then 6 monthly
    assert len(periods) == 6 + 18 + 6


@postgres_only
def test_overlapping_periods_generated_at_once_one_wins(db_url: str) -> None:
    """A day and the month holding it, generated at the same moment: the overlap check runs
    under the counter's lock, so the second sees the first and is refused."""
    for customer in arrange(db_url, 5):

        def month(c: int = customer) -> list[str]:
            with transaction(db_url) as session:
                data = GenerateIn(timeframe="monthly", period_starts=[OCTOBER.date()])
                return [i.number for i in generate(session, CLI, c, data)]

        results = race(
            [month, lambda c=customer: generate_days(db_url, c, OCTOBER.date())], timeout=120
        )
        refused = [r for r in results if isinstance(r, Conflict)]
        assert len(refused) == 1 and "overlaps invoice" in refused[0].detail, results
    with transaction(db_url) as session:
        assert len(session.scalars(select(Invoice)).all()) == 5
    assert numbers(db_url) == list(range(1, 6))


def test_the_database_refuses_a_second_open_invoice_for_one_period(db_url: str) -> None:
    [cid] = arrange(db_url, 1)
    with transaction(db_url) as session:
        generate(session, CLI, cid, GenerateIn(timeframe="monthly", period_starts=[OCTOBER]))
    with pytest.raises(IntegrityError), transaction(db_url) as session:
        copy = session.get_one(Invoice, 1)
        session.add(_clone(copy, number="COPY-1", sequence=99))
        session.flush()
    with transaction(db_url) as session:
        session.get_one(Invoice, 1).status = "void"
        session.add(_clone(session.get_one(Invoice, 1), number="COPY-2", sequence=100))
    assert numbers(db_url) == [1, 100]


def _clone(invoice: Invoice, **over: object) -> Invoice:
    columns = [
        c.key for c in Invoice.__table__.columns if c.key not in ("id", "number", "sequence")
    ]
    values = {c: getattr(invoice, c) for c in columns}
    values["status"] = "issued"
    return Invoice(**values, **over)
