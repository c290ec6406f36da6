"""Control Panel login and logout."""

from __future__ import annotations

from urllib.parse import urlparse

from fastapi import APIRouter, Depends, Form, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response
from sqlalchemy.orm import Session

from carrierdesk.auth import service
from carrierdesk.auth.principals import Principal
from carrierdesk.config import get_settings
from carrierdesk.errors import LoginFailed
from carrierdesk.web.http import SESSION_COOKIE, TransactionRoute, client_ip, get_db, web_principal
from carrierdesk.web.templating import render

router = APIRouter(route_class=TransactionRoute, include_in_schema=False)


def _safe_next(target: str | None) -> str:
    """Only a path on this site: never an open redirect."""
    if (
        not target
        or not target.startswith("/")
        or target.startswith("//")
        or urlparse(target).netloc
    ):
        return "/customers"
    return target


@router.get("/login", response_class=HTMLResponse)
def login_page(request: Request, next: str = "/customers") -> Response:
    return render(request, "auth/login.html", {"next": _safe_next(next), "email": ""})


@router.post("/login", response_class=HTMLResponse)
def login(
    request: Request,
    email: str = Form(""),
    password: str = Form(""),
    next: str = Form("/customers"),
    db: Session = Depends(get_db),
) -> Response:
    try:
        user = service.login(db, email, password, client_ip(request), "web")
    except LoginFailed as exc:
        # 200 on purpose: the failed attempt is audited, and that record must be committed.
        return render(
            request,
            "auth/login.html",
            {"error": exc.detail, "email": email, "next": _safe_next(next)},
        )
    raw, _row = service.start_session(db, user, client_ip(request))
    response = RedirectResponse(_safe_next(next), status_code=303)
    response.set_cookie(
        SESSION_COOKIE,
        raw,
        httponly=True,
        samesite="lax",
        secure=get_settings().secure_cookies,
        path="/",
    )
    return response


@router.post("/logout")
def logout(
    principal: Principal = Depends(web_principal), db: Session = Depends(get_db)
) -> Response:
    service.logout(db, principal)
    response = RedirectResponse("/login", status_code=303)
    response.delete_cookie(SESSION_COOKIE, path="/")
    return response
