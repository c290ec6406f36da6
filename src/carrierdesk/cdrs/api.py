"""CDRs in (POST /cdrs) and out (a customer's list and the CSV report)."""

from __future__ import annotations

import io
import json

from fastapi import APIRouter, Depends, Request
from sqlalchemy.orm import Session
from starlette.concurrency import run_in_threadpool

from carrierdesk.auth.principals import Principal
from carrierdesk.cdrs import service
from carrierdesk.cdrs.csvio import Record, csv_records, decode
from carrierdesk.cdrs.schemas import INGEST_BODY, IngestOut, RejectionOut
from carrierdesk.errors import Invalid, Malformed
from carrierdesk.web.http import TransactionRoute, api_principal, get_db
from carrierdesk.web.problems import WRITE

router = APIRouter(tags=["cdrs"], route_class=TransactionRoute)
MAX_BATCH = 10_000


@router.post("/cdrs", response_model=IngestOut, responses=WRITE, openapi_extra=INGEST_BODY)
async def post_cdrs(
    request: Request,
    principal: Principal = Depends(api_principal),
    db: Session = Depends(get_db),
) -> IngestOut:
    """Store a batch of CDRs: a JSON array (≤ 10,000) or text/csv with a header row."""
    records = _records(request.headers.get("content-type", ""), await request.body())
    if len(records) > MAX_BATCH:
        raise Invalid.field("body", f"at most {MAX_BATCH:,} CDRs per request")
    result = await run_in_threadpool(service.ingest, db, principal, records)
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
