"""CDR ingestion (PRODUCT.md §5, CDR.md): validate every row, store every valid one once."""

from __future__ import annotations

from collections.abc import Callable, Iterable, Iterator, Mapping
from dataclasses import dataclass, field
from itertools import islice
from typing import Any

from sqlalchemy.orm import Session

from carrierdesk.audit.service import record
from carrierdesk.auth.permissions import require_staff
from carrierdesk.auth.principals import Principal
from carrierdesk.cdrs.csvio import Record
from carrierdesk.cdrs.directory import CustomerDirectory
from carrierdesk.cdrs.fields import StoredColumns
from carrierdesk.cdrs.storage import store
from carrierdesk.cdrs.validate import RowErrors, validate
from carrierdesk.db import transaction

BATCH = 10_000


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


def ingest(
    session: Session,
    principal: Principal,
    records: Iterable[Record],
    directory: CustomerDirectory | None = None,
) -> IngestResult:
    """One batch, in the caller's transaction: every valid row stored, every invalid reported."""
    require_staff(principal, "write")
    directory = directory or CustomerDirectory.load(session)
    result = IngestResult()
    valid: list[StoredColumns] = []
    seen: set[str] = set()
    for number, raw in records:
        checked = _check(raw, directory)
        if isinstance(checked, RowErrors):
            call_id = raw.get("call_id") if isinstance(raw, Mapping) else None
            values = raw if isinstance(raw, Mapping) else None
            text_id = str(call_id).strip() or None if call_id is not None else None
            result.rejected.append(Rejection(number, text_id, list(checked), values))
            result.rejected_count += 1
        elif checked.call_id in seen:
            result.duplicates += 1
        else:
            seen.add(checked.call_id)
            valid.append(checked)
    result.accepted = store(session, valid)
    result.duplicates += len(valid) - result.accepted
    return result


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
