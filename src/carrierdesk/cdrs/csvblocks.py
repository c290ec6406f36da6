"""A CDR file read in blocks of plain lines, split into columns at once (the import's fast way).

A block is *plain* when it has no quote, no lone carriage return, no NUL and no byte that is not
UTF-8: then every line is one row and its fields are what lies between the commas, exactly as
csv.reader would read it, so Polars can split the whole block without a Python object a row.
From the first block that is not plain to the end of the file, rows are read by csv.reader
(csvio.py), as before: a quoted field may hold commas and newlines. Either way the rows, their
numbers and their errors are those of `csv_records`.
"""

from __future__ import annotations

import csv
import io
from collections.abc import Iterator
from dataclasses import dataclass
from itertools import chain, islice
from typing import IO

import polars as pl

from carrierdesk.cdrs.csvio import Header, Record, is_utf8, read_header, record_of, records_of
from carrierdesk.cdrs.fields import CANONICAL

BLOCK_CHARS = 2_000_000  # about 10,000 rows of a switch's CDRs
ROW = "row"


@dataclass
class TextBlock:
    """Plain lines of a file: row `first + i` is line i (a blank line counts, as in csv)."""

    header: Header
    lines: pl.Series
    first: int

    def frame(self) -> tuple[pl.DataFrame, list[int]]:
        """Its rows as text columns (CANONICAL, ROW = line index), and the lines that are not
        rows of the header's width, for csv.reader to name their errors."""
        width = len(self.header.names)
        line = pl.col("line")
        frame = pl.DataFrame([self.lines]).with_columns(
            pl.int_range(pl.len(), dtype=pl.Int64).alias(ROW),
            line.str.split(",").alias("_fields"),
        )
        written = frame.filter(line != "")
        fits = pl.col("_fields").list.len() == width
        names = self.header.index
        columns = [
            pl.col("_fields").list.get(names[c]).alias(c)
            if c in names
            else pl.lit(None, pl.String).alias(c)
            for c in CANONICAL
        ]
        odd = written.filter(~fits)[ROW].to_list()
        return written.filter(fits).select(*columns, ROW), odd

    def record(self, position: int) -> Record:
        """The row at a line index, read as csv.reader reads it."""
        values = next(csv.reader([self.lines[position]]))
        return record_of(self.first + position, values, self.header)

    def __len__(self) -> int:
        return len(self.lines)


Batch = TextBlock | list[Record]


def csv_batches(stream: IO[str], size: int) -> Iterator[Batch]:
    """The rows of a CSV stream (text, newline=""), as plain blocks while they last, then in
    lists of `size` records."""
    header_line = stream.readline()
    if not header_line:
        return
    if '"' in header_line:  # a quoted header: csv.reader reads the whole file
        reader = csv.reader(chain([header_line], stream))
        if (header := read_header(reader)) is not None:
            yield from _lists(records_of(reader, header, 1), size)
        return
    header = read_header(csv.reader([header_line]))
    if header is None:
        return
    first, carry = 1, ""
    while chunk := stream.read(BLOCK_CHARS):
        text = carry + chunk
        cut = text.rfind("\n") + 1
        text, carry = text[:cut], text[cut:]
        if not text:
            continue
        plain = _plain(text)
        if plain is None:  # the rest as a file's lines, the cut one made whole again
            rest = io.StringIO(text + carry + stream.readline(), newline="")
            reader = csv.reader(chain(rest, stream))
            yield from _lists(records_of(reader, header, first), size)
            return
        lines = plain.split("\n")[:-1]
        yield TextBlock(header, pl.Series("line", lines, pl.String()), first)
        first += len(lines)
    if carry:  # a last line without its newline
        reader = csv.reader(io.StringIO(carry, newline=""))
        yield from _lists(records_of(reader, header, first), size)


def _plain(text: str) -> str | None:
    """The text with CRLF as LF, when every line of it is plain; else None."""
    if "\r" in text:
        if text.count("\r") != text.count("\r\n"):
            return None
        text = text.replace("\r\n", "\n")
    if '"' in text or "\x00" in text or not is_utf8(text):
        return None
    return text


def _lists(records: Iterator[Record], size: int) -> Iterator[list[Record]]:
    while chunk := list(islice(records, size)):
        yield chunk
