"""CDR ingestion (PRODUCT.md §5, CDR.md): validate every row, store every valid one once."""

from __future__ import annotations

import sqlite3
from collections import deque
from collections.abc import Callable, Iterable, Mapping
from concurrent.futures import Future, ThreadPoolExecutor
from dataclasses import dataclass, field
from typing import Any

import polars as pl
import psycopg
from sqlalchemy.exc import DBAPIError, InterfaceError, OperationalError
from sqlalchemy.orm import Session

from carrierdesk.audit.service import record
from carrierdesk.auth.permissions import require_staff
from carrierdesk.auth.principals import Principal
from carrierdesk.cdrs.csvblocks import Batch, TextBlock
from carrierdesk.cdrs.csvio import Record, is_utf8
from carrierdesk.cdrs.directory import CustomerDirectory
from carrierdesk.cdrs.fastpath import ROW, frame_of_stored, recognise, recognise_frame
from carrierdesk.cdrs.fields import StoredColumns
from carrierdesk.cdrs.rating import rate
from carrierdesk.cdrs.storage import store_frame
from carrierdesk.cdrs.validate import RowErrors, validate
from carrierdesk.db import is_postgres, transaction

BATCH = 10_000
# What the database (or its driver) may still refuse in a row the validator passed: a rule
# nobody foresaw. Connection failures are not about a row and are not among them.
_DRIVER_ERRORS = (psycopg.Error, sqlite3.Error, UnicodeError, ValueError, OverflowError)
_NOT_ABOUT_A_ROW = (
    OperationalError,
    InterfaceError,
    psycopg.OperationalError,
    psycopg.InterfaceError,
    sqlite3.OperationalError,
    sqlite3.InterfaceError,
)


@dataclass
class Rejection:
    row: int
    call_id: str | None
    errors: list[str]
    values: Mapping[str, Any] | None = None  # what was sent, for the CLI's .rejected.csv


@dataclass
class IngestResult:
    accepted: int = 0
    duplicates: int = 0
    rejected: list[Rejection] = field(default_factory=list)
    rejected_count: int = 0

    def add(self, other: IngestResult) -> None:
        self.accepted += other.accepted
        self.duplicates += other.duplicates
        self.rejected_count += other.rejected_count
        self.rejected.extend(other.rejected)


@dataclass
class CheckedBatch:
    """A batch with its rows checked, before anything is stored: what may be stored (first
    occurrences of each call_id), how many repeated an earlier row, and the rejections."""

    record: Callable[[int], Record]  # the batch's record at a position
    rows: pl.DataFrame
    repeats: int
    result: IngestResult


def ingest(
    session: Session,
    principal: Principal,
    records: Iterable[Record],
    directory: CustomerDirectory | None = None,
) -> IngestResult:
    """One batch, in the caller's transaction: every valid row stored, every invalid reported."""
    require_staff(principal, "write")
    batch = list(records)
    return store_checked(session, check(batch, directory or CustomerDirectory.load(session)))


def check(batch: Batch, directory: CustomerDirectory) -> CheckedBatch:
    """The batch is checked at once (fastpath.py); the rows that leaves undecided are checked
    one by one (validate.py), which gives every reason a row is rejected. Touches no database."""
    if isinstance(batch, TextBlock):
        recognised = recognise_frame(*batch.frame(), directory)
        record = batch.record
    else:
        recognised = recognise([raw for _number, raw in batch], directory)
        record = batch.__getitem__  # type: ignore[assignment]
    result = IngestResult()
    checked: list[tuple[int, StoredColumns]] = []
    for position in recognised.undecided:
        number, raw = record(position)
        columns = _check(raw, directory)
        if isinstance(columns, RowErrors):
            _reject(result, number, raw if isinstance(raw, Mapping) else None, list(columns))
        else:
            checked.append((position, columns))
    valid = recognised.stored
    if checked:
        valid = pl.concat([valid, frame_of_stored(checked)]).sort(ROW)
    first = valid.filter(pl.col("call_id").is_first_distinct())
    rated = rate(first, directory.rating)
    for position, reason in rated.refused:
        number, raw = record(position)
        _reject(result, number, raw if isinstance(raw, Mapping) else None, [reason])
    return CheckedBatch(record, rated.rows, valid.height - first.height, result)


