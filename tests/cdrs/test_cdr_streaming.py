"""A 2 GB CDR file streams through the parser with flat memory (generated lazily, never stored)."""

from __future__ import annotations

import tracemalloc
from collections.abc import Iterator

from carrierdesk.cdrs.csvio import csv_records
from carrierdesk.cdrs.directory import CustomerDirectory, KnownCustomer
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
