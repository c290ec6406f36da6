"""Writing valid CDRs in bulk: COPY on PostgreSQL, large executemany batches on SQLite, from
the frames of fastpath.py (money in whole millionths, times UTC).

Both skip call_ids already stored (the duplicate rule) and mark the (customer, hour) pairs they
touched for the next summary refresh.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import polars as pl
import psycopg
import psycopg.errors
from sqlalchemy.orm import Session

from carrierdesk.cdrs.fastpath import frame_of_stored
from carrierdesk.cdrs.fields import STORED, StoredColumns
from carrierdesk.cdrs.tables import ensure_partitions
from carrierdesk.db import is_postgres

COLUMNS = ", ".join(STORED)


def store(session: Session, rows: Sequence[StoredColumns]) -> int:
    """Store rows (call_ids unique within `rows`); returns how many were new."""
    return store_frame(session, frame_of_stored(list(enumerate(rows))))


def store_frame(session: Session, rows: pl.DataFrame) -> int:
    """The same for rows as fastpath.py frames them (STORED_SCHEMA)."""
    if rows.is_empty():
        return 0
    if is_postgres(session):
        start = pl.col("start_time")
        months = rows.select(start.dt.year().alias("year"), start.dt.month().alias("month"))
        ensure_partitions(session, set(months.unique().iter_rows()))
        return _store_postgres(session, rows)
    return _store_sqlite(session, rows)


def _money_text(column: str) -> pl.Expr:
    millionths = pl.col(column)
    whole = (millionths // 1_000_000).cast(pl.String)
    return whole + "." + (millionths % 1_000_000).cast(pl.String).str.zfill(6)


# --- SQLite -------------------------------------------------------------------------------

_SQLITE_INSERT = (
    f"INSERT INTO cdrs ({COLUMNS}) VALUES ({', '.join('?' * len(STORED))}) ON CONFLICT DO NOTHING"
)
_SQLITE_TIME = "%Y-%m-%d %H:%M:%S%.6f"  # as SQLAlchemy's DateTime keeps it: naive UTC, µs


def sqlite_rows(rows: pl.DataFrame) -> list[tuple[Any, ...]]:
    """The parameters of the SQLite insert: times as text, money as whole millionths."""
    times = [pl.col(c).dt.strftime(_SQLITE_TIME) for c in ("start_time", "answer_time", "end_time")]
    return rows.select(STORED).with_columns(times).rows()


def _store_sqlite(session: Session, rows: pl.DataFrame) -> int:
    raw = session.connection().connection.driver_connection
    cursor = raw.cursor()  # type: ignore[union-attr]
    hour = pl.col("start_time").dt.strftime("%Y-%m-%d %H:00:00.000000")
    hours = rows.select("customer_id", hour).unique().rows()
    try:
        cursor.executemany(_SQLITE_INSERT, sqlite_rows(rows))
        accepted = cursor.rowcount
        cursor.executemany("INSERT INTO summary_dirty (customer_id, hour) VALUES (?, ?)", hours)
    finally:
        cursor.close()
    return int(accepted)


# --- PostgreSQL -----------------------------------------------------------------------------

# The batch's keys go in first, in call_id order (two batches sharing one wait for each other
# instead of deadlocking); the rows whose key was new are then copied straight into cdrs. The
# keys are copied in (a third of the cost of INSERT … ON CONFLICT); when one was stored before,
# that copy is undone and the insert below names the new ones.
_PG_COPY_KEYS = "COPY cdr_keys (call_id) FROM STDIN (FORMAT csv)"
_PG_KEYS = """
INSERT INTO cdr_keys (call_id) SELECT k FROM unnest(%s::text[]) k ORDER BY k COLLATE "C"
ON CONFLICT DO NOTHING RETURNING call_id
"""
_PG_MARK = """
INSERT INTO summary_dirty (customer_id, hour)
SELECT unnest(%s::integer[]), unnest(%s::timestamptz[])
"""
_PG_TIME = "%Y-%m-%d %H:%M:%S%.6f+00"  # the frame's times are UTC
_TIMES = ("start_time", "answer_time", "end_time")


def _postgres_csv(rows: pl.DataFrame) -> bytes:
    times = [pl.col(c).dt.replace_time_zone(None) for c in _TIMES]
    money = [_money_text(c) for c in ("rate", "charge", "cost")]
    text = rows.select(STORED).with_columns(*times, *money)
    return text.write_csv(include_header=False, datetime_format=_PG_TIME).encode()


def _text_array(values: pl.Series) -> str:
    """A PostgreSQL array literal of texts, built at once (psycopg adapts a list of str one
    element at a time, in Python)."""
    quoted = values.str.replace_all("\\", "\\\\", literal=True).str.replace_all(
        '"', '\\"', literal=True
    )
    return "{" + str(('"' + quoted + '"').str.join(",").item()) + "}"


def _store_postgres(session: Session, rows: pl.DataFrame) -> int:
    raw = session.connection().connection.driver_connection
    with raw.cursor() as cursor:  # type: ignore[union-attr]
        rows = _new_keys(cursor, rows)
        if rows.is_empty():
            return 0
        with cursor.copy(f"COPY cdrs ({COLUMNS}) FROM STDIN (FORMAT csv)") as copy:
            copy.write(_postgres_csv(rows))
        hours = rows.select("customer_id", pl.col("start_time").dt.truncate("1h")).unique()
        cursor.execute(_PG_MARK, (hours["customer_id"].to_list(), hours["start_time"].to_list()))
    return rows.height


def _new_keys(cursor: psycopg.Cursor[Any], rows: pl.DataFrame) -> pl.DataFrame:
    """Stores the rows' call_ids as keys; answers the rows whose key is new."""
    keys = rows.select(pl.col("call_id").sort()).write_csv(include_header=False)  # byte order
    cursor.execute("SAVEPOINT cdr_keys")
    try:
        with cursor.copy(_PG_COPY_KEYS) as copy:
            copy.write(keys.encode())
    except psycopg.errors.UniqueViolation:
        cursor.execute("ROLLBACK TO SAVEPOINT cdr_keys")
    else:
        cursor.execute("RELEASE SAVEPOINT cdr_keys")
        return rows
    cursor.execute(_PG_KEYS, (_text_array(rows["call_id"]),))
    new = [key for (key,) in cursor.fetchall()]
    return rows.filter(pl.col("call_id").is_in(new)) if len(new) < rows.height else rows
