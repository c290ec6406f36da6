"""`freeswitch-csv`: the Master.csv of FreeSWITCH's mod_cdr_csv with its shipped templates
(docs/cdr-formats.md): no header; the "example" template of the vanilla cdr_csv.conf.xml (15
fields), or the module's built-in default (the first 13). Times are the switch's local wall
clock, read in --timezone."""

from __future__ import annotations

import io
from collections.abc import Iterator
from typing import IO
from zoneinfo import ZoneInfo

from carrierdesk.cdrs.csvio import decode
from carrierdesk.cdrs.formats import freeswitch_causes as causes
from carrierdesk.cdrs.formats.native import (
    Call,
    Canonical,
    LocalTimes,
    NativeRecord,
    csv_rows,
    customer_id,
    named,
    not_utf8,
    text,
    whole,
)
from carrierdesk.cdrs.validate import RowErrors

# "${caller_id_name}","${caller_id_number}",… in the template's order.
FIELDS = (
    "caller_id_name",
    "caller_id_number",
    "destination_number",
    "context",
    "start_stamp",
    "answer_stamp",
    "end_stamp",
    "duration",
    "billsec",
    "hangup_cause",
    "uuid",
    "bleg_uuid",
    "accountcode",
    "read_codec",
    "write_codec",
)
WIDTHS = (13, 15)  # the built-in default template; the vanilla "example" template


class FreeswitchCsv:
    name = "freeswitch-csv"
    zoned = True
    fields = FIELDS
    sources = {
        "call_id": "uuid",
        "customer_id": "accountcode",
        "start_time": "start_stamp",
        "answer_time": "answer_stamp",
        "end_time": "end_stamp",
        "duration": "billsec",
        "caller": "caller_id_number",
        "callee": "destination_number",
        "sip_code": "hangup_cause",
        "sip_reason": "hangup_cause",
        "release_reason": "hangup_cause",
    }

    def read(self, stream: IO[str], zone: ZoneInfo) -> Iterator[NativeRecord]:
        times = LocalTimes(zone)
        for number, fields in csv_rows(stream):
            native = named(FIELDS, fields)
            yield NativeRecord(number, self.mapped(fields, native, times), native)

    def read_body(self, body: bytes, content_type: str, zone: ZoneInfo) -> list[NativeRecord]:
        return list(self.read(io.StringIO(decode(body), newline=""), zone))

    def mapped(
        self, fields: list[str], row: dict[str, str], times: LocalTimes
    ) -> Canonical | RowErrors:
        if len(fields) not in WIDTHS:
            return RowErrors(
                [
                    f"row: has {len(fields)} fields; mod_cdr_csv's example template writes 15 "
                    f"({', '.join(FIELDS)}), its built-in default template the first 13"
                ]
            )
        if (bad := not_utf8(fields)) is not None:
            return bad
        errors = RowErrors()
        call_id = text(row["uuid"])
        if call_id is None:
            errors.add("uuid", "is required")
        customer = customer_id(row["accountcode"], "accountcode", errors)
        if customer is None and not any(e.startswith("accountcode:") for e in errors):
            errors.add(
                "accountcode", "is required: carrierdesk's directory sets it to the customer id"
            )
        start = times.utc(row["start_stamp"], "start_stamp", errors)
        answer = times.utc(row["answer_stamp"], "answer_stamp", errors, start, required=False)
        end = times.utc(row["end_stamp"], "end_stamp", errors, answer or start)
        billsec = whole(row["billsec"], "billsec", errors)
        cause = row["hangup_cause"].strip()
        if not causes.is_cause(cause):
            errors.add("hangup_cause", "is not a FreeSWITCH hangup cause (e.g. NORMAL_CLEARING)")
        callee = text(row["destination_number"])
        if callee is None:
            errors.add("destination_number", "is required")
        if errors:
            return errors
        assert start is not None and end is not None
        answered = answer is not None
        code = causes.sip_code(cause, answered)
        return Call(
            call_id,
            customer,
            start,
            answer,
            end,
            billsec or 0,
            text(row["caller_id_number"]),
            callee,
            code,
            cause,
        ).canonical()


FORMAT = FreeswitchCsv()
