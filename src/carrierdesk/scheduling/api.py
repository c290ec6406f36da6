from __future__ import annotations

from fastapi import APIRouter, Query, Response

from carrierdesk.scheduling import service
from carrierdesk.scheduling.schemas import ScheduledChangeList, ScheduledChangeOut
from carrierdesk.web.http import (
    ApiReader,
    ApiWriter,
    Db,
    IdFilter,
    Paging,
    RecordId,
    TransactionRoute,
)
from carrierdesk.web.problems import READ, WRITE

router = APIRouter(tags=["scheduled changes"], route_class=TransactionRoute)


@router.get(
    "/scheduled-changes",
    response_model=ScheduledChangeList,
    responses=READ,
    summary="List scheduled changes (the Delay Log)",
)
def list_scheduled_changes(
    page: Paging,
    principal: ApiReader,
    db: Db,
    status: str | None = Query(None, json_schema_extra={"enum": list(service.STATUSES)}),
    customer_id: IdFilter = None,
) -> ScheduledChangeList:
    rows, total = service.list_changes(
        db, principal, status=status, customer_id=customer_id, limit=page.limit, offset=page.offset
    )
    return ScheduledChangeList(items=[ScheduledChangeOut.of(r) for r in rows], total=total)


@router.delete(
    "/scheduled-changes/{change_id}",
    status_code=204,
    responses=WRITE,
    summary="Cancel a pending scheduled change",
)
def cancel_scheduled_change(change_id: RecordId, principal: ApiWriter, db: Db) -> Response:
    service.cancel(db, principal, change_id)
    return Response(status_code=204)
