"""The demo's (and benchmarks') synthetic CDRs are valid canonical CDRs, and get summarised."""

from __future__ import annotations

from datetime import timedelta

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from carrierdesk.auth.principals import CLI
from carrierdesk.cdrs.demo import add_demo_cdrs
from carrierdesk.cdrs.directory import CustomerDirectory
from carrierdesk.cdrs.fields import CANONICAL, STORED, StoredColumns
from carrierdesk.cdrs.synthetic import canonical
from carrierdesk.cdrs.validate import validate
from carrierdesk.models import Cdr, CdrHourly
from carrierdesk.models.base import utcnow
from carrierdesk.summaries.service import get_summary
from fixtures.builders import add_customer


def test_demo_cdrs_are_valid_recent_and_summarised(db: Session) -> None:
    ids = [add_customer(db, f"Demo {i}").id for i in range(3)]
    stored = add_demo_cdrs(db, rows=3000, days=3)
    assert 2700 < stored < 3300
    directory = CustomerDirectory.load(db)
    now = utcnow()
    for row in db.scalars(select(Cdr).limit(500)):
        as_csv = dict(zip(CANONICAL, (str(v) for v in canonical_of(row)), strict=True))
        assert not isinstance(validate(as_csv, directory), list), as_csv
        assert now - timedelta(days=3, hours=1) <= row.start_time <= now
    assert db.scalar(select(func.sum(CdrHourly.attempts))) == stored
    answered = db.scalar(select(func.count()).where(Cdr.answer_time.is_not(None)))
    assert 0.3 * stored < (answered or 0) < 0.75 * stored
    summary = get_summary(db, CLI, ids[0], "24h")
    assert sum(r.sums.attempts for r in summary.rows) > 0


def canonical_of(row: Cdr) -> list[object]:
    return canonical(StoredColumns(*(getattr(row, c) for c in STORED)))
