"""CDR ingestion (PRODUCT.md §5, CDR.md): validate every row, store every valid one once."""

from __future__ import annotations

import sqlite3
from collections.abc import Callable, Iterable, Iterator, Mapping
from dataclasses import dataclass, field
from itertools import islice
from typing import Any, NamedTuple

import psycopg
from sqlalchemy.exc import DBAPIError, InterfaceError, OperationalError
from sqlalchemy.orm import Session

from carrierdesk.audit.service import record
from carrierdesk.auth.permissions import require_staff
from carrierdesk.auth.principals import Principal
from carrierdesk.cdrs.csvio import Record, is_utf8
from carrierdesk.cdrs.directory import CustomerDirectory
from carrierdesk.cdrs.fields import StoredColumns
from carrierdesk.cdrs.storage import store
from carrierdesk.cdrs.validate import RowErrors, validate
from carrierdesk.db import transaction

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


class Valid(NamedTuple):
    row: int
    values: Mapping[str, Any]
    columns: StoredColumns


def ingest(
    session: Session,
    principal: Principal,
    records: Iterable[Record],
    directory: CustomerDirectory | None = None,
) -> IngestResult:
    """One batch, in the caller's transaction: every valid row stored, every invalid reported.

    A row the database still refuses is rejected with the database's reason, and the rest of
    the batch is stored all the same: nothing is lost, whatever the database refuses."""
    require_staff(principal, "write")
    directory = directory or CustomerDirectory.load(session)
    result = IngestResult()
    valid: list[Valid] = []
    seen: set[str] = set()
    for number, raw in records:
        checked = _check(raw, directory)
        if isinstance(checked, RowErrors):
            values = raw if isinstance(raw, Mapping) else None
            _reject(result, number, values, list(checked))
        elif checked.call_id in seen:
            result.duplicates += 1
        else:
            assert isinstance(raw, Mapping)
            seen.add(checked.call_id)
            valid.append(Valid(number, raw, checked))
    accepted, refused = _store(session, valid)
    for item, reason in sorted(refused, key=lambda r: r[0].row):
        _reject(result, item.row, item.values, [reason])
    result.accepted = accepted
    result.duplicates += len(valid) - len(refused) - accepted
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


def _store(session: Session, items: list[Valid]) -> tuple[int, list[tuple[Valid, str]]]:
    """Store the rows (each try in a savepoint); when the database refuses them, halve until
    the rows it refuses are found one by one, and store all the others."""
    if not items:
        return 0, []
    try:
        with session.begin_nested():
            return store(session, [item.columns for item in items]), []
    except (DBAPIError, *_DRIVER_ERRORS) as exc:
        if isinstance(exc, _NOT_ABOUT_A_ROW) or getattr(exc, "connection_invalidated", False):
            raise
        if len(items) == 1:
            return 0, [(items[0], _refusal(exc))]
    half = len(items) // 2
    first, first_refused = _store(session, items[:half])
    second, second_refused = _store(session, items[half:])
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


def batches(records: Iterable[Record], size: int) -> Iterator[list[Record]]:
    iterator = iter(records)
    while chunk := list(islice(iterator, size)):
        yield chunk


def import_stream(
    database_url: str | None,
    principal: Principal,
    records: Iterable[Record],
    source: str,
    on_batch: Callable[[int, IngestResult], None] | None = None,
    batch_size: int = BATCH,
) -> IngestResult:
    """A file of any size, one committed transaction per batch, with flat memory.

    Re-running an interrupted import is safe: the batches already committed are duplicates.
    """
    with transaction(database_url) as session:
        require_staff(principal, "write")
        directory = CustomerDirectory.load(session)
    total = IngestResult()
    for chunk in batches(records, batch_size):
        with transaction(database_url) as session:
            result = ingest(session, principal, chunk, directory)
        if on_batch:
            on_batch(len(chunk), result)
        result.rejected = []  # the caller has written them out; keep memory flat
        total.add(result)
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
