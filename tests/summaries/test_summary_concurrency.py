"""Two refreshes at once, while CDRs keep arriving, give the same summaries as one refresh."""

from __future__ import annotations

import threading
from datetime import timedelta

from sqlalchemy import func, select

from carrierdesk.auth.principals import CLI
from carrierdesk.cdrs.service import ingest
from carrierdesk.customers.schemas import CustomerCreate
from carrierdesk.customers.service import create_customer
from carrierdesk.db import transaction
from carrierdesk.models import Cdr, CdrHourly, SummaryDirty
from carrierdesk.summaries.refresh import refresh
from cdrs.cdr_helpers import T0, cdr


def test_concurrent_refreshes_and_imports(db_url: str) -> None:
    with transaction(db_url) as session:
        cid = create_customer(session, CLI, CustomerCreate(name="Busy")).id
    rows = [cdr(f"c-{i}", cid, start=T0 + timedelta(minutes=7 * i)) for i in range(400)]
    with transaction(db_url) as session:
        ingest(session, CLI, list(enumerate(rows[:200])))
    errors: list[BaseException] = []

    def run(job: object) -> None:
        try:
            job()  # type: ignore[operator]
        except BaseException as exc:
            errors.append(exc)

    def refresh_once() -> None:
        with transaction(db_url) as session:
            refresh(session)

    def import_rest() -> None:
        for lo in range(200, 400, 50):
            with transaction(db_url) as session:
                ingest(session, CLI, list(enumerate(rows[lo : lo + 50])))

    threads = [threading.Thread(target=run, args=(job,)) for job in (refresh_once, import_rest)]
    threads += [threading.Thread(target=run, args=(refresh_once,))]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
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
