"""Customer Portal: login (password, then the TOTP code when enrolled), logout, forgotten
password and its reset link, the email verification link, and the Portal Login link."""

from __future__ import annotations

from fastapi import APIRouter, Form, Request
from fastapi.responses import HTMLResponse, Response
from sqlalchemy.orm import Session

from carrierdesk.auth import login as logins
from carrierdesk.auth.login import Person
from carrierdesk.auth.service import logout as end_session
from carrierdesk.auth.service import start_session
from carrierdesk.errors import AppError, Invalid, LoginFailed, SecondFactorRequired
from carrierdesk.models import Contact
from carrierdesk.portal import service
from carrierdesk.portal.web import HOME, PortalRoute, portal_page, refused
from carrierdesk.web.forms import redirect, safe_path
from carrierdesk.web.http import (
    PORTAL_COOKIE,
    Db,
    PortalContact,
    PortalLoginRequired,
    check_login_form,
    client_ip,
    keep_login_form_token,
    log_in,
    login_form_token,
    own_transactions,
    portal_principal,
    run_transaction,
    set_session_cookie,
    writes,
)

router = APIRouter(prefix="/portal", route_class=PortalRoute, include_in_schema=False)
LOGIN = "portal/login.html"
SECOND_FACTOR = "portal/login_2fa.html"
MESSAGE = "portal/message.html"


def portal_next(target: str | None) -> str:
    """Only a page of the portal: never an open redirect."""
    path = safe_path(target, HOME)
    return path if path.startswith(HOME) else HOME


@router.get("/login", response_class=HTMLResponse)
def login_page(request: Request, db: Db, next: str = HOME) -> Response:
    try:
        portal_principal(request, db, {})
        return redirect(portal_next(next))  # already logged in
    except PortalLoginRequired:
        return _login_form(request, db, {"next": portal_next(next), "email": ""})


@router.post("/login", response_class=HTMLResponse)
@own_transactions
async def login(
    request: Request,
    email: str = Form(""),
    password: str = Form(""),
    next: str = Form(HOME),
    csrf_token: str = Form(""),
) -> Response:
    context = {"email": email, "next": portal_next(next)}
    ip, replaces = client_ip(request), request.cookies.get(PORTAL_COOKIE)

    def new_session(db: Session, person: Person) -> str:
        assert isinstance(person, Contact)  # a portal login only ever finds contacts
        return start_session(db, person, ip, replaces=replaces)[0]

    try:
        check_login_form(request, csrf_token)
        raw = await log_in(request, email, password, "portal", new_session)
    except SecondFactorRequired as exc:
        person = exc.person
        assert isinstance(person, Contact)

        def second_page(db: Session) -> Response:
            challenge = logins.start_challenge(db, person)
            return portal_page(request, db, SECOND_FACTOR, {**context, "challenge": challenge})

        return await run_transaction(request, second_page)
    except AppError as exc:
        error = exc
        return await run_transaction(
            request, lambda db: _login_form(request, db, context, error), mode="read"
        )
    return _logged_in(raw, context)


def _login_form(
    request: Request, db: Session, context: dict[str, str], exc: AppError | None = None
) -> Response:
    token = login_form_token(request)
    if exc is None:
        return keep_login_form_token(portal_page(request, db, LOGIN, context), token)
    return keep_login_form_token(refused(request, db, exc, LOGIN, context, ()), token)


@router.post("/login/2fa", response_class=HTMLResponse)
def login_second_factor(
    request: Request,
    db: Db,
    challenge: str = Form(""),
    code: str = Form(""),
    next: str = Form(HOME),
) -> Response:
    context = {"email": "", "next": portal_next(next), "challenge": challenge}
    try:
        person = logins.finish_challenge(db, challenge, code, client_ip(request), "portal")
    except LoginFailed as exc:  # a wrong code: try again on the same page
        return refused(request, db, exc, SECOND_FACTOR, context, ())
    except AppError as exc:  # expired, throttled or refused: start again
        return _login_form(request, db, context, exc)
    assert isinstance(person, Contact)  # a portal login only ever finds contacts
    raw, _row = start_session(
        db, person, client_ip(request), replaces=request.cookies.get(PORTAL_COOKIE)
    )
    return _logged_in(raw, context)


