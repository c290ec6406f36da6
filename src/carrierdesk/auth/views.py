"""Control Panel login (password, then the TOTP code when enrolled) and logout."""

from __future__ import annotations

from urllib.parse import urlparse

from fastapi import APIRouter, Depends, Form, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response
from sqlalchemy.orm import Session

from carrierdesk.auth import login as logins
from carrierdesk.auth import service
from carrierdesk.auth.principals import Principal
from carrierdesk.errors import AppError, SecondFactorRequired
from carrierdesk.models import User
from carrierdesk.web.http import (
    SESSION_COOKIE,
    TransactionRoute,
    client_ip,
    get_db,
    keep_changes,
    set_session_cookie,
    web_principal,
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
    return render(request, "auth/login.html", {"next": safe_next(next), "email": ""})


@router.post("/login", response_class=HTMLResponse)
def login(
    request: Request,
    email: str = Form(""),
    password: str = Form(""),
    next: str = Form("/customers"),
    db: Session = Depends(get_db),
) -> Response:
    context = {"email": email, "next": safe_next(next)}
    try:
        user = logins.login(db, email, password, client_ip(request), "web")
    except SecondFactorRequired as exc:
        challenge = logins.start_challenge(db, exc.person)  # type: ignore[arg-type]
        return render(request, "auth/login_2fa.html", {**context, "challenge": challenge})
    except AppError as exc:
        keep_changes(request, exc)
        return render(
            request, "auth/login.html", {**context, "error": exc.detail}, status_code=exc.status
        )
    return _logged_in(request, db, user, context["next"])


@router.post("/login/2fa", response_class=HTMLResponse)
def login_second_factor(
    request: Request,
    challenge: str = Form(""),
    code: str = Form(""),
    next: str = Form("/customers"),
    db: Session = Depends(get_db),
) -> Response:
    try:
        user = logins.finish_challenge(db, challenge, code, client_ip(request), "web")
    except AppError as exc:
        keep_changes(request, exc)
        template = (
            "auth/login_2fa.html" if exc.status == 401 and exc.keep_changes else "auth/login.html"
        )
        return render(
            request,
            template,
            {"error": exc.detail, "challenge": challenge, "next": safe_next(next), "email": ""},
            status_code=exc.status,
        )
    return _logged_in(request, db, user, safe_next(next))


def _logged_in(request: Request, db: Session, user: object, target: str) -> Response:
    assert isinstance(user, User)
    raw, _row = service.start_session(
        db, user, client_ip(request), replaces=request.cookies.get(SESSION_COOKIE)
    )
    response = RedirectResponse(target, status_code=303)
    set_session_cookie(response, raw)
    return response


@router.post("/logout")
def logout(
    principal: Principal = Depends(web_principal), db: Session = Depends(get_db)
) -> Response:
    service.logout(db, principal)
    response = RedirectResponse("/login", status_code=303)
    response.delete_cookie(SESSION_COOKIE, path="/")
    return response
