"""POST /auth/logout ends a session token; an API token is not a session, so logging out with
one is refused (400) and the token keeps working: one caller of a shared integration token
must not cut off the others. Revoking it is an admin's act in Settings › API tokens."""

from __future__ import annotations

from typing import Any

from sqlalchemy import func, select

from carrierdesk.db import transaction
from carrierdesk.models import ApiToken, AuditEntry, AuthSession
from support import Api


def auth_state(db_url: str) -> dict[str, Any]:
    with transaction(db_url) as session:
        return {
            "tokens": [
                (t.name, t.revoked_at) for t in session.scalars(select(ApiToken).order_by("id"))
            ],
            "sessions": session.scalar(select(func.count()).select_from(AuthSession)),
            "audit": session.scalar(select(func.count()).select_from(AuditEntry)),
        }


def test_logout_with_an_api_token_is_refused_and_the_token_keeps_working(
    admin: Api, viewer: Api, db_url: str
) -> None:
    before = auth_state(db_url)
    for api in (admin, viewer):
        refused = api.post("/auth/logout")
        assert refused.status_code == 400
        assert refused.headers["content-type"] == "application/problem+json"
        assert refused.json() == {
            "type": "https://carrierdesk.dev/problems/bad_request",
            "title": "Bad request",
            "status": 400,
            "detail": "This is an API token, not a session: logging out does not end it. An "
            "admin revokes it in Settings › API tokens (/settings/tokens).",
        }
        assert api.get("/customers").status_code == 200
    after = auth_state(db_url)
    assert after == before
    assert all(revoked is None for _name, revoked in after["tokens"])


def test_logout_with_a_session_token_ends_the_session(
    anonymous: Api, admin_user: tuple[str, str], db_url: str
) -> None:
    email, password = admin_user
    login = anonymous.post("/auth/token", {"email": email, "password": password})
    assert login.status_code == 200, login.text
    me = Api(anonymous.client, login.json()["access_token"])
    assert me.get("/customers").status_code == 200
    assert auth_state(db_url)["sessions"] == 1

    out = me.post("/auth/logout")
    assert out.status_code == 204 and out.content == b""
    assert auth_state(db_url)["sessions"] == 0
    assert me.get("/customers").status_code == 401
    again = me.post("/auth/logout")
    assert again.status_code == 401
    assert again.json()["detail"] == "Log in, or send a valid bearer token."
    with transaction(db_url) as session:
        actions = session.scalars(select(AuditEntry.action).order_by(AuditEntry.id)).all()
    assert actions[-1] == "logout"
