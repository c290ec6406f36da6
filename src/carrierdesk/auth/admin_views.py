"""Control Panel, admins only: Control Panel users and API tokens."""

from __future__ import annotations

from datetime import UTC, datetime

from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse, Response
from sqlalchemy.orm import Session

from carrierdesk.auth import service, users
from carrierdesk.auth.permissions import ROLES, SWITCH
from carrierdesk.auth.principals import Principal
from carrierdesk.errors import Invalid
from carrierdesk.web.forms import (
    SubmittedForm,
    act,
    page,
    redirect,
    text,
)
from carrierdesk.web.http import Db, RecordId, TransactionRoute, WebReader

router = APIRouter(route_class=TransactionRoute, include_in_schema=False)
FORM_ROLES = (*reversed(ROLES), SWITCH)
USERS = "/settings/users"  # the fewest rights first: the form's default is viewer


def _tokens_page(
    request: Request, db: Session, principal: Principal, status_code: int = 200, **context: object
) -> HTMLResponse:
    tokens = service.list_api_tokens(db, principal)
    return page(
        request,
        db,
        "admin/tokens.html",
        {"section": "settings", "tokens": tokens, "roles": FORM_ROLES, "values": {}, **context},
        status_code,
    )


@router.get("/settings/tokens", response_class=HTMLResponse)
def tokens(request: Request, principal: WebReader, db: Db) -> Response:
    return _tokens_page(request, db, principal)


@router.post("/settings/tokens", response_class=HTMLResponse)
def create_token(request: Request, form: SubmittedForm, principal: WebReader, db: Db) -> Response:
    values = {k: text(form, k) for k in ("name", "role", "expires_on")}
    return act(
        db,
        lambda: service.create_api_token(
            db, principal, values["name"], values["role"], _end_of_day(values["expires_on"])
        ),
        lambda made: _tokens_page(request, db, principal, created=made[0], secret=made[1]),
        lambda _exc, errors: _tokens_page(
            request, db, principal, 422, errors=errors, values=values
        ),
    )


@router.post("/settings/tokens/{token_id}/revoke")
def revoke_token(token_id: RecordId, principal: WebReader, db: Db) -> Response:
    token = service.revoke_api_token(db, principal, token_id)
    return redirect("/settings/tokens", f"Token '{token.name}' revoked.")


def _end_of_day(day: str) -> datetime | None:
    if not day:
        return None
    try:
        return datetime.fromisoformat(day).replace(hour=23, minute=59, second=59, tzinfo=UTC)
    except ValueError:
        raise Invalid.field("expires_on", "must be a date (YYYY-MM-DD)") from None


def _users_page(
    request: Request, db: Session, principal: Principal, status_code: int = 200, **context: object
) -> HTMLResponse:
    return page(
        request,
        db,
        "admin/users.html",
        {"section": "settings", "users": users.list_users(db, principal), "values": {}, **context},
        status_code,
    )


@router.get("/settings/users", response_class=HTMLResponse)
def users_page(request: Request, principal: WebReader, db: Db) -> Response:
    return _users_page(request, db, principal)


@router.post("/settings/users", response_class=HTMLResponse)
def create_user(request: Request, form: SubmittedForm, principal: WebReader, db: Db) -> Response:
    values = {k: text(form, k) for k in ("email", "role")}
    return act(
        db,
        lambda: service.create_user(db, principal, values["email"], values["role"], None),
        lambda made: _users_page(request, db, principal, created=made[0], secret=made[1]),
        lambda _exc, errors: _users_page(request, db, principal, 422, errors=errors, values=values),
    )


@router.post("/settings/users/{user_id}", response_class=HTMLResponse)
def update_user(
    request: Request, user_id: RecordId, form: SubmittedForm, principal: WebReader, db: Db
) -> Response:
    role = text(form, "role") or None
    enabled = {"on": True, "off": False}.get(text(form, "enabled"))
    return act(
        db,
        lambda: users.update_user(db, principal, user_id, role=role, enabled=enabled),
        lambda user: redirect(USERS, f"User {user.email} {_updated(role, enabled)}."),
        lambda exc, _errors: redirect(USERS, exc.detail, "danger"),
    )


def _updated(role: str | None, enabled: bool | None) -> str:
    if role is None and enabled is not None:
        return "enabled" if enabled else "disabled; their sessions have ended"
    return "updated"


@router.post("/settings/users/{user_id}/password", response_class=HTMLResponse)
def reset_password(request: Request, user_id: RecordId, principal: WebReader, db: Db) -> Response:
    """A new generated password, shown once on the page that answers (as at creation)."""
    return act(
        db,
        lambda: users.reset_password(db, principal, user_id),
        lambda made: _users_page(request, db, principal, reset=made[0], secret=made[1]),
        lambda exc, _errors: redirect(USERS, exc.detail, "danger"),
    )


@router.get("/settings/users/{user_id}/delete", response_class=HTMLResponse)
def confirm_delete(request: Request, user_id: RecordId, principal: WebReader, db: Db) -> Response:
    return _delete_page(request, db, principal, user_id)


@router.post("/settings/users/{user_id}/delete", response_class=HTMLResponse)
def delete_user(request: Request, user_id: RecordId, principal: WebReader, db: Db) -> Response:
    return act(
        db,
        lambda: users.delete_user(db, principal, user_id),
        lambda user: redirect(USERS, f"User {user.email} deleted."),
        lambda _exc, errors: _delete_page(request, db, principal, user_id, 422, errors=errors),
    )


def _delete_page(
    request: Request,
    db: Session,
    principal: Principal,
    user_id: int,
    status_code: int = 200,
    **context: object,
) -> HTMLResponse:
    user = users.get_user(db, principal, user_id)
    context = {"section": "settings", "user": user, **context}
    return page(request, db, "admin/user_delete.html", context, status_code)
