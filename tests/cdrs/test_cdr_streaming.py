"""A 2 GB CDR file streams through the parser with flat memory (generated lazily, never stored)."""

from __future__ import annotations

import io
import os
import tracemalloc
from collections.abc import Iterator

from carrierdesk.cdrs.csvblocks import csv_batches
from carrierdesk.cdrs.csvio import csv_records
from carrierdesk.cdrs.directory import CustomerDirectory, KnownCustomer
from carrierdesk.cdrs.service import BATCH, check
from carrierdesk.cdrs.validate import validate

GB = 1 << 30
HEADER = (
    "call_id,customer_id,start_time,answer_time,end_time,duration,callee,sip_code,charge,notes\n"
)
PADDING = "x" * 1_000_000 + "\n"  # an unknown column: read, then ignored


def two_gigabytes() -> Iterator[str]:
    yield HEADER
    sent, n = len(HEADER), 0
    while sent < 2 * GB:
        n += 1
        line = (
            f"call-{n},1,2026-10-05T12:00:00Z,2026-10-05T12:00:05Z,2026-10-05T12:01:05Z,"
            "60,+442079460958,200,0.0125,"
        ) + PADDING
        sent += len(line)
        yield line


def test_two_gigabyte_file_streams_with_flat_memory() -> None:
    directory = CustomerDirectory({1: KnownCustomer(1, "USD")}, {})
    tracemalloc.start()
    try:
        valid = rows = 0
        for _number, raw in csv_records(two_gigabytes()):
            rows += 1
            valid += not isinstance(validate(raw, directory), list)  # type: ignore[arg-type]
        _current, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    assert rows == valid > 2_000
    assert peak < 32 * 1024 * 1024  # a few 1 MB rows at a time, never the 2 GB file


class LazyText(io.TextIOBase):
    """A text stream over a generator of lines: read(n) and readline(), never the whole."""

    def __init__(self, lines: Iterator[str]):
        self.lines = lines
        self.pending = ""

    def readable(self) -> bool:
        return True

    def readline(self, size: int | None = -1) -> str:
        if "\n" not in self.pending:
            self.pending += next(self.lines, "")
        line, _, self.pending = self.pending.partition("\n")
        return line + "\n" if _ else line

    def read(self, size: int | None = -1) -> str:
        assert size is not None and size > 0
        while len(self.pending) < size and (line := next(self.lines, "")):
            self.pending += line
        text, self.pending = self.pending[:size], self.pending[size:]
        return text


def _resident_bytes() -> int:
    with open("/proc/self/statm") as handle:
        return int(handle.read().split()[1]) * os.sysconf("SC_PAGE_SIZE")


def test_two_gigabyte_file_streams_through_the_block_reader_with_flat_memory() -> None:
    """The import's own reader and checks (Polars' memory included: resident size, not only
    Python's) hold a block at a time."""
    directory = CustomerDirectory({1: KnownCustomer(1, "USD")}, {})
    start = _resident_bytes()
    growth = valid = 0
    for batch in csv_batches(LazyText(two_gigabytes()), BATCH):
        valid += check(batch, directory).rows.height
        growth = max(growth, _resident_bytes() - start)
    assert valid > 2_000
    assert growth < 256 * 1024 * 1024  # a few blocks at a time, never the 2 GB file
