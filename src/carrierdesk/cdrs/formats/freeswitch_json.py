"""`freeswitch-json`: the CDR document of FreeSWITCH's mod_json_cdr (docs/cdr-formats.md), one
call leg per document: `variables` (times as microseconds since the epoch, `billsec`,
`hangup_cause`, `sip_term_status`, …), `channel_data`, `callflow` (with `caller_profile`).

It comes as mod_json_cdr sends it (json_cdr.conf.xml `encode`): raw JSON (`false`), or the form
field `cdr=` holding the document url-encoded (`true`) or in base64 (`base64`); and each value
url-encoded when `encode-values` is true (its default). Files are what its `log-dir` writes (one
document per file, one line) or several such documents, one a line; a document it failed to
post (`err-log-dir`) is the url-encoded or base64 text without `cdr=`: all are read.
"""

from __future__ import annotations

import base64
import binascii
import json
from collections.abc import Iterator, Mapping
from datetime import datetime, timedelta
from typing import IO, Any
from urllib.parse import unquote, unquote_plus
from zoneinfo import ZoneInfo

from carrierdesk.cdrs.csvio import decode
from carrierdesk.cdrs.formats import freeswitch_causes as causes
from carrierdesk.cdrs.formats.native import (
    SIP_PHRASES,
    Canonical,
    Native,
    NativeRecord,
    customer_id,
    iso,
    micros,
    text,
    whole,
)
from carrierdesk.cdrs.validate import RowErrors
from carrierdesk.errors import Malformed

# The variables a CDR is made from (and what FILE.rejected.csv shows of a rejected one).
FIELDS = (
    "uuid",
    "carrierdesk_customer_id",
    "accountcode",
    "sip_auth_username",
    "user_name",
    "caller_id_number",
    "destination_number",
    "start_uepoch",
    "progress_uepoch",
    "progress_media_uepoch",
    "answer_uepoch",
    "end_uepoch",
    "billsec",
    "hangup_cause",
    "sip_term_status",
    "sip_hangup_phrase",
)
MAX_DOCUMENT = 16 * 1024 * 1024  # characters: POST /cdrs takes no larger body
_MILLISECOND = timedelta(milliseconds=1)
NOT_A_DOCUMENT = (
    "row: is not a CDR of mod_json_cdr (JSON, or its url-encoded or base64 text, with `cdr=` "
    "or without)"
)


def document_text(body: str, content_type: str = "") -> str | None:
    """The JSON text of a CDR as mod_json_cdr posts it or backs it up, or None."""
    value = body.strip()
    if value.startswith("cdr="):
        value = value[4:].strip()
    if value.startswith("{"):
        return value
    if value[:3].upper() == "%7B" and "base64" not in content_type:
        return unquote_plus(value)
    try:  # mod_json_cdr's base64 is the standard alphabet, sent as it is (a + may come as space)
        raw = base64.b64decode(value.replace(" ", "+"), validate=True)
    except (binascii.Error, ValueError):
        return None
    return raw.decode("utf-8", "surrogateescape") if raw[:1] == b"{" else None


def _document(body: str, content_type: str = "") -> Any:
    found = document_text(body, content_type)
    try:
        return json.loads(found) if found is not None else None
    except (ValueError, RecursionError):  # not JSON, or nested deeper than Python reads
        return None


def _value(raw: Any) -> str | None:
    """A variable's value: url-decoded (encode-values, the default, url-encodes each one)."""
    if isinstance(raw, str):
        return unquote(raw) if "%" in raw else raw
    if isinstance(raw, int) and not isinstance(raw, bool):
        return str(raw)
    return None


def _profiles(document: Mapping[str, Any]) -> list[Mapping[str, Any]]:
    flows = document.get("callflow")
    flows = flows if isinstance(flows, list) else [flows]
    return [
        flow["caller_profile"]
        for flow in flows
        if isinstance(flow, dict) and isinstance(flow.get("caller_profile"), dict)
    ]


