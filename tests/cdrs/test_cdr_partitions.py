"""PostgreSQL: CDRs land in monthly partitions created on demand, and the worker's job keeps
this month's and next month's ready before traffic needs them."""

from __future__ import annotations

from datetime import timedelta

from sqlalchemy import text

from carrierdesk.db import transaction
from carrierdesk.models.base import utcnow
from carrierdesk.summaries.jobs import run as refresh_job
from fixtures.builders import T0, cdr, make_customer
from support import Api, postgres_only


def partitions(db_url: str) -> set[str]:
    with transaction(db_url) as session:
        rows = session.scalars(
            text(
                "SELECT c.relname FROM pg_inherits i JOIN pg_class c ON c.oid = i.inhrelid "
                "JOIN pg_class p ON p.oid = i.inhparent WHERE p.relname = 'cdrs'"
            )
        )
        return set(rows)


@postgres_only
def test_partitions_on_demand(operator: Api, db_url: str) -> None:
    cid = make_customer(operator)
    late_in_month = T0.replace(day=31, hour=23, minute=59)
    rows = [cdr("p-1", cid, start=late_in_month), cdr("p-2", cid, start=T0 - timedelta(days=60))]
    assert operator.post("/cdrs", rows).json()["accepted"] == 2
    assert {"cdrs_2026_10", "cdrs_2026_08"} <= partitions(db_url)
    with transaction(db_url) as session:
        refresh_job(session)
    now, ahead = utcnow(), utcnow() + timedelta(days=31)
    expected = {f"cdrs_{now.year:04d}_{now.month:02d}", f"cdrs_{ahead.year:04d}_{ahead.month:02d}"}
    assert expected <= partitions(db_url)
