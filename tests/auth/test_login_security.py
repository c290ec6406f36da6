"""Login security of PRODUCT.md §8 and issue 6: throttling, whitelists, TOTP, tokens, headers."""

from __future__ import annotations

import html as html_module
import re
from datetime import UTC, datetime, timedelta
from typing import Any

import pyotp
import pytest
from fastapi.testclient import TestClient
from sqlalchemy import select, update

from carrierdesk.auth import totp
from carrierdesk.db import transaction
from carrierdesk.models import ApiToken, Contact, LoginThrottle, User
from carrierdesk.models.base import utcnow
from fixtures.builders import make_contact, make_customer
from support import PASSWORD, Api, login_form


def add_contact(api: Api, **fields: Any) -> dict:
    """Ann, with the typed password PASSWORD, the contact of a new customer."""
    return make_contact(api, make_customer(api, "Acme"), "Ann", password=PASSWORD, **fields)


def test_failures_are_throttled_then_blocked_with_retry_after(operator: Api, admin: Api) -> None:
    assert admin.patch("/settings/options", {"max_auth_failures": 3}).status_code == 200
    add_contact(operator)
    wrong = {"email": "ann@acme.example", "password": "Wrong!Passw0rd"}
    answers = [operator.post("/auth/token", wrong).status_code for _ in range(3)]
    assert answers == [401, 401, 401]
    blocked = operator.post("/auth/token", {"email": "ann@acme.example", "password": PASSWORD})
    assert blocked.status_code == 429  # even the right password, while blocked
    assert 1 <= int(blocked.headers["Retry-After"]) <= 15 * 60
    assert "Too many failed logins" in blocked.json()["detail"]
    failures = admin.get("/audit-log", params={"action": "login_failed"}).json()["total"]
    assert failures == 3


def test_unknown_email_is_throttled_exactly_like_a_real_one(anonymous: Api, admin: Api) -> None:
    admin.patch("/settings/options", {"max_auth_failures": 2})
    for _ in range(2):
        assert (
            anonymous.post("/auth/token", {"email": "ghost@x.example", "password": "x"}).status_code
            == 401
        )
    assert (
        anonymous.post("/auth/token", {"email": "ghost@x.example", "password": "x"}).status_code
        == 429
    )


def test_block_expires_and_a_success_clears_the_account(
    operator: Api, admin: Api, db_url: str
) -> None:
    admin.patch("/settings/options", {"max_auth_failures": 2})
    add_contact(operator)
    wrong = {"email": "ann@acme.example", "password": "Wrong!Passw0rd"}
    operator.post("/auth/token", wrong)
    operator.post("/auth/token", wrong)
    with transaction(db_url) as session:
        session.execute(
            update(LoginThrottle).values(
                blocked_until=utcnow() - timedelta(seconds=1),
                last_failure_at=utcnow() - timedelta(minutes=16),
            )
        )
    ok = operator.post("/auth/token", {"email": "ann@acme.example", "password": PASSWORD})
    assert ok.status_code == 200
    with transaction(db_url) as session:
        keys = set(session.scalars(select(LoginThrottle.key)))
    assert "account:ann@acme.example" not in keys  # cleared by the success
    assert any(k.startswith("ip:") for k in keys)  # the IP keeps its count


def test_ip_whitelist_is_enforced_at_login(operator: Api) -> None:
    add_contact(operator, ip_whitelist=["203.0.113.0/24"])
    response = operator.post("/auth/token", {"email": "ann@acme.example", "password": PASSWORD})
    assert response.status_code == 403
    assert "not allowed from your address (testclient)" in response.json()["detail"]


def test_ip_whitelist_admits_listed_addresses(client: TestClient, operator: Api) -> None:
    contact = add_contact(operator, ip_whitelist=["127.0.0.1"])
    local = TestClient(client.app, client=("127.0.0.1", 50000))
    response = local.post(
        "/api/v1/auth/token", json={"email": "ann@acme.example", "password": PASSWORD}
    )
    assert response.status_code == 200
    assert response.json()["principal"]["id"] == contact["id"]