def store_checked(session: Session, checked: CheckedBatch) -> IngestResult:
    """Store a checked batch in the caller's transaction. A row the database still refuses is
    rejected with the database's reason, and the rest of the batch is stored all the same:
    nothing is lost, whatever the database refuses."""
    result = checked.result
    accepted, refused = _store(session, checked.rows)
    for position, reason in sorted(refused):
        number, raw = checked.record(position)
        _reject(result, number, raw if isinstance(raw, Mapping) else None, [reason])
    result.accepted = accepted
    # Repeats within the batch, and rows whose call_id was stored before.
    result.duplicates = checked.repeats + checked.rows.height - len(refused) - accepted
    result.rejected.sort(key=lambda r: r.row)
    return result


def _reject(
    result: IngestResult, row: int, values: Mapping[str, Any] | None, errors: list[str]
) -> None:
    call_id = values.get("call_id") if values is not None else None
    text_id = str(call_id).strip() or None if call_id is not None else None
    if text_id is not None and not is_utf8(text_id):  # a lone surrogate: not even JSON
        text_id = text_id.encode("utf-8", "backslashreplace").decode("utf-8")
    result.rejected.append(Rejection(row, text_id, errors, values))
    result.rejected_count += 1


def _store(session: Session, rows: pl.DataFrame) -> tuple[int, list[tuple[int, str]]]:
    """Store the rows (each try in a savepoint); when the database refuses them, halve until
    the rows it refuses are found one by one, and store all the others. Refused rows are
    returned as (position in the batch, the database's reason)."""
    if rows.is_empty():
        return 0, []
    try:
        with session.begin_nested():
            return store_frame(session, rows), []
    except (DBAPIError, *_DRIVER_ERRORS) as exc:
        if isinstance(exc, _NOT_ABOUT_A_ROW) or getattr(exc, "connection_invalidated", False):
            raise
        if rows.height == 1:
            return 0, [(int(rows[ROW][0]), _refusal(exc))]
    half = rows.height // 2
    first, first_refused = _store(session, rows.slice(0, half))
    second, second_refused = _store(session, rows.slice(half))
    return first + second, first_refused + second_refused


def _refusal(exc: BaseException) -> str:
    orig = getattr(exc, "orig", None) or exc
    reason = (str(orig).strip().splitlines() or [type(orig).__name__])[0]
    return f"row: the database refused it: {reason[:200]}"


def _check(raw: Any, directory: CustomerDirectory) -> StoredColumns | RowErrors:
    if isinstance(raw, RowErrors):
        return raw
    if not isinstance(raw, Mapping):
        return RowErrors(["row: must be an object of CDR columns"])
    return validate(raw, directory)


def import_stream(
    database_url: str | None,
    principal: Principal,
    batches: Iterable[Batch],
    source: str,
    on_batch: Callable[[int, IngestResult], None] | None = None,
) -> IngestResult:
    """A file of any size, one committed transaction per batch, with flat memory.

    While batches are being stored (by threads of their own, waiting for the database), the
    next is read and checked, so that every core works. On PostgreSQL two batches are stored
    at once, on two connections (their keys go in in call_id order, so two batches sharing a
    call_id wait for each other instead of deadlocking); SQLite has one writer. Results are
    reported in the file's order, and at most `writers + 1` batches are held at a time.
    Re-running an interrupted import is safe: the batches already committed are duplicates.
    """
    with transaction(database_url) as session:
        require_staff(principal, "write")
        directory = CustomerDirectory.load(session)
        writers = 2 if is_postgres(session) else 1
    total = IngestResult()

    def store(checked: CheckedBatch) -> IngestResult:
        with transaction(database_url) as session:
            return store_checked(session, checked)

    def report(size: int, stored: Future[IngestResult]) -> None:
        result = stored.result()
        if on_batch:
            on_batch(size, result)
        result.rejected = []  # the caller has written them out; keep memory flat
        total.add(result)

    with ThreadPoolExecutor(writers, thread_name_prefix="cdr-store") as pool:
        storing: deque[tuple[int, Future[IngestResult]]] = deque()
        try:
            for chunk in batches:
                checked = check(chunk, directory)
                if len(storing) == writers:
                    report(*storing.popleft())
                storing.append((len(chunk), pool.submit(store, checked)))
        finally:  # what was stored is reported (and its rejections written), even on a failure
            while storing:
                report(*storing.popleft())
    with transaction(database_url) as session:
        record(
            session,
            principal,
            "import",
            table="cdrs",
            message=f"CDR import of {source}: {total.accepted} accepted, "
            f"{total.duplicates} duplicates, {total.rejected_count} rejected",
        )
    return total
