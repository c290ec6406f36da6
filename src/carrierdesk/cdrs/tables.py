"""How the cdrs table is laid out: monthly partitions on PostgreSQL, times as text on SQLite.

Kept apart from storage.py so that readers of the table (summaries, invoices, reports) need
none of the import's machinery to start.
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import UTC, datetime

from sqlalchemy import Engine, text
from sqlalchemy.orm import Session

from carrierdesk.db import side_engine


def sqlite_time(value: datetime) -> str:
    """The text SQLAlchemy's DateTime keeps on SQLite (naive UTC, always with microseconds)."""
    if value.tzinfo is not UTC:
        value = value.astimezone(UTC)
    return value.isoformat(" ", "microseconds")[:26]


def months_of(times: Iterable[datetime]) -> set[tuple[int, int]]:
    return {(t.year, t.month) for t in times}


def partition_name(year: int, month: int) -> str:
    return f"cdrs_{year:04d}_{month:02d}"


def ensure_partitions(session: Session, months: Iterable[tuple[int, int]]) -> None:
    """Create missing monthly partitions, each in its own short transaction, on a connection
    outside the pool (db.side_engine).

    CREATE + ATTACH PARTITION takes only SHARE UPDATE EXCLUSIVE on the parent, so it neither
    waits for nor blocks the imports and reads running meanwhile (this session's own open
    transaction included); the advisory lock makes two processes creating one month take turns.
    """
    wanted = {partition_name(y, m): (y, m) for y, m in months}
    found = session.scalars(
        text("SELECT relname FROM pg_class WHERE relname = ANY(:names)"), {"names": list(wanted)}
    )
    missing = set(wanted) - set(found)
    bind = session.get_bind()
    assert isinstance(bind, Engine)
    engine = side_engine(bind.url.render_as_string(hide_password=False))
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