def test_totp_login_for_contacts_over_the_api(operator: Api, db_url: str) -> None:
    contact = add_contact(operator)
    secret = totp.new_secret()
    with transaction(db_url) as session:
        session.get(Contact, contact["id"]).totp_secret = secret  # type: ignore[union-attr]
    creds = {"email": "ann@acme.example", "password": PASSWORD}
    needs = operator.post("/auth/token", creds)
    assert needs.status_code == 401 and "totp_required" in needs.json()["type"]
    wrong = operator.post("/auth/token", {**creds, "totp": "000000"})
    assert wrong.status_code == 401 and "totp_required" not in wrong.json()["type"]
    code = pyotp.TOTP(secret).now()
    assert operator.post("/auth/token", {**creds, "totp": code}).status_code == 200
    replay = operator.post("/auth/token", {**creds, "totp": code})
    assert replay.status_code == 401  # a code works once


def login_page(client: TestClient, email: str, password: str) -> str:
    response = client.post(
        "/login", data={"email": email, "password": password, **login_form(client)}
    )
    assert response.status_code == 200, response.text
    return response.text


def csrf(html: str) -> str:
    match = re.search(r'name="csrf-token" content="([^"]+)"', html)
    assert match
    return match.group(1)


def test_user_enrols_totp_and_must_use_it(client: TestClient, admin_user: tuple[str, str]) -> None:
    email, password = admin_user
    html = login_page(client, email, password)
    html = client.post("/account/totp/begin", data={"csrf_token": csrf(html)}).text
    secret = re.search(r'id="totp-secret">([A-Z2-7]+)<', html)
    assert secret, html
    qr = client.get("/account/totp.svg")
    assert qr.status_code == 200 and qr.headers["content-type"].startswith("image/svg+xml")
    bad = client.post("/account/totp/confirm", data={"csrf_token": csrf(html), "code": "123"})
    assert bad.status_code == 422 and "not the current code" in bad.text
    done = client.post(
        "/account/totp/confirm",
        data={"csrf_token": csrf(html), "code": pyotp.TOTP(secret.group(1)).now()},
    )
    assert str(done.url).endswith("/account#two-factor")  # POST/redirect/GET
    codes = re.findall(r"<li>([0-9a-f]{8}-[0-9a-f]{8})</li>", done.text)
    assert len(codes) == 10
    assert not re.findall(r"<li>[0-9a-f]{8}-", client.get("/account").text)  # shown once
    client.post("/logout", data={"csrf_token": csrf(done.text)})

    second = client.post(
        "/login", data={"email": email, "password": password, **login_form(client)}
    )
    assert "Two-factor authentication" in second.text and "/customers" not in str(second.url)
    challenge = re.search(r'name="challenge" value="([^"]+)"', second.text)
    assert challenge
    wrong = client.post("/login/2fa", data={"challenge": challenge.group(1), "code": "000000"})
    assert "Wrong or expired two-factor code" in wrong.text
    ok = client.post("/login/2fa", data={"challenge": challenge.group(1), "code": codes[0]})
    assert ok.url.path == "/customers"
    api = client.post(
        "/api/v1/auth/token", json={"email": email, "password": password, "totp": codes[0]}
    )
    assert api.status_code == 401  # a recovery code is used up once used


def test_totp_mandatory_for_admins(
    client: TestClient, admin_user: tuple[str, str], admin: Api
) -> None:
    email, password = admin_user
    assert admin.patch("/settings/options", {"totp_required_for_admins": True}).status_code == 200
    refused = client.post("/api/v1/auth/token", json={"email": email, "password": password})
    assert refused.status_code == 403 and "mandatory" in refused.json()["detail"]
    client.post("/login", data={"email": email, "password": password, **login_form(client)})
    page = client.get("/customers", follow_redirects=False)
    assert page.status_code == 303 and page.headers["location"] == "/account?enrol=1"
    assert client.get("/account?enrol=1").status_code == 200