def _logged_in(raw: str, context: dict[str, str]) -> Response:
    response = redirect(context["next"])
    set_session_cookie(response, raw, PORTAL_COOKIE)
    return response


@router.post("/logout")
def logout(principal: PortalContact, db: Db) -> Response:
    """Log out; during a Portal Login this is "End": the operator's impersonation ends."""
    end_session(db, principal)
    message = "Portal Login ended." if principal.impersonator else "You have logged out."
    response = redirect("/portal/login", message, "info")
    response.delete_cookie(PORTAL_COOKIE, path=HOME)
    return response


@router.get("/forgot-password", response_class=HTMLResponse)
def forgot_password_page(request: Request, db: Db) -> Response:
    return portal_page(request, db, "portal/forgot_password.html", {"email": ""})


@router.post("/forgot-password", response_class=HTMLResponse)
def forgot_password(request: Request, db: Db, email: str = Form("")) -> Response:
    """The same answer whether or not the address is a contact's."""
    name = "portal/forgot_password.html"
    if not email.strip():
        return portal_page(
            request, db, name, {"email": "", "errors": {"email": "is required"}}, 422
        )
    service.request_password_reset(db, email, client_ip(request))
    return portal_page(request, db, name, {"email": email.strip(), "sent": True})


@router.get("/reset-password", response_class=HTMLResponse)
def reset_password_page(request: Request, db: Db, token: str = "") -> Response:
    """The form, or at once (before anything is typed) the news that the link is used up,
    expired or unknown, with the way to ask for a new one."""
    expired = not service.reset_link_is_valid(db, token)
    context = {"token": "" if expired else token, "expired": expired}
    return portal_page(request, db, "portal/reset_password.html", context)


@router.post("/reset-password", response_class=HTMLResponse)
def reset_password(
    request: Request,
    db: Db,
    token: str = Form(""),
    new_password: str = Form(""),
    confirm_password: str = Form(""),
) -> Response:
    name, context = "portal/reset_password.html", {"token": token}
    try:
        if new_password != confirm_password:
            raise Invalid.field("confirm_password", "does not match the new password")
        service.reset_password(db, token, new_password, client_ip(request))
    except AppError as exc:
        fields = ("new_password", "confirm_password")
        return refused(request, db, exc, name, {**context, "expired": exc.status == 401}, fields)
    return redirect("/portal/login", "Your password was changed. Log in with the new password.")


@router.get("/verify-email", response_class=HTMLResponse)
def verify_email_page(request: Request, db: Db, token: str = "") -> Response:
    """The emailed link only shows a button: mail scanners that open links must not use it up."""
    return portal_page(request, db, "portal/verify_email.html", {"token": token})


@router.post("/verify-email", response_class=HTMLResponse)
def verify_email(request: Request, db: Db, token: str = Form("")) -> Response:
    try:
        contact = service.verify_email(db, token, client_ip(request))
    except AppError as exc:
        return _link_refused(request, db, exc)
    context = {"title": "Email verified", "message": f"Thank you: {contact.email} is verified."}
    return portal_page(request, db, MESSAGE, context)


@router.get("/impersonate")
@writes
def impersonate(request: Request, db: Db, token: str = "") -> Response:
    """Portal Login: the operator's one-time link opens a short session as the contact."""
    try:
        raw, _row = service.open_impersonation(db, token, client_ip(request))
    except AppError as exc:
        return _link_refused(request, db, exc)
    response = redirect(HOME)
    set_session_cookie(response, raw, PORTAL_COOKIE)
    return response


def _link_refused(request: Request, db: Session, exc: AppError) -> Response:
    context = {"title": "This link cannot be used", "message": exc.detail, "failed": True}
    return portal_page(request, db, MESSAGE, context, exc.status)
