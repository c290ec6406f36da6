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
    page,
    redirect,
    text,
)
from carrierdesk.web.http import Db, TransactionRoute, WebReader

router = APIRouter(route_class=TransactionRoute, include_in_schema=False)


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
    return _account(request, db, principal)


@router.post("/account/password", response_class=HTMLResponse)
def change_password(
    request: Request, form: SubmittedForm, principal: WebReader, db: Db
) -> Response:
    if text(form, "new_password") != text(form, "confirm_password"):
        return _account(
            request,
            db,
            principal,
            422,
            errors={"confirm_password": "does not match the new password"},
        )
    return act(
        db,
        lambda: users.change_own_password(
            db, principal, text(form, "current_password"), text(form, "new_password")
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

    return act(
        db,
        lambda: twofactor.confirm(db, principal, text(form, "code")),
        lambda codes: _account(request, db, principal, recovery_codes=codes),
        again,
    )


@router.post("/account/totp/disable", response_class=HTMLResponse)
def disable_totp(request: Request, form: SubmittedForm, principal: WebReader, db: Db) -> Response:
    return act(
        db,
        lambda: twofactor.disable(db, principal, text(form, "password")),
        lambda _done: redirect("/account", "Two-factor authentication is off."),
        lambda _exc, errors: _account(request, db, principal, 422, errors=errors),
    )
