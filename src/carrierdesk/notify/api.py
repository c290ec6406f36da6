from __future__ import annotations

from datetime import datetime
from typing import Literal

from fastapi import APIRouter, Depends
from pydantic import BaseModel, ConfigDict
from sqlalchemy.orm import Session

from carrierdesk.auth.principals import Principal
from carrierdesk.notify import service
from carrierdesk.web.http import IdFilter, Page, TransactionRoute, api_principal, get_db
from carrierdesk.web.problems import READ

router = APIRouter(tags=["outbox"], route_class=TransactionRoute)


class OutboxOut(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    id: int
    kind: str
    to: str
    subject: str
    body: str
    status: str
    attempts: int
    last_error: str | None
    customer_id: int | None
    contact_id: int | None
    created_at: datetime
    sent_at: datetime | None


class OutboxList(BaseModel):
    items: list[OutboxOut]
    total: int


@router.get("/outbox", response_model=OutboxList, responses=READ)
def outbox(
    kind: Literal["email", "sms"] | None = None,
    to: str | None = None,
    customer_id: IdFilter = None,
    page: Page = Depends(),
    principal: Principal = Depends(api_principal),
    db: Session = Depends(get_db),
) -> OutboxList:
    rows, total = service.list_messages(
        db,
        principal,
        kind=kind,
        to=to,
        customer_id=customer_id,
        limit=page.limit,
        offset=page.offset,
    )
    return OutboxList(items=[OutboxOut.model_validate(r) for r in rows], total=total)
