"""CDRs in (POST /cdrs) and out (a customer's list and the CSV report)."""

from __future__ import annotations

import io
import json
from dataclasses import asdict
from datetime import date, datetime
from typing import Literal

from fastapi import APIRouter, Query, Request
from fastapi.responses import StreamingResponse
from starlette.concurrency import run_in_threadpool

from carrierdesk.auth.permissions import cdr_writer
from carrierdesk.cdrs import reports, service
from carrierdesk.cdrs.csvio import Record, csv_records, decode
from carrierdesk.cdrs.formats import CANONICAL, NAMES, native_format, time_zone
from carrierdesk.cdrs.formats.native import ingest_native
from carrierdesk.cdrs.rerate import rerate
from carrierdesk.cdrs.schemas import (
    INGEST_BODY,
    CdrOut,
    CdrPage,
    IngestOut,
    RejectionOut,
    RerateIn,
    RerateOut,
)
from carrierdesk.errors import Invalid, Malformed
from carrierdesk.web.downloads import csv_download, file_answer
from carrierdesk.web.http import (
    ApiOrSwitchWriter,
    ApiReader,
    ApiWriter,
    Db,
    RecordId,
    TransactionRoute,
)
from carrierdesk.web.problems import READ, WRITE

router = APIRouter(tags=["cdrs"], route_class=TransactionRoute)
MAX_BATCH = 10_000


FORMAT_HELP = (
    "The body's format: canonical (CDR.md; a JSON array or text/csv), freeswitch-json (one CDR "
    "per request, as mod_json_cdr posts it), freeswitch-csv, asterisk-csv or kamailio (text/csv "
    "as the switch writes it); docs/cdr-formats.md. What mod_json_cdr appends to its url "
    "(`?uuid=…`) is ignored."
)
TIMEZONE_HELP = (
    "The switch's time zone (an IANA name; default UTC), for freeswitch-csv and asterisk-csv, "
    "whose times carry none"
)


@router.post(
    "/cdrs",
    response_model=IngestOut,
    responses=WRITE,
    openapi_extra=INGEST_BODY,
    summary="Store a batch of CDRs (JSON, CSV or a switch's native format)",
)
async def post_cdrs(
    request: Request,
    principal: ApiOrSwitchWriter,
    db: Db,
    format_name: str = Query(
        CANONICAL,
        alias="format",
        max_length=200,
        description=FORMAT_HELP,
        json_schema_extra={"enum": list(NAMES)},
    ),
    timezone: str | None = Query(None, max_length=200, description=TIMEZONE_HELP),
) -> IngestOut:
    """Store a batch of CDRs: a JSON array (≤ 10,000) or text/csv with a header row, or a
    switch's native format (`format`). A switch token may post (as HTTP Basic's password too)."""
    name = format_name.split("?", 1)[0]  # mod_json_cdr posts to its url + "?uuid=<uuid>"
    fmt = native_format(name)
    zone = time_zone(timezone, fmt)
    writer = cdr_writer(principal)
    content_type = request.headers.get("content-type", "")
    if fmt is None:
        records = _records(content_type, await request.body())
        if len(records) > MAX_BATCH:
            raise Invalid.field("body", f"at most {MAX_BATCH:,} CDRs per request")
        result = await run_in_threadpool(service.ingest, db, writer, records)
    else:
        rows = await run_in_threadpool(fmt.read_body, await request.body(), content_type, zone)
        if len(rows) > MAX_BATCH:
            raise Invalid.field("body", f"at most {MAX_BATCH:,} CDRs per request")
        result = await run_in_threadpool(ingest_native, db, writer, fmt, rows)
    return IngestOut(
        accepted=result.accepted,
        duplicates=result.duplicates,
        rejected=[
            RejectionOut(row=r.row, call_id=r.call_id, errors=r.errors) for r in result.rejected
        ],
    )


def _records(content_type: str, body: bytes) -> list[Record]:
    kind = content_type.split(";")[0].strip().lower()
    if kind == "text/csv":
        return list(csv_records(io.StringIO(decode(body), newline="")))
    if kind not in ("application/json", ""):
        raise Malformed("Send the CDRs as application/json or text/csv.")
    try:
        rows = json.loads(body)
    except (ValueError, UnicodeDecodeError):
        raise Malformed("The request body is not valid JSON.") from None
    if not isinstance(rows, list):
        raise Malformed("The request body must be a JSON array of CDRs.")
    return list(enumerate(rows))


@router.get(
    "/customers/{customer_id}/cdrs",
    response_model=CdrPage,
    responses=READ,
    summary="List a customer's CDRs, newest first",
)
def list_cdrs(
    customer_id: RecordId,
    principal: ApiReader,
    db: Db,
    start: datetime | date | None = Query(None, alias="from", description="start_time from"),
    end: datetime | date | None = Query(None, alias="to", description="start_time before"),
    cursor: str | None = Query(None, description="next_cursor of the previous page"),
    limit: int = Query(50, ge=1, le=500),
) -> CdrPage:
    """The customer's CDRs, newest first, a page at a time (keyset paging by cursor)."""
    rows, next_cursor = reports.list_cdrs(db, principal, customer_id, start, end, cursor, limit)
    return CdrPage(items=[CdrOut.model_validate(r) for r in rows], next_cursor=next_cursor)


@router.get(
    "/customers/{customer_id}/cdrs.csv",
    response_class=StreamingResponse,
    responses={**READ, **file_answer("text/csv", "The CDR report")},
    summary="Download a customer's CDR report (CSV)",
)
def download_cdrs(
    customer_id: RecordId,
    principal: ApiReader,
    db: Db,
    start: datetime | date | None = Query(None, alias="from"),
    end: datetime | date | None = Query(None, alias="to"),
    timeframe: Literal["24h", "daily", "weekly", "monthly"] | None = None,
    period_start: datetime | date | None = None,
    columns: str | None = Query(None, description="comma-separated CDR columns"),
) -> StreamingResponse:
    """The CDR report of a period as CSV (UTC times, canonical columns), streamed."""
    plan = reports.plan_report(
        db, principal, customer_id, start, end, timeframe, period_start, columns
    )
    return csv_download(reports.spool_report(db, plan), plan.filename)


@router.post(
    "/customers/{customer_id}/rerate",
    response_model=RerateOut,
    responses=WRITE,
    summary="Re-rate the customer's rated CDRs in a range from the rate cards as they now are",
)
def rerate_customer(
    customer_id: RecordId, body: RerateIn, principal: ApiWriter, db: Db
) -> RerateOut:
    done = rerate(db, principal, customer_id, body.start, body.end)
    return RerateOut(**asdict(done))
