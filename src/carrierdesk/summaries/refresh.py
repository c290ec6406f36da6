"""Incremental, exact summary refresh: recompute, set-based, only the hours that got CDRs.

Imports append (customer, hour) marks; a refresh takes them and rebuilds each marked hour's
sums from `cdrs` with one INSERT … SELECT … GROUP BY … ON CONFLICT DO UPDATE. An exclusive lock
(advisory on PostgreSQL; SQLite has one writer anyway) makes concurrent refreshes take turns, so
two workers at once give the same result as one, and running it twice changes nothing.
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from sqlalchemy import select, text
from sqlalchemy.orm import Session

from carrierdesk.cdrs.fields import NER_CODES
from carrierdesk.cdrs.storage import ensure_partitions
from carrierdesk.db import is_postgres
from carrierdesk.models import SummaryState
from carrierdesk.models.base import utcnow
from carrierdesk.settings.service import get_options

_NER = ", ".join(str(c) for c in NER_CODES)
_SUMS = """
INSERT INTO cdr_hourly (customer_id, hour, attempts, connected, ner_calls, pdd_sum, pdd_count,
                        duration, billed_duration, charge, cost)
SELECT d.customer_id, d.hour, count(*), count(c.answer_time),
       count(*) FILTER (WHERE c.answer_time IS NOT NULL OR c.sip_code IN (%s)),
       coalesce(sum(c.pdd_ms), 0), count(c.pdd_ms), sum(c.duration), sum(c.billed_duration),
       sum(c.charge), sum(c.cost)
FROM summary_claimed d
JOIN cdrs c ON c.customer_id = d.customer_id AND c.start_time >= d.hour
           AND c.start_time < d.hour_end {hash_key}
GROUP BY d.customer_id, d.hour
ON CONFLICT (customer_id, hour) DO UPDATE SET
    attempts = excluded.attempts, connected = excluded.connected,
    ner_calls = excluded.ner_calls, pdd_sum = excluded.pdd_sum, pdd_count = excluded.pdd_count,
    duration = excluded.duration, billed_duration = excluded.billed_duration,
    charge = excluded.charge, cost = excluded.cost
""".replace("%s", _NER)
_PG_HASH_KEY = "AND date_trunc('hour', c.start_time, 'UTC') = d.hour"
_CLAIMED = (
    "CREATE TEMP TABLE IF NOT EXISTS summary_claimed "
    "(customer_id integer, hour {t}, hour_end {t}, PRIMARY KEY (customer_id, hour))"
)
_CLAIM_POSTGRES = """
WITH taken AS (DELETE FROM summary_dirty RETURNING customer_id, hour)
INSERT INTO summary_claimed (customer_id, hour, hour_end)
SELECT DISTINCT customer_id, hour, hour + interval '1 hour' FROM taken
"""
_CLAIM_SQLITE = """
INSERT INTO summary_claimed (customer_id, hour, hour_end)
SELECT DISTINCT customer_id, hour, strftime('%Y-%m-%d %H:00:00.000000', hour, '+1 hour')
FROM summary_dirty
"""


def refresh(session: Session) -> int:
    """Bring every summary up to date with the CDRs committed so far; returns hours rebuilt."""
    postgres = is_postgres(session)
    if postgres:
        session.execute(text("SELECT pg_advisory_xact_lock(hashtext('carrierdesk.summary'))"))
    session.execute(text(_CLAIMED.format(t="timestamptz" if postgres else "datetime")))
    session.execute(text("DELETE FROM summary_claimed"))
    if postgres:
        session.execute(text(_CLAIM_POSTGRES))
        # The planner needs the claimed set's size: a few hours → index range scans; most of
        # them → one hash join over the CDRs (the equality below makes that join possible).
        session.execute(text("ANALYZE summary_claimed"))
    else:
        session.execute(text(_CLAIM_SQLITE))
        session.execute(text("DELETE FROM summary_dirty"))
    hours = int(session.scalar(text("SELECT count(*) FROM summary_claimed")) or 0)
    if hours:
        session.execute(text(_SUMS.format(hash_key=_PG_HASH_KEY if postgres else "")))
    session.execute(text("DELETE FROM summary_claimed"))
    state = session.get(SummaryState, 1) or SummaryState(id=1)
    state.refreshed_at = utcnow()
    session.add(state)
    session.flush()
    return hours


def refresh_job(session: Session) -> int:
    """The worker's job: refresh every summary_refresh_seconds (and keep next month's CDR
    partition ready, so that live imports never have to create one)."""
    now = utcnow()
    if is_postgres(session):
        ahead = now + timedelta(days=31)
        ensure_partitions(session, {(now.year, now.month), (ahead.year, ahead.month)})
    last = session.scalar(select(SummaryState.refreshed_at).where(SummaryState.id == 1))
    interval = timedelta(seconds=get_options(session).summary_refresh_seconds)
    if last is not None and now - last < interval:
        return 0
    return refresh(session)


def refreshed_at(session: Session) -> datetime | None:
    value = session.scalar(select(SummaryState.refreshed_at).where(SummaryState.id == 1))
    return value.astimezone(UTC) if value else None
