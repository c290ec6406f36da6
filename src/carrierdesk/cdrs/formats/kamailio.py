"""`kamailio`: a CSV export of carrierdesk's own `kamailio_cdrs` table (docs/cdr-formats.md), as
`psql \\copy kamailio_cdrs TO … CSV HEADER` or sqlite3's `.mode csv` with `.headers on` write
it: a header row naming its columns (any order; the table's other columns are ignored), NULL as
an empty field, times as epoch seconds with microseconds. Each row becomes the canonical CDR
that the worker's own pass makes of it: cdrs/kamailio.py `canonical()`, the one mapping.
"""

from __future__ import annotations

import csv
import io
from collections.abc import Iterator
from decimal import Decimal, InvalidOperation
from typing import IO
from zoneinfo import ZoneInfo

from carrierdesk.cdrs.csvio import decode, is_utf8
from carrierdesk.cdrs.formats.native import Canonical, NativeRecord, whole
from carrierdesk.cdrs.kamailio import canonical
from carrierdesk.cdrs.validate import RowErrors
from carrierdesk.errors import FieldError, Invalid
from carrierdesk.models import KamailioCdr

REQUIRED = ("call_id", "invite_at", "end_at", "sip_code", "callee")
OPTIONAL = ("answer_at", "sip_reason", "caller", "sip_user", "customer_id")
COLUMNS = ("id", *REQUIRED, *OPTIONAL, "ip_auth_id", "rejected")  # kamailio_cdrs's columns
EPOCH_EXAMPLE = "epoch seconds, e.g. 1796292902.123456"
_LIMIT = Decimal(253402300800)  # 10000-01-01: later is no time


class KamailioExport:
    name = "kamailio"
    zoned = False
    fields = COLUMNS
    sources = {
        "start_time": "invite_at",
        "answer_time": "answer_at",
        "end_time": "end_at",
        "duration": "answer_at, end_at",
    }

    def read(self, stream: IO[str], zone: ZoneInfo) -> Iterator[NativeRecord]:
        reader = csv.reader(stream)
        names = next(reader, None)
        if names is None:
            return
        header = [n.strip().lstrip("\ufeff").lower() for n in names]
        missing = [c for c in REQUIRED if c not in header]
        if missing or not is_utf8("".join(header)):
            raise Invalid(
                "The Kamailio export's header lacks columns of kamailio_cdrs: "
                f"{', '.join(missing or ['(it is not UTF-8 text)'])}.",
                [FieldError(c, "column is missing from the header") for c in missing],
            )
        for number, fields in enumerate(reader, start=1):
            if not fields:
                continue
            native = dict(zip(header, fields, strict=False))
            if len(fields) != len(header):
                reason = f"row: has {len(fields)} fields, the header has {len(header)}"
                yield NativeRecord(number, RowErrors([reason]), native)
            elif not is_utf8("".join(fields)):
                yield NativeRecord(number, RowErrors(["row: is not UTF-8 text"]), native)
            else:
                yield NativeRecord(number, self.mapped(native), native)

    def read_body(self, body: bytes, content_type: str, zone: ZoneInfo) -> list[NativeRecord]:
        return list(self.read(io.StringIO(decode(body), newline=""), zone))

    def mapped(self, row: dict[str, str]) -> Canonical | RowErrors:
        errors = RowErrors()
        values = {c: (row.get(c) or "").strip() for c in (*REQUIRED, *OPTIONAL)}
        for column in ("call_id", "callee"):
            if not values[column]:
                errors.add(column, "is required")
        invite_at = _epoch(values["invite_at"], "invite_at", errors)
        answer_at = _epoch(values["answer_at"], "answer_at", errors, required=False)
        end_at = _epoch(values["end_at"], "end_at", errors)
        sip_code = whole(values["sip_code"], "sip_code", errors)
        customer = whole(values["customer_id"], "customer_id", errors, required=False)
        if errors:
            return errors
        assert invite_at is not None and end_at is not None and sip_code is not None
        row_object = KamailioCdr(
            call_id=values["call_id"],
            invite_at=invite_at,
            answer_at=answer_at,
            end_at=end_at,
            sip_code=sip_code,
            sip_reason=values["sip_reason"] or None,
            caller=values["caller"] or None,
            callee=values["callee"],
            sip_user=values["sip_user"] or None,
            customer_id=customer,
        )
        return canonical(row_object)


def _epoch(value: str, name: str, errors: RowErrors, required: bool = True) -> Decimal | None:
    if not value:
        if required:
            errors.add(name, "is required")
        return None
    try:
        number = Decimal(value)
    except InvalidOperation:
        number = None
    if number is None or not number.is_finite() or not 0 < number < _LIMIT:
        errors.add(name, f"is not a time ({EPOCH_EXAMPLE})")
        return None
    return number


FORMAT = KamailioExport()
