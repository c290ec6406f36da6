"""Property: for random CDR sets, sent in random batches and orders (late arrivals included),
with refreshes at random moments, every summary figure equals the figure computed directly
from the stored CDRs — on SQLite and on PostgreSQL."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from decimal import Decimal
from typing import Any

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from sqlalchemy import select, text

from carrierdesk.auth.principals import CLI
from carrierdesk.cdrs.service import ingest
from carrierdesk.db import transaction
from carrierdesk.models import Cdr, Customer
from carrierdesk.summaries import periods
from carrierdesk.summaries import refresh as summaries_refresh
from carrierdesk.summaries.refresh import refresh
from carrierdesk.summaries.service import Sums, get_summary
from fixtures.builders import add_customer

BASE = datetime(2026, 9, 27, 22, 0, tzinfo=UTC)  # a Sunday night: weeks and months cross
SPAN_MINUTES = 60 * 24 * 40
RANGE = (datetime(2026, 9, 1, tzinfo=UTC), datetime(2026, 12, 1, tzinfo=UTC))

cdr_specs = st.fixed_dictionaries(
    {
        "customer": st.integers(0, 2),
        "minute": st.integers(0, SPAN_MINUTES),
        "answered": st.booleans(),
        "talk": st.integers(0, 3600),
        "extra_billed": st.integers(0, 59),
        "fail_code": st.sampled_from([486, 480, 487, 503, 404, 600, 603]),
        "pdd": st.one_of(st.none(), st.integers(0, 9000)),
        "charge": st.integers(0, 5_000_000),
        "cost": st.integers(0, 5_000_000),
    }
)
plans = st.tuples(
    st.lists(cdr_specs, min_size=1, max_size=60),
    st.randoms(use_true_random=False),
    st.lists(st.booleans(), min_size=6, max_size=6),
    st.sampled_from([0, 10_000]),  # refresh by one pass over the span, or hour by hour
)


def as_row(n: int, spec: dict[str, Any], customers: list[int]) -> dict[str, Any]:
    start = BASE + timedelta(minutes=spec["minute"], seconds=n % 60)
    answered = spec["answered"]
    talk = spec["talk"] if answered else 0
    row = {
        "call_id": f"p-{n}",
        "customer_id": customers[spec["customer"]],
        "start_time": start.isoformat(),
        "end_time": (start + timedelta(seconds=5 + talk)).isoformat(),
        "duration": talk,
        "billed_duration": talk + spec["extra_billed"] if answered else 0,
        "callee": "+442079460958",
        "sip_code": 200 if answered else spec["fail_code"],
        "pdd_ms": spec["pdd"],
        "charge": str(Decimal(spec["charge"]).scaleb(-6)),
        "cost": str(Decimal(spec["cost"]).scaleb(-6)),
    }
    if answered:
        row["answer_time"] = (start + timedelta(seconds=5)).isoformat()
    return row


def direct(cdrs: list[Cdr], timeframe: str) -> dict[datetime, dict[str, Any]]:
    sums: dict[datetime, Sums] = {}
    for c in cdrs:
        s = sums.setdefault(periods.floor(c.start_time, timeframe), Sums())
        s.add(
            Sums(
                1,
                int(c.answer_time is not None),
                int(c.answer_time is not None or c.sip_code in (486, 600, 480, 487, 603)),
                c.pdd_ms or 0,
                int(c.pdd_ms is not None),
                c.duration,
                c.billed_duration,
                c.charge,
                c.cost,
            )
        )
    return {start: s.figures() for start, s in sums.items()}


def customer_ids(db_url: str) -> list[int]:
    """Three customers, made by the first example and kept by the next ones."""
    names = ["P0", "P1", "P2"]
    with transaction(db_url) as session:
        found = list(
            session.scalars(
                select(Customer.id).where(Customer.name.in_(names)).order_by(Customer.name)
            )
        )
        if found:
            return found
        return [add_customer(session, n).id for n in names]


def reset(db_url: str) -> None:
    with transaction(db_url) as session:
        for table in ("cdrs", "cdr_hourly", "summary_dirty", "summary_state"):
            session.execute(text(f"DELETE FROM {table}"))
        if session.get_bind().dialect.name == "postgresql":
            session.execute(text("DELETE FROM cdr_keys"))


@settings(
    max_examples=15,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
@given(plan=plans)
def test_summaries_equal_figures_from_stored_cdrs(db_url: str, plan: Any) -> None:
    specs, rnd, refresh_after, bulk_hours = plan
    kept = summaries_refresh.BULK_HOURS
    summaries_refresh.BULK_HOURS = bulk_hours
    try:
        check(db_url, specs, rnd, refresh_after)
    finally:
        summaries_refresh.BULK_HOURS = kept


def check(db_url: str, specs: list[dict[str, Any]], rnd: Any, refresh_after: list[bool]) -> None:
    customers = customer_ids(db_url)
    reset(db_url)
    rows = [as_row(n, spec, customers) for n, spec in enumerate(specs)]
    rows += rnd.sample(rows, k=len(rows) // 5)  # resends: duplicates, possibly in one batch
    rnd.shuffle(rows)  # late arrivals: old hours keep coming after newer ones
    cuts = sorted(rnd.sample(range(1, len(rows)), k=min(5, len(rows) - 1)))
    for i, (lo, hi) in enumerate(zip([0, *cuts], [*cuts, len(rows)], strict=True)):
        with transaction(db_url) as session:
            ingest(session, CLI, list(enumerate(rows[lo:hi])))
        if refresh_after[i]:
            with transaction(db_url) as session:
                refresh(session)
    with transaction(db_url) as session:
        refresh(session)
    with transaction(db_url) as session:
        stored = list(session.scalars(select(Cdr)))
        assert len(stored) == len(specs)
        for customer in customers:
            mine = [c for c in stored if c.customer_id == customer]
            for timeframe in ("24h", "daily", "weekly", "monthly"):
                start, end = RANGE
                if timeframe == "24h":
                    start, end = BASE, BASE + timedelta(days=41)
                got = get_summary(session, CLI, customer, timeframe, start, end)
                expected = direct(mine, timeframe)
                for row in got.rows:
                    empty = Sums().figures()
                    assert row.sums.figures() == expected.get(row.period_start, empty), (
                        timeframe,
                        row.period_start,
                    )
                assert sum(r.sums.attempts for r in got.rows) == len(mine)
