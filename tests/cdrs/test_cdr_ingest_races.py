"""The same CDRs sent twenty times at once, in overlapping batches (a switch retrying): every
call is stored once, and the answers add up to exactly one acceptance a call."""

from __future__ import annotations

from datetime import timedelta

from sqlalchemy import func, select

from carrierdesk.auth.principals import CLI
from carrierdesk.cdrs.service import IngestResult, ingest
from carrierdesk.db import transaction
from carrierdesk.models import Cdr
from fixtures.builders import T0, add_customer, cdr
from fixtures.races import race


def test_twenty_overlapping_batches_at_once_store_each_call_once(db_url: str) -> None:
    with transaction(db_url) as session:
        cid = add_customer(session, "Retrying").id
    rows = [cdr(f"r-{i}", cid, start=T0 + timedelta(minutes=i)) for i in range(300)]
    # batch k holds calls 10k … 10k+99: every call is in up to ten of the batches, in
    # different orders (every other batch reversed), so their keys meet in both orders
    batches = [rows[10 * k : 10 * k + 100][:: 1 if k % 2 else -1] for k in range(20)]

    def send(batch: list[dict[str, object]]) -> IngestResult:
        with transaction(db_url) as session:
            return ingest(session, CLI, list(enumerate(batch)))

    results = race([lambda b=b: send(b) for b in batches], timeout=120)
    failures = [r for r in results if not isinstance(r, IngestResult)]
    assert not failures, failures
    sent = {row["call_id"] for batch in batches for row in batch}
    assert sum(r.accepted for r in results) == len(sent)  # type: ignore[union-attr]
    assert sum(r.accepted + r.duplicates for r in results) == sum(map(len, batches))  # type: ignore[union-attr]
    with transaction(db_url) as session:
        assert session.scalar(select(func.count()).select_from(Cdr)) == len(sent)
