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
    header = next(reader, None)
    if header is None:
        return
    header = [h.strip().lstrip("\ufeff").lower() for h in header]
    check_header(header)
    width = len(header)
    for number, values in enumerate(reader, start=1):
        if not values:
            continue
        if len(values) != width:
            yield number, RowErrors([f"row: has {len(values)} fields, the header has {width}"])
        elif not is_utf8("".join(values)):
            yield number, RowErrors(["row: is not UTF-8 text"])
        else:
            yield number, dict(zip(header, values, strict=True))


def decode(body: bytes) -> str:
    return body.decode("utf-8-sig", "surrogateescape")
