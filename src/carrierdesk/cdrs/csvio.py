"""Canonical CDR CSV in: a header naming the columns in any order, then one CDR a line.

Input is decoded with `surrogateescape`, so a row with bytes that are not UTF-8 is rejected on
its own (its neighbours are still imported) while a file that is not UTF-8 at all fails at its
header, before anything is stored.
"""

from __future__ import annotations

import csv
import sys
from collections.abc import Iterable, Iterator, Mapping
from typing import Any

from carrierdesk.cdrs.fields import CUSTOMER_KEYS, REQUIRED
from carrierdesk.cdrs.validate import RowErrors
from carrierdesk.errors import FieldError, Invalid, Malformed

Record = tuple[int, Mapping[str, Any] | RowErrors]


class Header:
    """A CSV file's column names; a later column of the same name wins, as in a dict."""

    __slots__ = ("index", "names")

    def __init__(self, names: list[str]):
        self.names = names
        self.index = {name: position for position, name in enumerate(names)}


class TextRow(Mapping[str, str]):
    """A row of a CSV file, by column name: every value is text, as the file had it. It keeps
    the file's list of values, so that a batch of rows turns into columns at once."""

    __slots__ = ("fields", "header")

    def __init__(self, header: Header, values: list[str]):
        self.header = header
        self.fields = values

    def __getitem__(self, name: str) -> str:
        return self.fields[self.header.index[name]]

    def __iter__(self) -> Iterator[str]:
        return iter(self.header.index)

    def __len__(self) -> int:
        return len(self.header.index)


csv.field_size_limit(sys.maxsize)  # unknown columns are ignored, however long they are


def is_utf8(value: str) -> bool:
    if value.isascii():
        return True
    try:
        value.encode("utf-8")
    except UnicodeEncodeError:
        return False
    return True


def check_header(header: list[str]) -> None:
    """Reject the whole file at once when a required column is missing, naming every one."""
    if not is_utf8("".join(header)):
        raise Malformed("The file is not UTF-8 text: save it as UTF-8 and import it again.")
    present = set(header)
    errors = [
        FieldError(column, "column is missing from the header")
        for column in REQUIRED
        if column not in present
    ]
    if not present & set(CUSTOMER_KEYS):
        errors.append(
            FieldError("customer_id", "the header needs customer_id, customer_ref or sip_user")
        )
    if errors:
        names = ", ".join(e.field for e in errors)
        raise Invalid(f"The CSV header lacks required columns: {names}.", errors)


def csv_records(lines: Iterable[str]) -> Iterator[Record]:
    """(row number, values by column) for each data row; row 1 is the first after the header."""
    reader = csv.reader(lines)
    header = read_header(reader)
    if header is not None:
        yield from records_of(reader, header, 1)


def read_header(reader: Iterator[list[str]]) -> Header | None:
    """The file's header, checked (None for an empty file)."""
    names = next(reader, None)
    if names is None:
        return None
    names = [h.strip().lstrip("\ufeff").lower() for h in names]
    check_header(names)
    return Header(names)


def records_of(reader: Iterator[list[str]], header: Header, first: int) -> Iterator[Record]:
    """The rows of a reader, numbered from `first`; a blank line counts but yields nothing."""
    for number, values in enumerate(reader, start=first):
        if values:
            yield record_of(number, values, header)


def record_of(number: int, values: list[str], header: Header) -> Record:
    width = len(header.names)
    if len(values) != width:
        return number, RowErrors([f"row: has {len(values)} fields, the header has {width}"])
    if not is_utf8("".join(values)):
        return number, RowErrors(["row: is not UTF-8 text"])
    return number, TextRow(header, values)


def decode(body: bytes) -> str:
    return body.decode("utf-8-sig", "surrogateescape")
