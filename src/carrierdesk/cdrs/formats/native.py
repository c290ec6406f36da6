"""What every native format shares: a native row turned into a canonical record (CDR.md, text
values, no charge: carrierdesk rates it), the reasons a row does not map, local times in the
switch's time zone, and FILE.rejected.csv written with the row as the switch wrote it.

A format reads its rows one by one into `NativeRecord`s: the row's number (1 = the first row
of a file), the canonical record or the reasons it does not map (each naming the native
field), and the native fields by name. The canonical records go to the ingest of
cdrs/service.py as they are, so the validator, rating and storage treat them exactly like
canonical rows; the native fields only serve to report a rejected row as it was sent.
"""

from __future__ import annotations

import csv
import re
from collections import deque
from collections.abc import Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from itertools import islice
from typing import IO, TYPE_CHECKING, Protocol
from zoneinfo import ZoneInfo

from carrierdesk.cdrs.csvio import Record, is_utf8
from carrierdesk.cdrs.validate import RowErrors

if TYPE_CHECKING:
    from sqlalchemy.orm import Session

    from carrierdesk.auth.principals import Principal
    from carrierdesk.cdrs.service import IngestResult

Canonical = dict[str, str | None]  # canonical column → its text, as a CSV row would have it
Native = dict[str, str]  # native field → its value, as the switch wrote it
_LOCAL_TIME = re.compile(r"^[0-9]{4}-[0-9]{2}-[0-9]{2} [0-9]{2}:[0-9]{2}:[0-9]{2}$")
_DIGITS = re.compile(r"^[0-9]{1,19}$")
LOCAL_FORMAT = "YYYY-MM-DD HH:MM:SS"


@dataclass(frozen=True)
class NativeRecord:
    number: int  # 1 = the first row of a file (or the CDR of a request)
    mapped: Canonical | RowErrors
    native: Native


class NativeFormat(Protocol):
    """A switch's CDR format (one module of this package each)."""

    @property
    def name(self) -> str: ...

    @property
    def zoned(self) -> bool:
        """True when its times carry no zone: they are read in the `--timezone` given."""
        ...

    @property
    def fields(self) -> Sequence[str]:
        """Its native fields, the columns of FILE.rejected.csv after row and errors."""
        ...

    @property
    def sources(self) -> Mapping[str, str]:
        """canonical column → the native field(s) it is made from (for the reasons)."""
        ...

    def read(self, stream: IO[str], zone: ZoneInfo) -> Iterator[NativeRecord]:
        """The rows of a file (text, newline=""), one by one."""
        ...

    def read_body(self, body: bytes, content_type: str, zone: ZoneInfo) -> list[NativeRecord]:
        """The rows of a request body (POST /cdrs?format=…)."""
        ...


def explain(fmt: NativeFormat, error: str) -> str:
    """A reason of the canonical rules, naming the native field its column was made from:
    `customer_id: does not match any customer` → `customer_id (from accountcode): …`."""
    column, sep, rest = error.partition(": ")
    source = fmt.sources.get(column)
    if not sep or source is None or source == column:
        return error
    return f"{column} (from {source}): {rest}"


def describe(fmt: NativeFormat, result: IngestResult, natives: Mapping[int, Native]) -> None:
    """Rejections as the native rows: the values the switch wrote (for FILE.rejected.csv), the
    call's id when the row did not map, and reasons naming the native fields."""
    id_field = fmt.sources.get("call_id", "")
    for rejection in result.rejected:
        native = natives.get(rejection.row)
        if native is not None:
            rejection.values = {**dict.fromkeys(fmt.fields, ""), **native}
            if rejection.call_id is None:
                rejection.call_id = native.get(id_field, "").strip() or None
        rejection.errors = [explain(fmt, error) for error in rejection.errors]


