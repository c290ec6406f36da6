from __future__ import annotations

from datetime import datetime
from typing import Any

from fastapi import APIRouter, Depends, Query
from pydantic import BaseModel, ConfigDict
from sqlalchemy.orm import Session

from carrierdesk.audit import service
from carrierdesk.auth.principals import Principal
from carrierdesk.web.http import IdFilter, Page, TransactionRoute, api_principal, get_db, paging
from carrierdesk.web.problems import READ

router = APIRouter(tags=["audit"], route_class=TransactionRoute)


class AuditEntryOut(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    id: int
    at: datetime
    actor: str
    actor_kind: str
    on_behalf_of: str | None
    ip: str | None
    action: str
    table: str | None
    record_id: int | None
    customer_id: int | None
    contact_id: int | None
    message: str
    changes: dict[str, Any]
    comment: str | None


class AuditList(BaseModel):
    items: list[AuditEntryOut]
    total: int


@router.get("/audit-log", response_model=AuditList, responses=READ)
def audit_log(
    customer_id: IdFilter = None,
    contact_id: IdFilter = None,
    actor: str | None = None,
    action: str | None = None,
    since: datetime | None = Query(None, alias="from"),
    until: datetime | None = Query(None, alias="to"),
    page: Page = Depends(paging),
    principal: Principal = Depends(api_principal),
    db: Session = Depends(get_db),
) -> AuditList:
    rows, total = service.list_entries(
        db,
        principal,
        customer_id=customer_id,
        contact_id=contact_id,
        actor=actor,
        action=action,
        since=since,
        until=until,
        limit=page.limit,
        offset=page.offset,
    )
    items = [AuditEntryOut.model_validate({**r.__dict__, "table": r.table_name}) for r in rows]
    return AuditList(items=items, total=total)
