"""Two refreshes at once, while CDRs keep arriving, give the same summaries as one refresh."""

from __future__ import annotations

from datetime import timedelta

from sqlalchemy import func, select

from carrierdesk.auth.principals import CLI
from carrierdesk.cdrs.service import ingest
from carrierdesk.db import transaction
from carrierdesk.models import Cdr, CdrHourly, SummaryDirty
from carrierdesk.summaries.refresh import refresh
from fixtures.builders import T0, add_customer, cdr
from fixtures.races import race


def test_concurrent_refreshes_and_imports(db_url: str) -> None:
    with transaction(db_url) as session:
        cid = add_customer(session, "Busy").id
    rows = [cdr(f"c-{i}", cid, start=T0 + timedelta(minutes=7 * i)) for i in range(400)]
    with transaction(db_url) as session:
        ingest(session, CLI, list(enumerate(rows[:200])))

    def refresh_once() -> None:
        with transaction(db_url) as session:
            refresh(session)

    def import_rest() -> None:
        for lo in range(200, 400, 50):
            with transaction(db_url) as session:
                ingest(session, CLI, list(enumerate(rows[lo : lo + 50])))

    results = race([refresh_once, import_rest, refresh_once], timeout=None)
    errors = [r for r in results if isinstance(r, Exception)]
    assert not errors, errors
    refresh_once()
    with transaction(db_url) as session:
        assert session.scalar(select(func.count()).select_from(SummaryDirty)) == 0
        hourly = {h: n for h, n in session.execute(select(CdrHourly.hour, CdrHourly.attempts))}
        direct: dict[object, int] = {}
        for start in session.scalars(select(Cdr.start_time)):
            hour = start.replace(minute=0, second=0, microsecond=0)
            direct[hour] = direct.get(hour, 0) + 1
        assert hourly == direct and sum(direct.values()) == 400