def _millis(later: datetime | None, earlier: datetime | None) -> str | None:
    if later is None or earlier is None or later < earlier:
        return None
    return str((later - earlier) // _MILLISECOND)


class FreeswitchJson:
    name = "freeswitch-json"
    zoned = False
    fields = FIELDS
    sources = {
        "call_id": "uuid",
        "customer_id": "carrierdesk_customer_id or accountcode",
        "sip_user": "sip_auth_username or user_name",
        "start_time": "start_uepoch",
        "answer_time": "answer_uepoch",
        "end_time": "end_uepoch",
        "duration": "billsec",
        "caller": "caller_id_number",
        "callee": "destination_number",
        "sip_code": "sip_term_status or hangup_cause",
        "sip_reason": "sip_hangup_phrase",
        "release_reason": "hangup_cause",
        "pdd_ms": "progress_uepoch",
        "ring_ms": "progress_uepoch",
    }

    def read(self, stream: IO[str], zone: ZoneInfo) -> Iterator[NativeRecord]:
        """A file: one document a line (as log-dir and err-log-dir hold them, and as `cat` of
        such files gives), or one document written over several lines (its first line `{`)."""
        first = True
        for number, line in enumerate(stream, start=1):
            if not line.strip():
                continue
            if first and line.strip() == "{":
                body = line + stream.read(MAX_DOCUMENT)
                if stream.read(1):
                    yield NativeRecord(number, RowErrors(["row: is larger than 16 MiB"]), {})
                else:
                    yield self._parsed(number, body)
                return
            first = False
            yield self._parsed(number, line)

    def _parsed(self, number: int, body: str, content_type: str = "") -> NativeRecord:
        document = _document(body, content_type)
        if document is None:
            return NativeRecord(number, RowErrors([NOT_A_DOCUMENT]), {})
        return self.record(number, document)

    def read_body(self, body: bytes, content_type: str, zone: ZoneInfo) -> list[NativeRecord]:
        """One CDR per request, as mod_json_cdr posts it."""
        document = _document(decode(body), content_type.lower())
        if document is None:
            raise Malformed(
                "The body is not a CDR of mod_json_cdr: send its JSON (encode=false), or the "
                "form field cdr= with it url-encoded (encode=true) or in base64 (encode=base64)."
            )
        return [self.record(1, document)]

    def record(self, number: int, document: Any) -> NativeRecord:
        variables = document.get("variables") if isinstance(document, dict) else None
        if not isinstance(variables, dict):
            reason = "variables: missing: a CDR of mod_json_cdr is an object with variables"
            return NativeRecord(number, RowErrors([reason]), {})
        values = {k: v for k, v in ((k, _value(variables.get(k))) for k in FIELDS) if v is not None}
        return NativeRecord(number, self.mapped(document, values), values)

    def mapped(self, document: Mapping[str, Any], row: Native) -> Canonical | RowErrors:
        errors = RowErrors()
        profiles = _profiles(document)
        if any("originator" in profile for profile in profiles):
            errors.add(
                "callflow",
                "is a B leg (its caller_profile has an originator): the call's CDR is its A "
                "leg; set log-b-leg to false in json_cdr.conf.xml",
            )
            return errors
        profile = profiles[0] if profiles else {}
        call_id = text(row.get("uuid"))
        if call_id is None:
            errors.add("uuid", "is required")
        customer = sip_user = None
        if text(row.get("carrierdesk_customer_id")) is not None:
            customer = customer_id(
                row["carrierdesk_customer_id"], "carrierdesk_customer_id", errors
            )
        elif text(row.get("accountcode")) is not None:
            customer = customer_id(row["accountcode"], "accountcode", errors)
        sip_user = text(row.get("sip_auth_username")) or text(row.get("user_name"))
        if customer is None and sip_user is None and not errors:
            errors.add(
                "carrierdesk_customer_id",
                "is missing, and no accountcode, sip_auth_username or user_name names the "
                "customer (carrierdesk's directory sets carrierdesk_customer_id)",
            )
        start = micros(row.get("start_uepoch"), "start_uepoch", errors)
        answer = micros(row.get("answer_uepoch"), "answer_uepoch", errors, required=False)
        end = micros(row.get("end_uepoch"), "end_uepoch", errors)
        billsec = whole(row.get("billsec"), "billsec", errors)
        cause = (row.get("hangup_cause") or "").strip()
        if not causes.is_cause(cause):
            errors.add("hangup_cause", "is not a FreeSWITCH hangup cause (e.g. NORMAL_CLEARING)")
        status = whole(row.get("sip_term_status"), "sip_term_status", errors, required=False)
        if status is not None and not 100 <= status <= 699:
            errors.add("sip_term_status", "is not a SIP status code (100–699)")
        callee = text(row.get("destination_number")) or text(
            _value(profile.get("destination_number"))
        )
        if callee is None:
            errors.add("destination_number", "is required")
        if errors:
            return errors
        assert start is not None and end is not None
        answered = answer is not None
        phrase: str | None
        if answered:  # the INVITE was answered: a 2xx, whatever ended the call later
            code = status if status is not None and 200 <= status <= 299 else causes.ANSWERED
            phrase = SIP_PHRASES[causes.ANSWERED]
        else:
            code = status if status is not None else causes.sip_code(cause, answered=False)
            phrase = text(row.get("sip_hangup_phrase")) or SIP_PHRASES.get(code)
        progress = self._progress(row)
        return {
            "call_id": call_id,
            "customer_id": customer,
            "sip_user": sip_user,
            "start_time": iso(start),
            "answer_time": iso(answer) if answer is not None else None,
            "end_time": iso(end),
            "duration": str(billsec),
            "caller": text(row.get("caller_id_number"))
            or text(_value(profile.get("caller_id_number"))),
            "callee": callee,
            "sip_code": str(code),
            "sip_reason": phrase,
            "release_reason": cause,
            "pdd_ms": _millis(progress, start),
            "ring_ms": _millis(answer or end, progress),
        }

    @staticmethod
    def _progress(row: Native) -> datetime | None:
        """The first ringing or early media (180/183), when there was any."""
        scratch = RowErrors()  # optional figures: a value FreeSWITCH would never write is skipped
        moments = [
            micros(row.get(name), name, scratch, required=False)
            for name in ("progress_uepoch", "progress_media_uepoch")
        ]
        found = [m for m in moments if m is not None]
        return min(found) if found else None


FORMAT = FreeswitchJson()
