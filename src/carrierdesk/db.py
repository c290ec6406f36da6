"""Engine and sessions. SQLite gets WAL and foreign keys; PostgreSQL uses psycopg 3.

A transaction is either for reading or for writing (`TRANSACTION_MODE`, "write" unless the
request path says otherwise). A read transaction cannot write: PostgreSQL runs it READ ONLY
and SQLite `query_only`, and on SQLite it takes no lock, so readers never queue behind the
one writer. Write transactions on SQLite take the write lock at BEGIN (BEGIN IMMEDIATE) and
wait for it up to BUSY_TIMEOUT.
"""

from __future__ import annotations

import threading
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from functools import lru_cache
from pathlib import Path
from typing import Any, Generic, Literal, TypeVar

from sqlalchemy import Engine, Select, create_engine, event, func, select
from sqlalchemy.orm import Session, sessionmaker
from sqlalchemy.pool import NullPool

from carrierdesk.config import get_settings

Mode = Literal["read", "write"]
TRANSACTION_MODE: ContextVar[Mode] = ContextVar("transaction_mode", default="write")
# session.info key: bookkeeping to run after the request's transaction, in one of its own.
AFTER_COMMIT = "after_commit"
BUSY_TIMEOUT = 30  # seconds an SQLite writer waits for another process's write lock


def make_engine(url: str) -> Engine:
    connections = get_settings().db_connections
    # Every connection a process may use is in the pool; none overflows it: the request path
    # never asks for more than it has (carrierdesk.web.capacity), so a wait means a bug.
    sizes: dict[str, Any] = {"pool_size": connections, "max_overflow": 0, "pool_timeout": 30}
    if url.startswith("sqlite"):
        path = url.split("///", 1)[-1]
        if path and path != ":memory:":
            Path(path).parent.mkdir(parents=True, exist_ok=True)
        engine = create_engine(
            url, connect_args={"check_same_thread": False, "timeout": BUSY_TIMEOUT}, **sizes
        )
        event.listen(engine, "connect", _sqlite_pragmas)
        event.listen(engine, "begin", _sqlite_begin)
        return engine
    engine = create_engine(url, pool_pre_ping=True, **sizes)
    event.listen(engine, "begin", _postgres_begin)
    return engine


def _sqlite_pragmas(dbapi_conn: Any, _record: Any) -> None:
    dbapi_conn.isolation_level = None  # SQLAlchemy's "begin" event issues BEGIN itself
    cur = dbapi_conn.cursor()
    cur.execute("PRAGMA journal_mode=WAL")
    cur.execute("PRAGMA foreign_keys=ON")
    cur.execute("PRAGMA synchronous=NORMAL")
    cur.close()


def _sqlite_begin(conn: Any) -> None:
    if TRANSACTION_MODE.get() == "read":
        conn.exec_driver_sql("PRAGMA query_only=ON")
        conn.exec_driver_sql("BEGIN")
    else:
        # One writer at a time, taken at BEGIN: no "database is locked" upgrades mid-way.
        conn.exec_driver_sql("PRAGMA query_only=OFF")
        conn.exec_driver_sql("BEGIN IMMEDIATE")


def _postgres_begin(conn: Any) -> None:
    # psycopg then opens the transaction with BEGIN READ ONLY: no extra round trip.
    dbapi = conn.connection.dbapi_connection
    read_only = TRANSACTION_MODE.get() == "read"
    if dbapi.read_only != read_only:
        dbapi.read_only = read_only


@contextmanager
def transaction_mode(mode: Mode) -> Iterator[None]:
    """Transactions begun inside the block are `mode` ones."""
    token = TRANSACTION_MODE.set(mode)
    try:
        yield
    finally:
        TRANSACTION_MODE.reset(token)


T = TypeVar("T")


class PerDatabase(Generic[T]):
    """One `make(url)` per database URL, made once. No URL means the configured one, resolved
    before the cache: a cache keyed by None would keep the first database it met even after
    the configuration names another (tests, and any process that changes its settings).
    Clearing it disposes the engines it made, so that their pooled connections close at once
    rather than whenever they are collected."""

    def __init__(self, make: Callable[[str], T]):
        self._make = make
        self._made: dict[str, T] = {}
        self._lock = threading.Lock()

    def __call__(self, url: str | None = None) -> T:
        key = url or get_settings().database_url
        with self._lock:
            if key not in self._made:
                self._made[key] = self._make(key)
            return self._made[key]

    def cache_clear(self) -> None:
        with self._lock:
            made, self._made = list(self._made.values()), {}
        for value in made:
            if isinstance(value, Engine):
                value.dispose()


get_engine = PerDatabase(make_engine)


@lru_cache
def side_engine(url: str) -> Engine:
    """Connections outside the pool, for a short unit of work a transaction needs done beside
    it (creating a partition): taking one from the pool could wait for ever when every pooled
    connection is held by a transaction waiting for the same."""
    return create_engine(url, poolclass=NullPool)


def _sessionmaker(url: str) -> sessionmaker[Session]:
    return sessionmaker(get_engine(url), expire_on_commit=False)


get_sessionmaker = PerDatabase(_sessionmaker)


@contextmanager
def transaction(url: str | None = None) -> Iterator[Session]:
    """One unit of work: commit when the block ends normally, roll back on error."""
    with get_sessionmaker(url)() as session:
        try:
            yield session
            session.commit()
        except BaseException:
            session.rollback()
            raise


def is_postgres(session: Session) -> bool:
    return session.get_bind().dialect.name == "postgresql"


def insert_ignore(session: Session, model: type[Any], values: dict[str, Any]) -> None:
    """INSERT … ON CONFLICT DO NOTHING on either database (a race-free "create if missing")."""
    if is_postgres(session):
        from sqlalchemy.dialects.postgresql import insert as pg_insert

        session.execute(pg_insert(model).values(**values).on_conflict_do_nothing())
    else:
        from sqlalchemy.dialects.sqlite import insert as sqlite_insert

        session.execute(sqlite_insert(model).values(**values).on_conflict_do_nothing())


def count_of(session: Session, stmt: Select[Any]) -> int:
    """How many rows a query would return (for the `total` of a paged list)."""
    return session.scalar(select(func.count()).select_from(stmt.subquery())) or 0


def page_of(
    session: Session, stmt: Select[Any], *order_by: Any, limit: int, offset: int
) -> tuple[list[Any], int]:
    """One page of a list, in a stable order, and the total number of rows."""
    rows = session.scalars(stmt.order_by(*order_by).limit(limit).offset(offset))
    return list(rows), count_of(session, stmt)
