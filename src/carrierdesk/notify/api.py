from __future__ import annotations

from datetime import datetime
from typing import Literal

from fastapi import APIRouter, Response
from pydantic import BaseModel, ConfigDict

from carrierdesk.notify import service
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

router = APIRouter(tags=["outbox"], route_class=TransactionRoute)


class OutboxOut(BaseModel):
    """A message of the outbox (kind `email` or `sms`; status pending, held, sent, failed, or
    cancelled: an invoice email whose invoice was voided first). Secrets in it (a generated
    password, a one-time link or code) are masked as ••••••••; `revealable` says an admin may
    still reveal them (until the message is delivered), with POST /outbox/{id}/reveal."""

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
    invoice_id: int | None = None  # an invoice email: the invoice whose PDF it carries
    created_at: datetime
    sent_at: datetime | None
    revealable: bool


class OutboxList(BaseModel):
    items: list[OutboxOut]
    total: int


@router.get(
    "/outbox", response_model=OutboxList, responses=READ, summary="List the outbox (the Email Log)"
)
def list_outbox_messages(
    page: Paging,
    principal: ApiReader,
    db: Db,
    kind: Literal["email", "sms"] | None = None,
    to: str | None = None,
    customer_id: IdFilter = None,
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


@router.post(
    "/outbox/{message_id}/reveal",
    response_model=OutboxOut,
    responses=WRITE,
    summary="Reveal the secrets of an undelivered message",
)
def reveal_outbox_message(
    message_id: RecordId, response: Response, principal: ApiWriter, db: Db
) -> OutboxOut:
    """Admins only: the message with its secrets, to pass a reset or verification link on when
    no SMTP server is configured. Recorded in the audit log (without the secret); 409 once the
    message is delivered (its secrets are no longer kept) or when it holds none."""
    revealed = OutboxOut.model_validate(service.reveal(db, principal, message_id))
    response.headers["Cache-Control"] = "no-store"
    return revealed
