"""Customer Portal › My Profile: name, phone and mobile; the password; TOTP on and off."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse, Response
from sqlalchemy.orm import Session

from carrierdesk.auth import totp, twofactor
from carrierdesk.auth.principals import Principal
from carrierdesk.errors import AppError, Forbidden, NotFound
from carrierdesk.models import Contact
from carrierdesk.portal import service
from carrierdesk.portal.schemas import PasswordUpdate, ProfileUpdate
from carrierdesk.portal.web import PortalRoute, portal_page, refused
from carrierdesk.web.forms import (
    FORM_ERRORS,
    SubmittedForm,
    kept_once,
    optional,
    parse,
    redirect,
    secret,
    show_once,
    shown_once,
    text,
)
from carrierdesk.web.http import Db, PortalContact

router = APIRouter(prefix="/portal/profile", route_class=PortalRoute, include_in_schema=False)
PROFILE = "portal/profile.html"
FIELDS = (
    "name",
    "phone",
    "mobile",
    "current_password",
    "new_password",
    "confirm_password",
    "code",
    "password",
)
HERE = "/portal/profile"
RECOVERY_CODES = "cd_recovery_codes"  # the cookie that carries them to the page, once


def _context(
    contact: Contact, principal: Principal, values: dict[str, Any] | None = None
) -> dict[str, Any]:
    return {
        "section": "profile",
        "values": values
        or {"name": contact.name, "phone": contact.phone, "mobile": contact.mobile},
        "errors": {},
        "totp_on": bool(contact.totp_secret),
        # A pending secret is the contact's own: never shown to an operator's Portal Login.
        "totp_secret": None if principal.impersonator else contact.totp_pending,
    }


def _profile(request: Request, db: Session, principal: Principal, **extra: Any) -> HTMLResponse:
    context = _context(service.me(db, principal), principal)
    return portal_page(request, db, PROFILE, {**context, **extra})


def _refused(
    request: Request, db: Session, principal: Principal, exc: AppError, **extra: Any
) -> Response:
    if not isinstance(exc, FORM_ERRORS):
        raise exc
    context = {**_context(service.me(db, principal), principal), **extra}
    return refused(request, db, exc, PROFILE, context, FIELDS)


@router.get("", response_class=HTMLResponse)
def profile(request: Request, principal: PortalContact, db: Db) -> Response:
    codes = kept_once(request, RECOVERY_CODES)
    response = _profile(request, db, principal, recovery_codes=codes)
    shown_once(request, response, RECOVERY_CODES, HERE)
    return response


@router.post("", response_class=HTMLResponse)
def update_profile(
    request: Request, form: SubmittedForm, principal: PortalContact, db: Db
) -> Response:
    """Name, phone and mobile, through the API's own schema; the email is not taken here."""
    values = {
        "name": text(form, "name"),
        "phone": optional(form, "phone"),
        "mobile": optional(form, "mobile"),
    }
    data, errors = parse(ProfileUpdate, values)
    contact = service.me(db, principal)
    if data is None:
        context = {**_context(contact, principal, values), "errors": errors}
        return portal_page(request, db, PROFILE, context, status_code=422)
    before = contact.mobile
    try:
        service.update_profile(db, principal, data)
    except AppError as exc:
        return _refused(request, db, principal, exc, values=values)
    message = "Your profile was saved."
    if contact.mobile and contact.mobile != before:
        message += " Verify your new mobile number under Verification."
    return redirect(HERE, message)


@router.post("/password", response_class=HTMLResponse)
def change_password(
    request: Request, form: SubmittedForm, principal: PortalContact, db: Db
) -> Response:
    new, again = secret(form, "new_password"), secret(form, "confirm_password")
    try:
        body = {"current_password": secret(form, "current_password"), "new_password": new}
        service.change_password(db, principal, PasswordUpdate.model_validate(body), again)
    except AppError as exc:
        return _refused(request, db, principal, exc)
    return redirect(HERE, "Your password was changed; your other sessions have ended.")


@router.post("/totp", response_class=HTMLResponse)
def begin_totp(request: Request, principal: PortalContact, db: Db) -> Response:
    try:
        twofactor.begin(db, principal)
    except AppError as exc:
        return _refused(request, db, principal, exc)
    return redirect(f"{HERE}#two-factor")


@router.get("/totp.svg")
def totp_qr(principal: PortalContact, db: Db) -> Response:
    """The QR code of the pending secret, as an image (the page has no script for it)."""
    if principal.impersonator:
        raise Forbidden("Portal Login cannot change the contact's password, email or 2FA.")
    contact = service.me(db, principal)
    if not contact.totp_pending:
        raise NotFound("No two-factor enrolment is in progress.")
    uri = totp.provisioning_uri(contact.totp_pending, contact.email)
    return Response(totp.qr_svg(uri), media_type="image/svg+xml")


@router.post("/totp/confirm", response_class=HTMLResponse)
def confirm_totp(
    request: Request, form: SubmittedForm, principal: PortalContact, db: Db
) -> Response:
    try:
        codes = twofactor.confirm(db, principal, text(form, "code"))
    except AppError as exc:
        return _refused(request, db, principal, exc)
    response = redirect(f"{HERE}#two-factor", "Two-factor authentication is on.")
    show_once(response, RECOVERY_CODES, codes, HERE)  # shown by the page redirected to
    return response


@router.post("/totp/disable", response_class=HTMLResponse)
def disable_totp(
    request: Request, form: SubmittedForm, principal: PortalContact, db: Db
) -> Response:
    try:
        twofactor.disable(db, principal, secret(form, "password"))
    except AppError as exc:
        return _refused(request, db, principal, exc)
    return redirect(HERE, "Two-factor authentication is off.")
