"""`asterisk-csv`: the Master.csv of Asterisk's cdr_csv (docs/cdr-formats.md): no header, the
columns of cdr_csv.c's build_csv_record in its order; `uniqueid` is written only with
`loguniqueid=yes` ([csv] of cdr.conf), which carrierdesk needs (it is the call's id);
`userfield` with `loguserfield=yes` and `peeraccount`, `linkedid`, `sequence` with
`newcdrcolumns=yes` are optional. Times are the server's local wall clock (UTC with
`usegmtime=yes`), read in --timezone."""

from __future__ import annotations

import io
from collections.abc import Iterator
from typing import IO
from zoneinfo import ZoneInfo

from carrierdesk.cdrs.csvio import decode
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

BASE = (
    "accountcode",
    "src",
    "dst",
    "dcontext",
    "clid",
    "channel",
    "dstchannel",
    "lastapp",
    "lastdata",
    "start",
    "answer",
    "end",
    "duration",
    "billsec",
    "disposition",
    "amaflags",
)
NEW_COLUMNS = ("peeraccount", "linkedid", "sequence")
# The columns of a row by its width (loguniqueid=yes always: without it there is no call id).
LAYOUTS: dict[int, tuple[str, ...]] = {
    17: (*BASE, "uniqueid"),
    18: (*BASE, "uniqueid", "userfield"),
    20: (*BASE, "uniqueid", *NEW_COLUMNS),
    21: (*BASE, "uniqueid", "userfield", *NEW_COLUMNS),
}
WITHOUT_UNIQUEID = {16: BASE, 19: (*BASE, *NEW_COLUMNS)}
ALL_FIELDS = (*BASE, "uniqueid", "userfield", *NEW_COLUMNS)
# ast_cdr_disp2str's dispositions → the call's final SIP response (docs/cdr-formats.md).
SIP_CODES = {"ANSWERED": 200, "NO ANSWER": 480, "BUSY": 486, "FAILED": 503, "CONGESTION": 503}


class AsteriskCsv:
    name = "asterisk-csv"
    zoned = True
    fields = ALL_FIELDS
    sources = {
        "call_id": "uniqueid",
        "customer_id": "accountcode",
        "start_time": "start",
        "answer_time": "answer",
        "end_time": "end",
        "duration": "billsec",
        "caller": "src",
        "callee": "dst",
        "sip_code": "disposition",
        "sip_reason": "disposition",
        "release_reason": "disposition",
    }

    def read(self, stream: IO[str], zone: ZoneInfo) -> Iterator[NativeRecord]:
        times = LocalTimes(zone)
        for number, fields in csv_rows(stream):
            layout = LAYOUTS.get(len(fields)) or WITHOUT_UNIQUEID.get(len(fields)) or ALL_FIELDS
            native = named(layout, fields)
            yield NativeRecord(number, self.mapped(fields, native, times), native)

    def read_body(self, body: bytes, content_type: str, zone: ZoneInfo) -> list[NativeRecord]:
        return list(self.read(io.StringIO(decode(body), newline=""), zone))

    def mapped(
        self, fields: list[str], row: dict[str, str], times: LocalTimes
    ) -> Canonical | RowErrors:
        if len(fields) in WITHOUT_UNIQUEID:
            return RowErrors(
                [
                    f"uniqueid: missing (a row of {len(fields)} fields): cdr_csv writes it with "
                    "loguniqueid=yes in the [csv] section of cdr.conf"
                ]
            )
        if len(fields) not in LAYOUTS:
            return RowErrors(
                [
                    f"row: has {len(fields)} fields; cdr_csv writes 16 ({', '.join(BASE)}), then "
                    "uniqueid (loguniqueid=yes), userfield (loguserfield=yes) and peeraccount, "
                    "linkedid, sequence (newcdrcolumns=yes): 17, 18, 20 or 21"
                ]
            )
        if (bad := not_utf8(fields)) is not None:
            return bad
        errors = RowErrors()
        call_id = text(row["uniqueid"])
        if call_id is None:
            errors.add("uniqueid", "is required (the call's id)")
        elif "sequence" in row:
            # One channel that dials again (a failover, a fork) writes a CDR per dial, all with
            # its uniqueid; with newcdrcolumns each has its own sequence number.
            sequence = whole(row["sequence"], "sequence", errors)
            call_id = f"{call_id}-{sequence}"
        customer = customer_id(row["accountcode"], "accountcode", errors)
        if customer is None and not any(e.startswith("accountcode:") for e in errors):
            errors.add(
                "accountcode", "is required: carrierdesk's Asterisk views set it to the customer id"
            )
        disposition = row["disposition"].strip()
        code = SIP_CODES.get(disposition)
        if code is None:
            errors.add("disposition", f"is not one of {', '.join(SIP_CODES)}")
        answered = code == 200
        start = times.utc(row["start"], "start", errors)
        answer = None
        if answered:
            answer = times.utc(row["answer"], "answer", errors, start)
        end = times.utc(row["end"], "end", errors, answer or start)
        billsec = whole(row["billsec"], "billsec", errors)
        callee = text(row["dst"])
        if callee is None:
            errors.add("dst", "is required")
        if errors:
            return errors
        assert start is not None and end is not None and code is not None
        return Call(
            call_id,
            customer,
            start,
            answer,
            end,
            billsec or 0,
            text(row["src"]),
            callee,
            code,
            disposition,
        ).canonical()


FORMAT = AsteriskCsv()
