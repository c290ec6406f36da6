from __future__ import annotations

from datetime import datetime
from typing import Any

from fastapi import APIRouter, Query
from pydantic import BaseModel, ConfigDict

from carrierdesk.audit import service, wording
from carrierdesk.web.http import ApiReader, Db, IdFilter, Paging, TransactionRoute
from carrierdesk.web.problems import READ

router = APIRouter(tags=["audit"], route_class=TransactionRoute)


class AuditEntryOut(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    id: int
    at: datetime
    actor: str
    actor_kind: str
    on_behalf_of: str | None
    # The actor as the Audit Log reads it: "olivia@… on behalf of ann@… (Portal Login)",
    # "someone@… (failed login)", "boss@… (user)".
    actor_label: str
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


@router.get(
    "/audit-log", response_model=AuditList, responses=READ, summary="List audit log entries"
)
def list_audit_entries(
    page: Paging,
    principal: ApiReader,
    db: Db,
    customer_id: IdFilter = None,
    contact_id: IdFilter = None,
    contact: str | None = Query(None, description="part of a contact's name or email"),
    actor: str | None = None,
    action: str | None = None,
    since: datetime | None = Query(None, alias="from"),
    until: datetime | None = Query(None, alias="to"),
) -> AuditList:
    rows, total = service.list_entries(
        db,
        principal,
        customer_id=customer_id,
        contact_id=contact_id,
        contact=contact,
        actor=actor,
        action=action,
        since=since,
        until=until,
        limit=page.limit,
        offset=page.offset,
    )
    items = [
        AuditEntryOut.model_validate(
            {**r.__dict__, "table": r.table_name, "actor_label": wording.actor(r)}
        )
        for r in rows
    ]
    return AuditList(items=items, total=total)
