"""Customer Portal › Verification: an email link, and a 6-digit code by SMS for the mobile."""

from __future__ import annotations

from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse, Response
from sqlalchemy.orm import Session

from carrierdesk.errors import AppError, Conflict, Invalid, TooManyAttempts
from carrierdesk.portal import service
from carrierdesk.portal.web import PortalRoute, portal_page, refused
from carrierdesk.web.forms import SubmittedForm, redirect, text
from carrierdesk.web.http import Db, PortalContact

router = APIRouter(prefix="/portal/verification", route_class=PortalRoute, include_in_schema=False)
PAGE = "portal/verification.html"
HERE = "/portal/verification"
# What a person can fix on this page; anything else (403, 404) gets the error page.
SHOWN = (Invalid, Conflict, TooManyAttempts)


def _refused(request: Request, db: Session, exc: AppError, code: str = "") -> Response:
    if not isinstance(exc, SHOWN):
        raise exc
    context = {"section": "verification", "values": {"code": code}}
    return refused(request, db, exc, PAGE, context, ("code", "mobile"))


@router.get("", response_class=HTMLResponse)
def verification(request: Request, principal: PortalContact, db: Db) -> Response:
    context = {"section": "verification", "values": {}, "errors": {}}
    return portal_page(request, db, PAGE, context)


@router.post("/email")
def send_email_link(request: Request, principal: PortalContact, db: Db) -> Response:
    try:
        service.send_email_verification(db, principal)
    except AppError as exc:
        return _refused(request, db, exc)
    email = service.me(db, principal).email
    return redirect(HERE, f"We sent a link to {email}. Open it within 24 hours to verify.")


@router.post("/mobile")
def send_mobile_code(request: Request, principal: PortalContact, db: Db) -> Response:
    try:
        service.send_mobile_code(db, principal)
    except AppError as exc:
        return _refused(request, db, exc)
    mobile = service.me(db, principal).mobile
    return redirect(HERE, f"We sent a 6-digit code to {mobile}. It expires in 10 minutes.")


@router.post("/mobile/confirm", response_class=HTMLResponse)
def confirm_mobile(
    request: Request, form: SubmittedForm, principal: PortalContact, db: Db
) -> Response:
    code = text(form, "code")
    try:
        service.verify_mobile(db, principal, code)
    except AppError as exc:
        return _refused(request, db, exc, code)
    return redirect(HERE, "Thank you: your mobile number is verified.")
