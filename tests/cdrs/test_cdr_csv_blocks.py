"""Reading a file in plain blocks gives the rows, numbers and errors that csv.reader gives."""

from __future__ import annotations

import io
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from carrierdesk.cdrs import csvblocks
from carrierdesk.cdrs.csvblocks import TextBlock, csv_batches
from carrierdesk.cdrs.csvio import csv_records
from carrierdesk.cdrs.fields import CANONICAL
from carrierdesk.cdrs.validate import RowErrors

HEADER = "call_id,customer_id,start_time,end_time,duration,callee,sip_code,charge,note\r\n"
PLAIN = "c-{n},1,2026-10-01T00:00:00Z,2026-10-01T00:01:00Z,0,+4930,486,0,x y"
lines = st.one_of(
    st.builds(PLAIN.format, n=st.integers(0, 50)),
    st.sampled_from(
        [
            "", "  ", "a,b", "c-1,1,,,,,,,,,",
            'c-q,1,2026-10-01T00:00:00Z,,0,"+49,30",486,0,"a\nb"', 'c-h,1,x,y,0,"half',
            "c-n,1,a\x00b,y,0,1,486,0,z", "c-é,2,é,é,0,é,486,0,é",
            "c-s,1,\udcff,y,0,1,486,0,z", "c-r,1,a\rb,c,0,1,486,0,z",
        ]
    ),
)  # fmt: skip
endings = st.sampled_from(["\n", "\r\n", "\r"])


def _rows(records: list[Any]) -> list[tuple[int, Any]]:
    """The canonical columns of each row, or its errors."""
    return [
        (n, list(raw) if isinstance(raw, RowErrors) else [raw.get(c) for c in CANONICAL])
        for n, raw in records
    ]


def _from_batches(text: str) -> list[tuple[int, Any]]:
    rows: list[tuple[int, Any]] = []
    for batch in csv_batches(io.StringIO(text, newline=""), 3):
        if not isinstance(batch, TextBlock):
            rows += _rows(batch)
            continue
        frame, odd = batch.frame()
        values = {r["row"]: [r[c] for c in CANONICAL] for r in frame.iter_rows(named=True)}
        errors = {p: _rows([batch.record(p)])[0][1] for p in odd}
        rows += [(batch.first + p, {**values, **errors}[p]) for p in sorted({*values, *errors})]
    return rows


@settings(max_examples=300, deadline=None)
@given(st.lists(st.tuples(lines, endings), max_size=40), st.booleans(), st.integers(40, 400))
def test_blocks_read_what_csv_reader_reads(
    body: list[tuple[str, str]], last_newline: bool, block: int
) -> None:
    text = HEADER + "".join(line + end for line, end in body)
    if body and not last_newline:
        text = text[: -len(body[-1][1])]
    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(csvblocks, "BLOCK_CHARS", block)
        assert _from_batches(text) == _rows(list(csv_records(io.StringIO(text, newline=""))))


def test_a_plain_file_is_read_in_blocks() -> None:
    text = HEADER + "".join(PLAIN.format(n=n) + "\r\n" for n in range(1000))
    batches = list(csv_batches(io.StringIO(text, newline=""), 100))
    assert batches and all(isinstance(b, TextBlock) for b in batches)
    assert sum(len(b) for b in batches) == 1000


def test_an_empty_file_and_a_header_alone_have_no_rows() -> None:
    assert list(csv_batches(io.StringIO("", newline=""), 10)) == []
    assert _from_batches(HEADER) == []