def test_api_token_page_creates_shows_once_and_revokes(
    client: TestClient, admin_user: tuple[str, str], db_url: str
) -> None:
    html = login_page(client, *admin_user)
    created = client.post(
        "/settings/tokens",
        data={
            "csrf_token": csrf(html),
            "name": "billing system",
            "role": "viewer",
            "expires_on": (datetime.now(UTC) + timedelta(days=30)).date().isoformat(),
        },
    )
    token = re.search(r'id="new-token">(cdt_[^<]+)<', created.text)
    assert token
    bearer = {"Authorization": f"Bearer {token.group(1)}"}
    assert client.get("/api/v1/customers", headers=bearer).status_code == 200
    listing = client.get("/settings/tokens").text
    assert "billing system" in listing and token.group(1) not in listing
    with transaction(db_url) as session:
        stored = session.scalars(select(ApiToken).where(ApiToken.name == "billing system")).one()
        assert stored.last_used_at is not None and token.group(1) not in stored.token_hash
        token_id = stored.id
    client.post(f"/settings/tokens/{token_id}/revoke", data={"csrf_token": csrf(listing)})
    assert client.get("/api/v1/customers", headers=bearer).status_code == 401
    bad = client.post(
        "/settings/tokens", data={"csrf_token": csrf(listing), "name": "", "role": "root"}
    )
    assert bad.status_code == 422


def test_admin_creates_and_disables_users(
    client: TestClient, admin_user: tuple[str, str], db_url: str
) -> None:
    html = login_page(client, *admin_user)
    created = client.post(
        "/settings/users",
        data={"csrf_token": csrf(html), "email": "noc@carrier.example", "role": "viewer"},
    )
    password = re.search(r'id="new-password">([^<]+)<', created.text)
    assert password
    login = client.post(
        "/api/v1/auth/token",
        json={"email": "noc@carrier.example", "password": html_module.unescape(password.group(1))},
    )
    assert login.status_code == 200
    with transaction(db_url) as session:
        user = session.scalars(select(User).where(User.email == "noc@carrier.example")).one()
        user_id = user.id
    client.post(f"/settings/users/{user_id}", data={"csrf_token": csrf(html), "enabled": "off"})
    viewer = {"Authorization": f"Bearer {login.json()['access_token']}"}
    assert client.get("/api/v1/customers", headers=viewer).status_code == 401


def test_own_password_change_ends_other_sessions(
    client: TestClient, admin_user: tuple[str, str]
) -> None:
    email, password = admin_user
    other = client.post("/api/v1/auth/token", json={"email": email, "password": password})
    bearer = {"Authorization": f"Bearer {other.json()['access_token']}"}
    html = login_page(client, email, password)
    mismatch = client.post(
        "/account/password",
        data={
            "csrf_token": csrf(html),
            "current_password": password,
            "new_password": "N3w!Password",
            "confirm_password": "other",
        },
    )
    assert mismatch.status_code == 422
    assert client.get("/api/v1/customers", headers=bearer).status_code == 200
    done = client.post(
        "/account/password",
        data={
            "csrf_token": csrf(html),
            "current_password": password,
            "new_password": "N3w!Password",
            "confirm_password": "N3w!Password",
        },
    )
    assert done.status_code == 200 and "Password changed" in done.text
    assert client.get("/api/v1/customers", headers=bearer).status_code == 401
    assert client.get("/customers").status_code == 200  # this session goes on


@pytest.mark.parametrize("path", ["/login", "/api/v1/health"])
def test_security_headers(client: TestClient, path: str) -> None:
    response = client.get(path)
    csp = response.headers["Content-Security-Policy"]
    assert (
        "script-src 'self'" in csp
        and "'unsafe-inline'" not in csp.split("script-src")[1].split(";")[0]
    )
    assert response.headers["X-Frame-Options"] == "DENY"
    assert response.headers["Referrer-Policy"] == "same-origin"
    assert response.headers["X-Content-Type-Options"] == "nosniff"


def test_session_cookie_flags(client: TestClient, admin_user: tuple[str, str]) -> None:
    response = client.post(
        "/login",
        data={"email": admin_user[0], "password": admin_user[1], **login_form(client)},
        follow_redirects=False,
    )
    cookie = response.headers["set-cookie"].lower()
    assert "httponly" in cookie and "samesite=lax" in cookie
    assert "secure" not in cookie  # http base URL; https makes it Secure
