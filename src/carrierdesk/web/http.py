"""What every HTTP layer shares: one transaction per request, and who is asking."""

from __future__ import annotations

import logging
import secrets
from collections.abc import Awaitable, Callable, Coroutine
from dataclasses import dataclass
from functools import partial
from typing import Annotated, Any, TypeVar

from fastapi import Depends, Query, Request, Response
from fastapi import Path as FastApiPath
from fastapi.routing import APIRoute
from fastapi.security import (
    HTTPAuthorizationCredentials,
    HTTPBasic,
    HTTPBasicCredentials,
    HTTPBearer,
)
from sqlalchemy.exc import SQLAlchemyError
from sqlalchemy.orm import Session, sessionmaker
from starlette.concurrency import run_in_threadpool

from carrierdesk.auth import login as logins
from carrierdesk.auth.basic import NOT_A_SWITCH_TOKEN, switch_principal
from carrierdesk.auth.login import Person, must_enrol_totp
from carrierdesk.auth.permissions import require_staff
from carrierdesk.auth.principals import Principal, Via
from carrierdesk.auth.service import resolve
from carrierdesk.config import get_settings
from carrierdesk.db import AFTER_COMMIT, Mode, transaction_mode
from carrierdesk.errors import AppError, Forbidden, NotAuthenticated
from carrierdesk.models import User
from carrierdesk.web.capacity import Capacity

SESSION_COOKIE = "cd_session"
PORTAL_COOKIE = "cd_portal"
ENROL_PAGE = "/account"
CSRF_HEADER = "X-CSRF-Token"
LOGIN_CSRF_COOKIE = "cd_login_form"
SAFE_METHODS = {"GET", "HEAD", "OPTIONS"}
F = TypeVar("F", bound=Callable[..., Any])
R = TypeVar("R", bound=Response)
log = logging.getLogger("carrierdesk.http")


class TransactionRoute(APIRoute):
    """Runs each request as one transaction under a database slot (carrierdesk.web.capacity):
    the body is read first (a slow client holds nothing), then the slot is taken, the
    session opened, and the transaction committed before the response leaves (rolled back
    on error). A GET or HEAD is a read transaction unless its endpoint is `@writes`;
    endpoints marked `@own_transactions` open their own short ones with `run_transaction`."""

    def get_route_handler(self) -> Callable[[Request], Coroutine[Any, Any, Response]]:
        handler = super().get_route_handler()
        if getattr(self.endpoint, "own_transactions", False):
            return handler
        writes = getattr(self.endpoint, "writes", False)

        async def run_in_transaction(request: Request) -> Response:
            await request.body()
            mode: Mode = "write" if writes or request.method not in SAFE_METHODS else "read"
            capacity: Capacity = request.app.state.capacity
            async with capacity.slot(write=mode == "write"):
                with transaction_mode(mode):
                    return await _handle(request, handler)

        return run_in_transaction


async def _handle(request: Request, handler: Callable[[Request], Awaitable[Response]]) -> Response:
    factory: sessionmaker[Session] = request.app.state.sessionmaker
    session = factory()
    request.state.db = session
    try:
        response = await handler(request)
        keep = response.status_code < 400 or getattr(request.state, "keep_changes", False)
        await run_in_threadpool(_end, session, keep)
        return response
    except AppError as exc:
        await run_in_threadpool(_end, session, exc.keep_changes)
        raise
    except BaseException:
        await run_in_threadpool(_end, session, False)
        raise
    finally:
        for work in session.info.pop(AFTER_COMMIT, ()):
            await run_in_threadpool(_after_commit, factory, work)


def _end(session: Session, commit: bool) -> None:
    """Commit (or roll back) and close in one trip to the thread pool: each trip costs more
    than the SQL of a small read (docs/performance.md, Load)."""
    try:
        session.commit() if commit else session.rollback()
    finally:
        session.close()


def _after_commit(factory: sessionmaker[Session], work: Callable[[Session], None]) -> None:
    """Best-effort bookkeeping after the request's own transaction (a token's last use):
    its own short write transaction, and a failure here never fails the request."""
    try:
        with transaction_mode("write"), factory() as session:
            work(session)
            session.commit()
    except SQLAlchemyError as exc:
        log.info("bookkeeping after a request skipped: %s", exc.__class__.__name__)


T = TypeVar("T")


async def run_transaction(
    request: Request, work: Callable[[Session], T], mode: Mode = "write"
) -> T:
    """One short transaction under a database slot, in one worker thread, committed before
    it returns (rolled back on error, but for what an AppError keeps). For endpoints that
    must not hold a transaction while they wait (a login waits for its password hash)."""
    capacity: Capacity = request.app.state.capacity
    factory: sessionmaker[Session] = request.app.state.sessionmaker
    async with capacity.slot(write=mode == "write"):
        return await run_in_threadpool(_unit_of_work, factory, work, mode)


def _unit_of_work(factory: sessionmaker[Session], work: Callable[[Session], T], mode: Mode) -> T:
    with transaction_mode(mode), factory() as session:
        try:
            result = work(session)
            session.commit()
            return result
        except AppError as exc:
            session.commit() if exc.keep_changes else session.rollback()
            raise


async def log_in(
    request: Request,
    email: str,
    password: str,
    via: Via,
    then: Callable[[Session, Person], T],
    code: str | None = None,
) -> T:
    """carrierdesk.auth.login.log_in for this request: its steps in short transactions, the
    password hash under the hashing limit, `then` (e.g. the new session) in the last step."""
    capacity: Capacity = request.app.state.capacity
    run = partial(run_transaction, request)
    return await logins.log_in(
        run, capacity.hashing, email, password, client_ip(request), via, code, then
    )


