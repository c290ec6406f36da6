"""Portal Login for operators, and a contact's own profile over the API."""

from __future__ import annotations

from fastapi import APIRouter, Depends, Response
from pydantic import BaseModel
from sqlalchemy.orm import Session

from carrierdesk.auth.principals import Principal
from carrierdesk.contacts.schemas import ContactOut
from carrierdesk.contacts.service import to_out
from carrierdesk.portal import service
from carrierdesk.portal.schemas import PasswordUpdate, ProfileUpdate
from carrierdesk.web.http import RecordId, TransactionRoute, api_principal, get_db
from carrierdesk.web.problems import READ, WRITE

router = APIRouter(tags=["portal"], route_class=TransactionRoute)


class PortalLink(BaseModel):
    url: str


@router.post("/contacts/{contact_id}/portal-login", response_model=PortalLink, responses=WRITE)
def portal_login(
    contact_id: RecordId,
    principal: Principal = Depends(api_principal),
    db: Session = Depends(get_db),
) -> PortalLink:
    return PortalLink(url=service.portal_login_link(db, principal, contact_id))


@router.get("/me", response_model=ContactOut, responses=READ)
def my_profile(
    principal: Principal = Depends(api_principal), db: Session = Depends(get_db)
) -> ContactOut:
    return to_out(service.me(db, principal), principal)


@router.patch("/me", response_model=ContactOut, responses=WRITE)
def update_my_profile(
    body: ProfileUpdate,
    principal: Principal = Depends(api_principal),
    db: Session = Depends(get_db),
) -> ContactOut:
    return to_out(service.update_profile(db, principal, body), principal)


@router.post("/me/password", status_code=204, responses=WRITE)
def change_my_password(
    body: PasswordUpdate,
    principal: Principal = Depends(api_principal),
    db: Session = Depends(get_db),
) -> Response:
    service.change_password(db, principal, body)
    return Response(status_code=204)