@dataclass
class NativeImport:
    """One file of a native format through cdrs/service.py import_stream: `batches` gives it
    canonical records in lists of `size`, and `reported` (called by the import's on_batch, once
    per batch, in order) gives each batch's rejections their native rows. Only the batches the
    import holds are kept here (at most a few), so memory stays flat whatever the file's size.
    """

    fmt: NativeFormat
    zone: ZoneInfo
    pending: deque[dict[int, Native]] = field(default_factory=deque)

    def batches(self, stream: IO[str], size: int) -> Iterator[list[Record]]:
        records = self.fmt.read(stream, self.zone)
        while chunk := list(islice(records, size)):
            self.pending.append({r.number: r.native for r in chunk})
            yield [(r.number, r.mapped) for r in chunk]

    def reported(self, result: IngestResult) -> None:
        describe(self.fmt, result, self.pending.popleft() if self.pending else {})


# ---- reading the fields -------------------------------------------------------------------


def csv_rows(stream: IO[str] | Iterable[str]) -> Iterator[tuple[int, list[str]]]:
    """(number, fields) of a CSV without a header: 1 = the first record; a blank line counts,
    as in canonical files, but yields nothing. FreeSWITCH writes `", "` in its default template:
    the space after the comma is not part of the value."""
    for number, fields in enumerate(csv.reader(stream, skipinitialspace=True), start=1):
        if fields:
            yield number, fields


def named(names: Sequence[str], fields: Sequence[str]) -> Native:
    return dict(zip(names, fields, strict=False))


def not_utf8(fields: Sequence[str]) -> RowErrors | None:
    return None if is_utf8("".join(fields)) else RowErrors(["row: is not UTF-8 text"])


def whole(value: str | None, name: str, errors: RowErrors, required: bool = True) -> int | None:
    """A whole number ≥ 0 of a native field."""
    text = (value or "").strip()
    if not text:
        if required:
            errors.add(name, "is required")
        return None
    if not _DIGITS.match(text):
        errors.add(name, "is not a whole number")
        return None
    return int(text)


def customer_id(value: str | None, name: str, errors: RowErrors) -> str | None:
    """A customer id written by carrierdesk's own SIP server settings (accountcode, …)."""
    text = (value or "").strip()
    if not text:
        return None
    if not _DIGITS.match(text) or int(text) == 0:
        errors.add(name, "is not a customer id (carrierdesk's SIP server settings set it)")
        return None
    return text


def iso(moment: datetime) -> str:
    """A canonical time: ISO 8601 in UTC with Z."""
    return moment.astimezone(UTC).isoformat().replace("+00:00", "Z")


def text(value: str | None) -> str | None:
    stripped = (value or "").strip()
    return stripped or None


@dataclass(frozen=True)
class Call:
    """What a CSV format's row says of a call, checked: made into its canonical record."""

    call_id: str | None
    customer: str | None
    start: datetime
    answer: datetime | None
    end: datetime
    talk_seconds: int
    caller: str | None
    callee: str | None
    sip_code: int
    release_reason: str | None

    def canonical(self) -> dict[str, str | None]:
        return {
            "call_id": self.call_id,
            "customer_id": self.customer,
            "start_time": iso(self.start),
            "answer_time": iso(self.answer) if self.answer is not None else None,
            "end_time": iso(self.end),
            "duration": str(self.talk_seconds),
            "caller": self.caller,
            "callee": self.callee,
            "sip_code": str(self.sip_code),
            "sip_reason": SIP_PHRASES.get(self.sip_code),
            "release_reason": self.release_reason,
        }


