"""GET /customers/{id}/summary and POST /summary/refresh."""

from __future__ import annotations

from datetime import date, datetime
from typing import Literal

from fastapi import APIRouter, Query

from carrierdesk.summaries import service
from carrierdesk.summaries.schemas import RefreshOut, SummaryOut
from carrierdesk.web.http import ApiReader, ApiWriter, Db, RecordId, TransactionRoute
from carrierdesk.web.problems import READ

router = APIRouter(tags=["summaries"], route_class=TransactionRoute)


@router.get(
    "/customers/{customer_id}/summary",
    response_model=SummaryOut,
    responses=READ,
    summary="Get a customer's Summary per period",
)
def get_summary(
    customer_id: RecordId,
    principal: ApiReader,
    db: Db,
    timeframe: Literal["24h", "daily", "weekly", "monthly"] = "daily",
    start: datetime | date | None = Query(None, alias="from", description="first period"),
    end: datetime | date | None = Query(None, alias="to", description="end (exclusive)"),
) -> SummaryOut:
    """Every figure of CDR.md per period, newest period first, with `refreshed_at`."""
    summary = service.get_summary(db, principal, customer_id, timeframe, start, end)
    return SummaryOut.of(summary)


@router.post(
    "/summary/refresh",
    response_model=RefreshOut,
    responses=READ,
    summary="Bring the summaries up to date now",
)
def refresh_summaries(principal: ApiWriter, db: Db) -> RefreshOut:
    """Answers when the summaries are up to date with every CDR stored before the call."""
    return RefreshOut(refreshed_at=service.refresh_now(db, principal))
