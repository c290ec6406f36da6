from __future__ import annotations

from datetime import datetime
from typing import Literal

from fastapi import APIRouter, Request, Response
from pydantic import BaseModel
from sqlalchemy.orm import Session

from carrierdesk.auth import service
from carrierdesk.auth.login import Person
from carrierdesk.errors import AppError
from carrierdesk.models import User
from carrierdesk.validation import Input
from carrierdesk.web.http import (
    ApiWriter,
    Db,
    TransactionRoute,
    client_ip,
    log_in,
    own_transactions,
)
from carrierdesk.web.problems import responses

router = APIRouter(prefix="/auth", tags=["auth"], route_class=TransactionRoute)


class TokenRequest(Input):
    email: str
    password: str
    totp: str | None = None


class PrincipalOut(BaseModel):
    kind: Literal["user", "contact"]
    id: int
    role: str | None = None
    customer_id: int | None = None


class TokenOut(BaseModel):
    access_token: str
    token_type: Literal["bearer"] = "bearer"
    expires_at: datetime
    principal: PrincipalOut


@router.post(
    "/token",
    response_model=TokenOut,
    responses=responses(400, 401, 403, 422, 429),
    summary="Log in: a session token for an email and password",
)
@own_transactions
async def issue_token(body: TokenRequest, request: Request) -> TokenOut:
    ip = client_ip(request)

    def new_session(db: Session, who: Person) -> TokenOut:
        raw, row = service.start_session(db, who, ip)
        if isinstance(who, User):
            principal = PrincipalOut(kind="user", id=who.id, role=who.role)
        else:
            principal = PrincipalOut(kind="contact", id=who.id, customer_id=who.customer_id)
        return TokenOut(access_token=raw, expires_at=row.expires_at, principal=principal)

    return await log_in(request, body.email, body.password, "api", new_session, body.totp)


@router.post(
    "/logout",
    status_code=204,
    responses=responses(400, 401),
    description="Ends the session of a session token (from `POST /auth/token`), which then "
    "stops working. An API token is not a session: 400, and it keeps working.",
    summary="Log out: end the session of a session token",
)
def log_out(principal: ApiWriter, db: Db) -> Response:
    if principal.kind == "token":
        # A shared integration token must not end because one caller logged out.
        raise AppError(
            "This is an API token, not a session: logging out does not end it. An admin "
            "revokes it in Settings › API tokens (/settings/tokens)."
        )
    service.logout(db, principal)
    return Response(status_code=204)