class LocalTimes:
    """Wall-clock times (`YYYY-MM-DD HH:MM:SS`) as a switch writes them in its time zone, read
    into UTC. In the hour the clocks go back a time happens twice: a call's start is read as
    the first, and its answer and end as the first that is not before the time before it (so a
    call that crosses the change keeps its length). A time in the hour the clocks skip cannot
    have been written by a switch's clock: the row is rejected."""

    def __init__(self, zone: ZoneInfo):
        self.zone = zone
        # "YYYY-MM-DD HH:MM" → the UTC offsets of its first and second occurrence (the same but
        # in the hour the clocks go back), or None when the minute does not exist. Zones change
        # their offset on a whole minute (every change since 1972), so all seconds of a minute
        # share them; and calls come in time order, so few minutes are ever looked up.
        self._minutes: dict[str, tuple[timedelta, timedelta] | None] = {}

    def _offsets(self, minute: datetime) -> tuple[timedelta, timedelta] | None:
        first = minute.replace(tzinfo=self.zone, fold=0)
        if first.astimezone(UTC).astimezone(self.zone).replace(tzinfo=None) != minute:
            return None
        second = minute.replace(tzinfo=self.zone, fold=1)
        return first.utcoffset() or ZERO, second.utcoffset() or ZERO

    def utc(
        self,
        value: str | None,
        name: str,
        errors: RowErrors,
        after: datetime | None = None,
        required: bool = True,
    ) -> datetime | None:
        stripped = (value or "").strip()
        if not stripped:
            if required:
                errors.add(name, "is required")
            return None
        try:
            if not _LOCAL_TIME.match(stripped):
                raise ValueError(stripped)
            naive = datetime.fromisoformat(stripped)
        except ValueError:
            errors.add(name, f"is not a time ({LOCAL_FORMAT})")
            return None
        minute = stripped[:16]
        if minute in self._minutes:
            offsets = self._minutes[minute]
        else:
            offsets = self._offsets(naive.replace(second=0))
            if len(self._minutes) >= 100_000:
                self._minutes.clear()
            self._minutes[minute] = offsets
        if offsets is None:
            errors.add(
                name,
                f"{stripped} does not exist in {self.zone.key} (the clocks skip that hour): "
                "is --timezone the switch's time zone?",
            )
            return None
        first = (naive - offsets[0]).replace(tzinfo=UTC)
        if offsets[0] == offsets[1]:
            return first
        second = (naive - offsets[1]).replace(tzinfo=UTC)
        return second if after is not None and first < after <= second else first


ZERO = timedelta(0)
EPOCH = datetime(1970, 1, 1, tzinfo=UTC)


def micros(
    value: str | None, name: str, errors: RowErrors, required: bool = True
) -> datetime | None:
    """Microseconds since the epoch (FreeSWITCH's *_uepoch). 0 is FreeSWITCH's "never" (an
    unanswered call's answer_uepoch): None, and an error when the moment is required."""
    number = whole(value, name, errors, required)
    if number is None:
        return None
    if number == 0:
        if required:
            errors.add(name, "is 0: the call has no such time")
        return None
    try:
        return EPOCH + timedelta(microseconds=number)
    except OverflowError:
        errors.add(name, "is not a time (microseconds since 1970-01-01 UTC)")
        return None


# The reason phrases of RFC 3261 (and RFC 3398's SIP codes) for the codes the tables map to.
SIP_PHRASES = {
    200: "OK",
    403: "Forbidden",
    404: "Not Found",
    408: "Request Timeout",
    410: "Gone",
    480: "Temporarily Unavailable",
    483: "Too Many Hops",
    484: "Address Incomplete",
    486: "Busy Here",
    487: "Request Terminated",
    488: "Not Acceptable Here",
    501: "Not Implemented",
    502: "Bad Gateway",
    503: "Service Unavailable",
    504: "Server Time-out",
    603: "Decline",
}


def ingest_native(
    session: Session, principal: Principal, fmt: NativeFormat, rows: Sequence[NativeRecord]
) -> IngestResult:
    """One batch of native rows (a request), in the caller's transaction: cdrs/service.py ingest,
    then the rejections described as the native rows."""
    from carrierdesk.cdrs.service import ingest

    result = ingest(session, principal, [(r.number, r.mapped) for r in rows])
    describe(fmt, result, {r.number: r.native for r in rows})
    return result
