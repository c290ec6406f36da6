"""Portal login and logout (PRODUCT.md §8, §10): the password, the refusals, the throttle,
the second factor, and where a login may lead."""

from __future__ import annotations

import time
from typing import Any

import pyotp
from sqlalchemy import func, select

from carrierdesk.db import transaction
from carrierdesk.models import AuthSession
from portal.portal_helpers import PASSWORD, Portal, audit, contact_row
from support import login_form


def sessions_of(db_url: str, contact_id: int) -> int:
    with transaction(db_url) as session:
        stmt = select(func.count()).where(AuthSession.contact_id == contact_id)
        return int(session.scalar(stmt) or 0)


def test_every_page_needs_a_login(portal: Portal) -> None:
    for path in ("/portal/", "/portal/profile", "/portal/verification", "/portal/sip-users"):
        response = portal.get(path, follow_redirects=False)
        assert response.status_code == 303, path
        assert response.headers["location"].startswith("/portal/login?next=")
    assert portal.get("/portal", follow_redirects=False).headers["location"] == "/portal/"


def test_contact_logs_in_to_the_dashboard_and_out(
    portal: Portal, ann: dict[str, Any], db_url: str
) -> None:
    page = portal.login("ANN@acme.example", follow_redirects=False)
    assert page.status_code == 303 and page.headers["location"] == "/portal/"
    cookie = page.headers["set-cookie"]
    assert cookie.startswith("cd_portal=") and "Path=/portal/" in cookie and "HttpOnly" in cookie
    dashboard = portal.get("/portal/")
    assert "Acme Telecom" in dashboard.text and "Ann Lee" in dashboard.text
    assert portal.get("/portal/login").url.path == "/portal/"  # already logged in
    assert sessions_of(db_url, ann["id"]) == 1
    [login] = audit(db_url, "login", ann["id"])
    assert login.actor == "ann@acme.example" and login.ip

    out = portal.post("/portal/logout")
    assert out.url.path == "/portal/login" and "You have logged out." in out.text
    assert sessions_of(db_url, ann["id"]) == 0
    assert portal.get("/portal/").url.path == "/portal/login"


def test_wrong_password_and_unknown_email_get_the_same_answer(
    portal: Portal, ann: dict[str, Any], db_url: str
) -> None:
    wrong = portal.login(ann["email"], "Not-the-Passw0rd")
    unknown = portal.login("nobody@acme.example", "Not-the-Passw0rd")
    for response in (wrong, unknown):
        assert response.status_code == 401
        assert "Wrong email or password." in response.text
        assert "cd_portal" not in response.headers.get("set-cookie", "")
    assert sessions_of(db_url, ann["id"]) == 0
    failures = audit(db_url, "login_failed")
    assert [f.actor for f in failures] == ["ann@acme.example", "nobody@acme.example"]
    assert all(f.ip for f in failures)


def test_a_control_panel_user_cannot_log_in_to_the_portal(
    portal: Portal, admin_user: tuple[str, str], db_url: str
) -> None:
    email, password = admin_user
    response = portal.login(email, password)
    assert response.status_code == 401  # the portal knows only contacts: no such login here
    assert "Wrong email or password" in response.text
    with transaction(db_url) as session:
        assert session.scalar(select(func.count()).select_from(AuthSession)) == 0


def test_a_disabled_contact_is_refused_with_a_clear_message(
    portal: Portal, ann: dict[str, Any], operator: Any, db_url: str
) -> None:
    assert operator.patch(f"/contacts/{ann['id']}", {"enabled": False}).status_code == 200
    response = portal.login(ann["email"])
    assert response.status_code == 403
    assert "This login is disabled" in response.text
    assert sessions_of(db_url, ann["id"]) == 0


def test_after_max_failures_even_the_right_password_gets_429(
    portal: Portal, ann: dict[str, Any], admin: Any, db_url: str
) -> None:
    assert admin.patch("/settings/options", {"max_auth_failures": 3}).status_code == 200
    for _ in range(3):
        assert portal.login(ann["email"], "Wrong-Passw0rd!").status_code == 401
    blocked = portal.login(ann["email"])
    assert blocked.status_code == 429
    assert "Too many failed logins" in blocked.text
    assert int(blocked.headers["retry-after"]) > 0
    assert sessions_of(db_url, ann["id"]) == 0


def test_next_leads_back_into_the_portal_only(portal: Portal, ann: dict[str, Any]) -> None:
    asked = portal.get("/portal/profile")
    assert asked.url.path == "/portal/login" and 'value="/portal/profile"' in asked.text
    for target, landing in (
        ("/portal/profile", "/portal/profile"),
        ("https://evil.example/portal/", "/portal/"),
        ("//evil.example/portal/", "/portal/"),
        ("/customers", "/portal/"),
    ):
        form = {"email": ann["email"], "password": PASSWORD, "next": target}
        form.update(login_form(portal.client, "/portal/login"))
        response = portal.post("/portal/login", form, csrf=False, follow_redirects=False)
        assert response.headers["location"] == landing, target


def enrol_totp(portal: Portal) -> tuple[str, list[str]]:
    """Turn TOTP on through My Profile; (secret, recovery codes)."""
    page = portal.post("/portal/profile/totp")
    assert page.url.fragment == "two-factor"
    secret = page.text.split('class="totp-secret fs-6">', 1)[1].split("<", 1)[0]
    confirmed = portal.post("/portal/profile/totp/confirm", {"code": pyotp.TOTP(secret).now()})
    assert confirmed.status_code == 200, confirmed.text
    codes = confirmed.text.split('recovery-codes row row-cols-2">', 1)[1].split("</ul>", 1)[0]
    return secret, [c.split("</li>")[0] for c in codes.split('<li class="col">')[1:]]


def test_with_totp_the_login_asks_for_the_code(
    ann_portal: Portal, ann: dict[str, Any], db_url: str
) -> None:
    secret, recovery = enrol_totp(ann_portal)
    assert len(recovery) == 10
    ann_portal.post("/portal/logout")

    second = ann_portal.login(ann["email"])
    assert second.status_code == 200 and "Two-factor authentication" in second.text
    assert sessions_of(db_url, ann["id"]) == 0
    challenge = second.text.split('name="challenge" value="', 1)[1].split('"', 1)[0]
    wrong = ann_portal.post("/portal/login/2fa", {"challenge": challenge, "code": "000000"})
    assert wrong.status_code == 401 and "Wrong or expired two-factor code." in wrong.text
    # The step after the enrolment's (a code already used is refused: no replay).
    code = pyotp.TOTP(secret).at(time.time() + 30)
    right = ann_portal.post("/portal/login/2fa", {"challenge": challenge, "code": code})
    assert right.url.path == "/portal/" and "Acme Telecom" in right.text
    assert sessions_of(db_url, ann["id"]) == 1

    ann_portal.post("/portal/logout")
    again = ann_portal.login(ann["email"])
    challenge = again.text.split('name="challenge" value="', 1)[1].split('"', 1)[0]
    by_recovery = ann_portal.post(
        "/portal/login/2fa", {"challenge": challenge, "code": recovery[0]}
    )
    assert by_recovery.url.path == "/portal/"
    assert len(contact_row(db_url, ann["id"])["recovery_codes"]) == 9  # used up
