"""Control Panel: the signed-in user's own account (password, two-factor authentication)."""

from __future__ import annotations

from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse, Response
from sqlalchemy.orm import Session

from carrierdesk.auth import totp, twofactor, users
from carrierdesk.auth.principals import Principal
from carrierdesk.errors import AppError, Conflict
from carrierdesk.web.forms import (
    SubmittedForm,
    act,
    kept_once,
    page,
    redirect,
    secret,
    show_once,
    shown_once,
    text,
)
from carrierdesk.web.http import Db, TransactionRoute, WebReader

router = APIRouter(route_class=TransactionRoute, include_in_schema=False)
RECOVERY_CODES = "cd_recovery_codes"  # the cookie that carries them to the page, once


def _account(
    request: Request, db: Session, principal: Principal, status_code: int = 200, **context: object
) -> HTMLResponse:
    user = twofactor.person_of(db, principal)
    return page(
        request,
        db,
        "account/account.html",
        {"user": user, "enrol": request.query_params.get("enrol"), **context},
        status_code,
    )


@router.get("/account", response_class=HTMLResponse)
def account(request: Request, principal: WebReader, db: Db) -> Response:
    codes = kept_once(request, RECOVERY_CODES)
    response = _account(request, db, principal, recovery_codes=codes)
    shown_once(request, response, RECOVERY_CODES, "/account")
    return response


@router.post("/account/password", response_class=HTMLResponse)
def change_password(
    request: Request, form: SubmittedForm, principal: WebReader, db: Db
) -> Response:
    current, new = secret(form, "current_password"), secret(form, "new_password")
    return act(
        db,
        lambda: users.change_own_password(
            db, principal, current, new, secret(form, "confirm_password")
        ),
        lambda _done: redirect("/account", "Password changed; your other sessions have ended."),
        lambda _exc, errors: _account(request, db, principal, 422, errors=errors),
    )


@router.post("/account/totp/begin", response_class=HTMLResponse)
def begin_totp(request: Request, principal: WebReader, db: Db) -> Response:
    try:
        secret, _uri = twofactor.begin(db, principal)
    except Conflict as exc:
        return redirect("/account", exc.detail, "warning")
    return _account(request, db, principal, pending_secret=secret)


@router.get("/account/totp.svg")
def totp_qr(principal: WebReader, db: Db) -> Response:
    user = twofactor.person_of(db, principal)
    if not user.totp_pending:
        return Response(status_code=404)
    svg = totp.qr_svg(totp.provisioning_uri(user.totp_pending, user.email))
    return Response(svg, media_type="image/svg+xml", headers={"Cache-Control": "no-store"})


@router.post("/account/totp/confirm", response_class=HTMLResponse)
def confirm_totp(request: Request, form: SubmittedForm, principal: WebReader, db: Db) -> Response:
    def again(_exc: AppError, errors: dict[str, str]) -> Response:
        pending = twofactor.person_of(db, principal).totp_pending
        return _account(request, db, principal, 422, errors=errors, pending_secret=pending)

    def turned_on(codes: list[str]) -> Response:
        response = redirect("/account#two-factor", "Two-factor authentication is on.")
        show_once(response, RECOVERY_CODES, codes, "/account")  # POST/redirect/GET
        return response

    return act(db, lambda: twofactor.confirm(db, principal, text(form, "code")), turned_on, again)


@router.post("/account/totp/disable", response_class=HTMLResponse)
def disable_totp(request: Request, form: SubmittedForm, principal: WebReader, db: Db) -> Response:
    return act(
        db,
        lambda: twofactor.disable(db, principal, text(form, "password")),
        lambda _done: redirect("/account", "Two-factor authentication is off."),
        lambda _exc, errors: _account(request, db, principal, 422, errors=errors),
    )
