from __future__ import annotations

from datetime import datetime
from typing import Literal

from fastapi import APIRouter, Depends, Request, Response
from pydantic import BaseModel
from sqlalchemy.orm import Session

from carrierdesk.auth import service
from carrierdesk.auth.login import login
from carrierdesk.auth.principals import Principal
from carrierdesk.models import User
from carrierdesk.web.http import TransactionRoute, api_principal, client_ip, get_db
from carrierdesk.web.problems import responses

router = APIRouter(prefix="/auth", tags=["auth"], route_class=TransactionRoute)


class TokenRequest(BaseModel):
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


@router.post("/token", response_model=TokenOut, responses=responses(400, 401, 403, 422, 429))
def issue_token(body: TokenRequest, request: Request, db: Session = Depends(get_db)) -> TokenOut:
    ip = client_ip(request)
    who = login(db, body.email, body.password, ip, "api", code=body.totp)
    raw, row = service.start_session(db, who, ip)
    if isinstance(who, User):
        principal = PrincipalOut(kind="user", id=who.id, role=who.role)
    else:
        principal = PrincipalOut(kind="contact", id=who.id, customer_id=who.customer_id)
    return TokenOut(access_token=raw, expires_at=row.expires_at, principal=principal)


@router.post("/logout", status_code=204, responses=responses(401))
def logout(
    principal: Principal = Depends(api_principal), db: Session = Depends(get_db)
) -> Response:
    service.logout(db, principal)
    return Response(status_code=204)
