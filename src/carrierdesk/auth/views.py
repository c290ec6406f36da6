"""Control Panel login (password, then the TOTP code when enrolled) and logout."""

from __future__ import annotations

from urllib.parse import urlparse

from fastapi import APIRouter, Form, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response
from sqlalchemy.orm import Session

from carrierdesk.auth import login as logins
from carrierdesk.auth import service
from carrierdesk.auth.login import Person
from carrierdesk.errors import AppError, SecondFactorRequired
from carrierdesk.models import User
from carrierdesk.web.http import (
    SESSION_COOKIE,
    Db,
    TransactionRoute,
    WebReader,
    check_login_form,
    client_ip,
    keep_changes,
    keep_login_form_token,
    log_in,
    login_form_token,
    own_transactions,
    run_transaction,
    set_session_cookie,
)
from carrierdesk.web.templating import render

router = APIRouter(route_class=TransactionRoute, include_in_schema=False)


def safe_next(target: str | None, default: str = "/customers") -> str:
    """Only a path on this site: never an open redirect."""
    if not target or not target.startswith("/") or target.startswith("//"):
        return default
    return default if urlparse(target).netloc else target


@router.get("/login", response_class=HTMLResponse)
def login_page(request: Request, next: str = "/customers") -> Response:
    return _login_form(request, {"next": safe_next(next), "email": ""})


@router.post("/login", response_class=HTMLResponse)
@own_transactions
async def login(
    request: Request,
    email: str = Form(""),
    password: str = Form(""),
    next: str = Form("/customers"),
    csrf_token: str = Form(""),
) -> Response:
    context = {"email": email, "next": safe_next(next)}
    ip, replaces = client_ip(request), request.cookies.get(SESSION_COOKIE)

    def new_session(db: Session, user: Person) -> str:
        assert isinstance(user, User)
        return service.start_session(db, user, ip, replaces=replaces)[0]

    try:
        check_login_form(request, csrf_token)
        raw = await log_in(request, email, password, "web", new_session)
    except SecondFactorRequired as exc:
        person = exc.person
        assert isinstance(person, User)
        challenge = await run_transaction(request, lambda db: logins.start_challenge(db, person))
        return render(request, "auth/login_2fa.html", {**context, "challenge": challenge})
    except AppError as exc:
        return _login_form(request, {**context, "error": exc.detail}, exc.status)
    return _logged_in(raw, context["next"])


def _login_form(request: Request, context: dict[str, str], status_code: int = 200) -> Response:
    token = login_form_token(request)
    return keep_login_form_token(
        render(request, "auth/login.html", context, status_code=status_code), token
    )


@router.post("/login/2fa", response_class=HTMLResponse)
def login_second_factor(
    request: Request,
    db: Db,
    challenge: str = Form(""),
    code: str = Form(""),
    next: str = Form("/customers"),
) -> Response:
    context = {"challenge": challenge, "next": safe_next(next), "email": ""}
    try:
        user = logins.finish_challenge(db, challenge, code, client_ip(request), "web")
    except AppError as exc:
        keep_changes(request, exc)
        if exc.status == 401 and exc.keep_changes:  # a wrong code: try again on the same page
            return render(
                request, "auth/login_2fa.html", {**context, "error": exc.detail}, exc.status
            )
        return _login_form(request, {**context, "error": exc.detail}, exc.status)
    assert isinstance(user, User)
    raw, _row = service.start_session(
        db, user, client_ip(request), replaces=request.cookies.get(SESSION_COOKIE)
    )
    return _logged_in(raw, safe_next(next))


def _logged_in(raw: str, target: str) -> Response:
    response = RedirectResponse(target, status_code=303)
    set_session_cookie(response, raw)
    return response


@router.post("/logout")
def logout(principal: WebReader, db: Db) -> Response:
    service.logout(db, principal)
    response = RedirectResponse("/login", status_code=303)
    response.delete_cookie(SESSION_COOKIE, path="/")
    return response
