"""Writing valid CDRs in bulk: COPY on PostgreSQL, large executemany batches on SQLite.

Both skip call_ids already stored (the duplicate rule) and mark the (customer, hour) pairs they
touched for the next summary refresh.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from datetime import UTC, datetime
from typing import Any

from sqlalchemy import Engine, text
from sqlalchemy.orm import Session

from carrierdesk.cdrs.fields import STORED, StoredColumns
from carrierdesk.db import is_postgres

COLUMNS = ", ".join(STORED)


def store(session: Session, rows: Sequence[StoredColumns]) -> int:
    """Store rows (call_ids unique within `rows`); returns how many were new."""
    if not rows:
        return 0
    if is_postgres(session):
        ensure_partitions(session, months_of(r.start_time for r in rows))
        return _store_postgres(session, rows)
    return _store_sqlite(session, rows)


# --- SQLite -------------------------------------------------------------------------------

_SQLITE_INSERT = (
    f"INSERT INTO cdrs ({COLUMNS}) VALUES ({', '.join('?' * len(STORED))}) ON CONFLICT DO NOTHING"
)
_TIME_AT = (STORED.index("start_time"), STORED.index("answer_time"), STORED.index("end_time"))
_MONEY_AT = (STORED.index("rate"), STORED.index("charge"), STORED.index("cost"))
assert _TIME_AT == (1, 4, 5) and _MONEY_AT == (18, 19, 20)


def sqlite_time(value: datetime) -> str:
    """The text SQLAlchemy's DateTime keeps on SQLite (naive UTC, always with microseconds)."""
    if value.tzinfo is not UTC:
        value = value.astimezone(UTC)
    return value.isoformat(" ", "microseconds")[:26]


def sqlite_params(row: StoredColumns) -> list[object]:
    # The hot loop of SQLite imports: positions are fixed by STORED (see _TIME_AT, _MONEY_AT).
    params: list[Any] = list(row)
    params[1] = sqlite_time(params[1])
    if params[4] is not None:
        params[4] = sqlite_time(params[4])
    params[5] = sqlite_time(params[5])
    if params[18] is not None:
        params[18] = int(params[18].scaleb(6))
    params[19] = int(params[19].scaleb(6))
    params[20] = int(params[20].scaleb(6))
    return params


def _store_sqlite(session: Session, rows: Sequence[StoredColumns]) -> int:
    params = [sqlite_params(r) for r in rows]
    raw = session.connection().connection.driver_connection
    cursor = raw.cursor()  # type: ignore[union-attr]
    try:
        cursor.executemany(_SQLITE_INSERT, params)
        accepted = cursor.rowcount
        hours = {(p[0], p[1][:13] + ":00:00.000000") for p in params}  # type: ignore[index]
        cursor.executemany("INSERT INTO summary_dirty (customer_id, hour) VALUES (?, ?)", hours)
    finally:
        cursor.close()
    return int(accepted)


# --- PostgreSQL -----------------------------------------------------------------------------

_PG_STAGE = "CREATE TEMP TABLE IF NOT EXISTS cdr_stage (LIKE cdrs) ON COMMIT DELETE ROWS"
_PG_MOVE = f"""
WITH new_keys AS (
    INSERT INTO cdr_keys (call_id) SELECT call_id FROM cdr_stage
    ON CONFLICT DO NOTHING RETURNING call_id
)
INSERT INTO cdrs ({COLUMNS})
SELECT {", ".join("s." + c for c in STORED)} FROM cdr_stage s JOIN new_keys k USING (call_id)
"""
_PG_MARK = """
INSERT INTO summary_dirty (customer_id, hour)
SELECT DISTINCT customer_id, date_trunc('hour', start_time, 'UTC') FROM cdr_stage
"""


def _store_postgres(session: Session, rows: Sequence[StoredColumns]) -> int:
    raw = session.connection().connection.driver_connection
    with raw.cursor() as cursor:  # type: ignore[union-attr]
        cursor.execute(_PG_STAGE)
        cursor.execute("TRUNCATE cdr_stage")
        with cursor.copy(f"COPY cdr_stage ({COLUMNS}) FROM STDIN") as copy:
            for row in rows:
                copy.write_row(row)
        cursor.execute(_PG_MOVE)
        accepted = cursor.rowcount
        cursor.execute(_PG_MARK)
        cursor.execute("TRUNCATE cdr_stage")
    return int(accepted)


def months_of(times: Iterable[datetime]) -> set[tuple[int, int]]:
    return {(t.year, t.month) for t in times}


def partition_name(year: int, month: int) -> str:
    return f"cdrs_{year:04d}_{month:02d}"


def ensure_partitions(session: Session, months: Iterable[tuple[int, int]]) -> None:
    """Create missing monthly partitions, each in its own short transaction.

    CREATE + ATTACH PARTITION takes only SHARE UPDATE EXCLUSIVE on the parent, so it neither
    waits for nor blocks the imports and reads running meanwhile (this session's own open
    transaction included); the advisory lock makes two processes creating one month take turns.
    """
    wanted = {partition_name(y, m): (y, m) for y, m in months}
    found = session.scalars(
        text("SELECT relname FROM pg_class WHERE relname = ANY(:names)"), {"names": list(wanted)}
    )
    missing = set(wanted) - set(found)
    engine = session.get_bind()
    assert isinstance(engine, Engine)
    for name in sorted(missing):
        year, month = wanted[name]
        with engine.begin() as conn:
            conn.execute(text("SELECT pg_advisory_xact_lock(hashtext('carrierdesk.partitions'))"))
            if conn.scalar(text("SELECT to_regclass(:name)"), {"name": name}) is not None:
                continue
            start = datetime(year, month, 1, tzinfo=UTC)
            end = datetime(year + month // 12, month % 12 + 1, 1, tzinfo=UTC)
            conn.execute(text(f"CREATE TABLE {name} (LIKE cdrs INCLUDING DEFAULTS)"))
            conn.execute(
                text(
                    f"ALTER TABLE cdrs ATTACH PARTITION {name} "
                    f"FOR VALUES FROM ('{start.isoformat()}') TO ('{end.isoformat()}')"
                )
            )
