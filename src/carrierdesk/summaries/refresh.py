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
from carrierdesk.cdrs.tables import ensure_partitions
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
# Many hours at once (a bulk import): aggregate the CDRs of the claimed time span in one pass,
# as a plain GROUP BY would, then keep the groups that were claimed.
_SUMS_BULK = """
INSERT INTO cdr_hourly (customer_id, hour, attempts, connected, ner_calls, pdd_sum, pdd_count,
                        duration, billed_duration, charge, cost)
SELECT a.customer_id, a.hour, a.attempts, a.connected, a.ner_calls, a.pdd_sum, a.pdd_count,
       a.duration, a.billed_duration, a.charge, a.cost
FROM (
    SELECT customer_id, {hour} AS hour, count(*) AS attempts, count(answer_time) AS connected,
           count(*) FILTER (WHERE answer_time IS NOT NULL OR sip_code IN (%s)) AS ner_calls,
           coalesce(sum(pdd_ms), 0) AS pdd_sum, count(pdd_ms) AS pdd_count,
           sum(duration) AS duration, sum(billed_duration) AS billed_duration,
           sum(charge) AS charge, sum(cost) AS cost
    FROM cdrs WHERE start_time >= :first AND start_time < :last
    GROUP BY 1, 2
) a
JOIN summary_claimed d ON d.customer_id = a.customer_id AND d.hour = a.hour
WHERE true
ON CONFLICT (customer_id, hour) DO UPDATE SET
    attempts = excluded.attempts, connected = excluded.connected,
    ner_calls = excluded.ner_calls, pdd_sum = excluded.pdd_sum, pdd_count = excluded.pdd_count,
    duration = excluded.duration, billed_duration = excluded.billed_duration,
    charge = excluded.charge, cost = excluded.cost
""".replace("%s", _NER)
_HOUR = {
    "postgresql": "date_trunc('hour', start_time, 'UTC')",
    "sqlite": "substr(start_time, 1, 13) || ':00:00.000000'",
}
BULK_HOURS = 1000  # from this many claimed hours on, one pass beats a range scan per hour
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
        session.execute(text("SET LOCAL work_mem = '64MB'"))  # hourly groups of big imports
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
    if hours >= BULK_HOURS:
        first, last = session.execute(
            text("SELECT min(hour), max(hour_end) FROM summary_claimed")
        ).one()
        dialect = "postgresql" if postgres else "sqlite"
        bulk = _SUMS_BULK.format(hour=_HOUR[dialect])
        session.execute(text(bulk), {"first": first, "last": last})
    elif hours:
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
