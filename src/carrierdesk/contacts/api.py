from __future__ import annotations

from typing import Any

from fastapi import APIRouter, Query, Response
from fastapi.responses import JSONResponse

from carrierdesk.auth.principals import Principal
from carrierdesk.contacts import service
from carrierdesk.contacts.schemas import (
    CONTACT_TYPES,
    SORTS,
    ContactCreate,
    ContactList,
    ContactOut,
    ContactUpdate,
    PasswordChange,
)
from carrierdesk.models import Contact, ScheduledChange
from carrierdesk.scheduling.schemas import ScheduledChangeOut
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

router = APIRouter(tags=["contacts"], route_class=TransactionRoute)
SCHEDULED: dict[int | str, dict[str, Any]] = {
    202: {"model": ScheduledChangeOut, "description": "Scheduled for apply_at"}
}


def _answer(result: Contact | ScheduledChange, principal: Principal) -> ContactOut | JSONResponse:
    if isinstance(result, ScheduledChange):
        body = ScheduledChangeOut.of(result).model_dump(mode="json")
        return JSONResponse(body, status_code=202)
    return service.to_out(result, principal)


@router.get(
    "/customers/{customer_id}/contacts",
    response_model=ContactList,
    responses=READ,
    summary="List a customer's contacts",
)
def list_customer_contacts(
    customer_id: RecordId, page: Paging, principal: ApiReader, db: Db
) -> ContactList:
    rows, total = service.list_contacts(
        db, principal, customer_id=customer_id, limit=page.limit, offset=page.offset
    )
    return ContactList(items=[service.to_out(c, principal) for c in rows], total=total)


@router.post(
    "/customers/{customer_id}/contacts",
    status_code=201,
    response_model=ContactOut,
    responses={**WRITE, **SCHEDULED},
    summary="Add a contact to a customer",
)
def create_contact(
    customer_id: RecordId, body: ContactCreate, principal: ApiWriter, db: Db
) -> ContactOut | JSONResponse:
    return _answer(service.create_contact(db, principal, customer_id, body), principal)


@router.get(
    "/contacts",
    response_model=ContactList,
    responses=READ,
    summary="List contacts of every customer (Global Contacts)",
)
def list_contacts(
    page: Paging,
    principal: ApiReader,
    db: Db,
    q: str | None = None,
    customer_id: IdFilter = None,
    contact_type: str | None = Query(None, json_schema_extra={"enum": list(CONTACT_TYPES)}),
    email_verified: bool | None = None,
    mobile_verified: bool | None = None,
    enabled: bool | None = None,
    sort: str = Query("name", json_schema_extra={"enum": list(SORTS)}),
) -> ContactList:
    rows, total = service.list_contacts(
        db,
        principal,
        q=q,
        customer_id=customer_id,
        contact_type=contact_type,
        email_verified=email_verified,
        mobile_verified=mobile_verified,
        enabled=enabled,
        sort=sort,
        limit=page.limit,
        offset=page.offset,
    )
    return ContactList(items=[service.to_out(c, principal) for c in rows], total=total)


@router.get(
    "/contacts/{contact_id}", response_model=ContactOut, responses=READ, summary="Get a contact"
)
def get_contact(contact_id: RecordId, principal: ApiReader, db: Db) -> ContactOut:
    return service.to_out(service.get_contact(db, principal, contact_id), principal)


@router.patch(
    "/contacts/{contact_id}",
    response_model=ContactOut,
    responses={**WRITE, **SCHEDULED},
    summary="Change a contact, now or at apply_at",
)
def update_contact(
    contact_id: RecordId, body: ContactUpdate, principal: ApiWriter, db: Db
) -> ContactOut | JSONResponse:
    return _answer(service.update_contact(db, principal, contact_id, body), principal)


@router.delete(
    "/contacts/{contact_id}", status_code=204, responses=WRITE, summary="Delete a contact"
)
def delete_contact(contact_id: RecordId, principal: ApiWriter, db: Db) -> Response:
    service.delete_contact(db, principal, contact_id)
    return Response(status_code=204)


@router.post(
    "/contacts/{contact_id}/password",
    status_code=204,
    responses=WRITE,
    summary="Set or generate a contact's password",
)
def change_contact_password(
    contact_id: RecordId, body: PasswordChange, principal: ApiWriter, db: Db
) -> Response:
    service.change_password(db, principal, contact_id, body)
    return Response(status_code=204)
