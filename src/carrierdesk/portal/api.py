"""Portal Login for operators, and a contact's own profile over the API."""

from __future__ import annotations

from fastapi import APIRouter, Response
from pydantic import BaseModel

from carrierdesk.contacts.schemas import ContactOut
from carrierdesk.contacts.service import to_out
from carrierdesk.portal import service
from carrierdesk.portal.schemas import PasswordUpdate, ProfileUpdate
from carrierdesk.web.http import ApiReader, ApiWriter, Db, RecordId, TransactionRoute
from carrierdesk.web.problems import READ, WRITE

router = APIRouter(tags=["portal"], route_class=TransactionRoute)


class PortalLink(BaseModel):
    url: str


@router.post(
    "/contacts/{contact_id}/portal-login",
    response_model=PortalLink,
    responses=WRITE,
    summary="A one-time link that opens the portal as the contact",
)
def create_portal_login(contact_id: RecordId, principal: ApiWriter, db: Db) -> PortalLink:
    return PortalLink(url=service.portal_login_link(db, principal, contact_id))


@router.get(
    "/me",
    response_model=ContactOut,
    responses=READ,
    summary="Get the calling contact's own profile",
)
def get_my_profile(principal: ApiReader, db: Db) -> ContactOut:
    return to_out(service.me(db, principal), principal)


@router.patch(
    "/me",
    response_model=ContactOut,
    responses=WRITE,
    summary="Change the calling contact's own profile",
)
def update_my_profile(body: ProfileUpdate, principal: ApiWriter, db: Db) -> ContactOut:
    return to_out(service.update_profile(db, principal, body), principal)


@router.post(
    "/me/password",
    status_code=204,
    responses=WRITE,
    summary="Change the calling contact's own password",
)
def change_my_password(body: PasswordUpdate, principal: ApiWriter, db: Db) -> Response:
    service.change_password(db, principal, body)
    return Response(status_code=204)