def own_transactions(endpoint: F) -> F:
    """Mark an endpoint that runs its own transactions with `run_transaction`."""
    endpoint.own_transactions = True  # type: ignore[attr-defined]
    return endpoint


def writes(endpoint: F) -> F:
    """Mark a GET endpoint that writes (a one-time link used up by opening it)."""
    endpoint.writes = True  # type: ignore[attr-defined]
    return endpoint


async def get_db(request: Request) -> Session:  # async: no thread-pool trip to read a field
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


# One scheme for what SIP servers send (switch/api.py has the directory's own instance of it:
# the same name, so the same entry of the OpenAPI document).
_basic = HTTPBasic(
    auto_error=False,
    description="An API token of role switch as the password, any user name: what SIP servers "
    "can send (FreeSWITCH's mod_xml_curl gateway-credentials, mod_json_cdr cred). Taken by the "
    "switch endpoints and POST /cdrs only",
)


def api_or_switch_principal(
    request: Request,
    db: Session = Depends(get_db),
    credentials: HTTPAuthorizationCredentials | None = Depends(_bearer),
    basic: HTTPBasicCredentials | None = Depends(_basic),
) -> Principal:
    """The caller of an API endpoint a SIP server posts to (POST /cdrs): the API's caller (as
    api_principal), or HTTP Basic credentials whose password is a switch token (auth/basic.py)."""
    if credentials is None and basic is not None:
        principal = switch_principal(db, basic.password)
        if principal is None:
            raise NotAuthenticated(NOT_A_SWITCH_TOKEN)
        return principal.with_request(ip=client_ip(request))
    return api_principal(request, db, credentials)


MAX_OFFSET = 2**63 - 1  # OFFSET is a 64-bit integer on both databases


@dataclass(frozen=True)
class Page:
    """`limit` (default 50, max 500) and `offset`, as every list of the API takes them."""

    limit: int
    offset: int


async def paging(
    limit: int = Query(50, ge=1, le=500), offset: int = Query(0, ge=0, le=MAX_OFFSET)
) -> Page:
    return Page(limit, offset)


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


def login_form_token(request: Request) -> str:
    """The token a login form carries (login CSRF): the browser's own, kept in a cookie that
    `keep_login_form_token` sets, so a form posted from another site has none."""
    token = request.cookies.get(LOGIN_CSRF_COOKIE) or secrets.token_urlsafe(32)
    request.state.csrf_token = token
    return token


def keep_login_form_token(response: Response, token: str) -> Response:
    response.set_cookie(
        LOGIN_CSRF_COOKIE,
        token,
        httponly=True,
        samesite="lax",
        secure=get_settings().secure_cookies,
        path="/",
    )
    return response


def check_login_form(request: Request, sent: str) -> None:
    """403 for a login form that did not come from this site's login page."""
    kept = request.cookies.get(LOGIN_CSRF_COOKIE, "")
    if not kept or not sent or not secrets.compare_digest(kept.encode(), sent.encode()):
        raise Forbidden("The login form has expired or did not come from this site; reload it.")


def with_retry_after(response: R, exc: AppError) -> R:
    """A page's answer to a refusal that says when to try again (429, 503)."""
    retry_after = getattr(exc, "retry_after", None)
    if retry_after is not None:
        response.headers["Retry-After"] = str(retry_after)
    return response


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
    """A page that shows an error itself still commits what the error wants kept (a wrong
    code's count)."""
    request.state.keep_changes = exc.keep_changes


MAX_ID = 2**31 - 1  # ids are 32-bit integers on PostgreSQL
RecordId = Annotated[int, FastApiPath(ge=1, le=MAX_ID, description="a record id")]
IdFilter = Annotated[int | None, Query(ge=1, le=MAX_ID)]


async def web_writer(principal: Principal = Depends(web_principal)) -> Principal:
    """A Control Panel user who may make changes: forms are shown to them only (403 else)."""
    require_staff(principal, "write")
    return principal


# ---- What an endpoint asks for --------------------------------------------------------------
# Endpoints and pages declare these and nothing else: `db: Db`, `principal: ApiWriter`,
# `customer_id: RecordId`, `page: Paging` (forms: `form: SubmittedForm`, web/forms.py).

Db = Annotated[Session, Depends(get_db)]
"""The request's session (one transaction per request: TransactionRoute)."""

ApiReader = Annotated[Principal, Depends(api_principal)]
"""The caller of an API endpoint that only reads."""

ApiWriter = Annotated[Principal, Depends(api_principal)]
"""The caller of an API endpoint that changes something: the same principal as ApiReader, on
purpose. No API endpoint checks a right of its own before its service does (a contact may write
its own profile, a viewer nothing, an operator most things: that depends on the record, so only
the service can tell), and a check here would be a second copy of the rule and would answer 403
before the body's 422. The two names say what the endpoint means to do."""

ApiOrSwitchWriter = Annotated[Principal, Depends(api_or_switch_principal)]
"""ApiWriter, or a SIP server's switch token sent as HTTP Basic's password (POST /cdrs: what
FreeSWITCH's mod_json_cdr can send). What a switch token may do there: permissions.cdr_writer."""

WebReader = Annotated[Principal, Depends(web_principal)]
"""Any signed-in Control Panel user, viewers too: the pages that show, and the forms whose
rights the service decides (one's own password and 2FA; admins' screens)."""

WebWriter = Annotated[Principal, Depends(web_writer)]
"""A Control Panel user who may make changes (admins and operators; 403 else): the forms that
change records, and the pages that show those forms."""

PortalContact = Annotated[Principal, Depends(portal_principal)]
"""The contact signed in to the Customer Portal (or an operator's Portal Login as them)."""

Paging = Annotated[Page, Depends(paging)]
"""`limit` and `offset` of an API list."""
