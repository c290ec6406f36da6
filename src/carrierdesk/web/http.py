"""What every HTTP layer shares: one transaction per request, and who is asking."""

from __future__ import annotations

import asyncio
from collections.abc import Callable, Coroutine
from typing import Annotated, Any

from fastapi import Depends, Query, Request, Response
from fastapi import Path as FastApiPath
from fastapi.routing import APIRoute
from fastapi.security import HTTPAuthorizationCredentials, HTTPBearer
from sqlalchemy.orm import Session, sessionmaker
from starlette.concurrency import run_in_threadpool

from carrierdesk.auth.login import must_enrol_totp
from carrierdesk.auth.permissions import require_staff
from carrierdesk.auth.principals import Principal, Via
from carrierdesk.auth.service import resolve
from carrierdesk.config import get_settings
from carrierdesk.errors import AppError, Forbidden, NotAuthenticated
from carrierdesk.models import User

SESSION_COOKIE = "cd_session"
PORTAL_COOKIE = "cd_portal"
ENROL_PAGE = "/account"
CSRF_HEADER = "X-CSRF-Token"
SAFE_METHODS = {"GET", "HEAD", "OPTIONS"}


class TransactionRoute(APIRoute):
    """Opens the request's session; commits before the response leaves, rolls back on error."""

    def get_route_handler(self) -> Callable[[Request], Coroutine[Any, Any, Response]]:
        handler = super().get_route_handler()

        async def run_in_transaction(request: Request) -> Response:
            factory: sessionmaker[Session] = request.app.state.sessionmaker
            session = factory()
            request.state.db = session
            try:
                response = await handler(request)
                if response.status_code < 400 or getattr(request.state, "keep_changes", False):
                    await run_in_threadpool(session.commit)
                else:
                    await run_in_threadpool(session.rollback)
                await asyncio.sleep(getattr(request.state, "answer_delay", 0.0))
                return response
            except AppError as exc:
                await run_in_threadpool(session.commit if exc.keep_changes else session.rollback)
                # A failed login is answered late, after its record is committed (no lock held).
                await asyncio.sleep(getattr(exc, "delay_seconds", 0.0))
                raise
            except BaseException:
                await run_in_threadpool(session.rollback)
                raise
            finally:
                await run_in_threadpool(session.close)

        return run_in_transaction


def get_db(request: Request) -> Session:
    session: Session = request.state.db
    return session


def client_ip(request: Request) -> str | None:
    return request.client.host if request.client else None


_bearer = HTTPBearer(auto_error=False, description="An API token or a session token")


def api_principal(
    request: Request,
    db: Session = Depends(get_db),
    credentials: HTTPAuthorizationCredentials | None = Depends(_bearer),
) -> Principal:
    """The caller of an API endpoint: a bearer token, or the Control Panel's own cookie (with
    the page's X-CSRF-Token header for changes), as the Control Panel's grids call the API."""
    if credentials is None:
        principal = _cookie_principal(request, db, {}, SESSION_COOKIE, "web")
        if principal is not None and principal.kind == "user":
            return principal
        raise NotAuthenticated("Log in, or send a valid bearer token.")
    found = resolve(db, credentials.credentials, "api")
    if found is None:
        raise NotAuthenticated("Log in, or send a valid bearer token.")
    return found[0].with_request(
        ip=client_ip(request), comment=request.headers.get("X-Audit-Comment") or None
    )


class Page:
    """`limit` (default 50, max 500) and `offset`, as every list of the API takes them."""

    def __init__(self, limit: int = Query(50, ge=1, le=500), offset: int = Query(0, ge=0)):
        self.limit = limit
        self.offset = offset


class LoginRequired(Exception):
    """Raised by page dependencies; answered with a redirect to the login page."""


class EnrolmentRequired(Exception):
    """An admin without TOTP while Settings › Options makes it mandatory: to the account page."""


class PortalLoginRequired(LoginRequired):
    """The same, for the Customer Portal's login page."""


async def form_meta(request: Request) -> dict[str, str]:
    """csrf_token and audit_comment of a submitted form (read here, asynchronously, once)."""
    if request.method in SAFE_METHODS or "form" not in request.headers.get("content-type", ""):
        return {}
    form = await request.form()
    return {
        k: v
        for k in ("csrf_token", "audit_comment")
        if isinstance(v := form.get(k), str) and v.strip()
    }


def web_principal(
    request: Request, db: Session = Depends(get_db), meta: dict[str, str] = Depends(form_meta)
) -> Principal:
    """The Control Panel user behind the session cookie; forms must carry its CSRF token."""
    principal = _cookie_principal(request, db, meta, SESSION_COOKIE, "web")
    if principal is None or principal.kind != "user":
        raise LoginRequired()
    if not request.url.path.startswith(ENROL_PAGE):
        user = db.get(User, principal.id)
        if user is not None and must_enrol_totp(db, user):
            raise EnrolmentRequired()
    return principal


def portal_principal(
    request: Request, db: Session = Depends(get_db), meta: dict[str, str] = Depends(form_meta)
) -> Principal:
    """The contact behind the portal's own cookie (kept apart from the Control Panel's, so an
    operator's Portal Login tab never replaces the operator's own session)."""
    principal = _cookie_principal(request, db, meta, PORTAL_COOKIE, "portal")
    if principal is None or not principal.is_contact:
        raise PortalLoginRequired()
    return principal


def _cookie_principal(
    request: Request, db: Session, meta: dict[str, str], cookie: str, via: Via
) -> Principal | None:
    raw = request.cookies.get(cookie)
    found = resolve(db, raw, via) if raw else None
    if found is None or found[1] is None:
        return None
    principal, row = found[0], found[1]
    request.state.csrf_token = row.csrf_token
    comment = None
    if request.method not in SAFE_METHODS:
        if (request.headers.get(CSRF_HEADER) or meta.get("csrf_token")) != row.csrf_token:
            raise Forbidden("The form has expired or did not come from this site; reload it.")
        comment = request.headers.get("X-Audit-Comment") or meta.get("audit_comment")
    principal = principal.with_request(ip=client_ip(request), comment=comment)
    request.state.principal = principal
    return principal


def set_session_cookie(response: Response, raw: str, cookie: str = SESSION_COOKIE) -> None:
    response.set_cookie(
        cookie,
        raw,
        httponly=True,
        samesite="lax",
        secure=get_settings().secure_cookies,
        path="/portal/" if cookie == PORTAL_COOKIE else "/",
    )


def keep_changes(request: Request, exc: AppError) -> None:
    """A page that shows an error itself still commits what the error wants kept (a failed
    login's audit record), after the growing delay of failed logins."""
    request.state.keep_changes = exc.keep_changes
    request.state.answer_delay = getattr(exc, "delay_seconds", 0.0)


MAX_ID = 2**31 - 1  # ids are 32-bit integers on PostgreSQL
RecordId = Annotated[int, FastApiPath(ge=1, le=MAX_ID, description="a record id")]
IdFilter = Annotated[int | None, Query(ge=1, le=MAX_ID)]


def web_writer(principal: Principal = Depends(web_principal)) -> Principal:
    """A Control Panel user who may make changes: forms are shown to them only (403 else)."""
    require_staff(principal, "write")
    return principal
