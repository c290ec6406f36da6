"""Portal Login (PRODUCT.md §2): an operator opens the portal as a contact through a one-time
link; a banner says so on every page; everything is audited with both identities; the
contact's password, email and 2FA cannot be changed; End closes it."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from fastapi.testclient import TestClient
from sqlalchemy import func, select

from carrierdesk.db import transaction
from carrierdesk.models import AuthSession, OneTimeToken
from carrierdesk.models.base import utcnow
from fixtures.builders import make_user
from portal.portal_helpers import PASSWORD, Portal, audit, contact_row, link_in

OPERATOR = "olivia@carrier.example"
PAGES = ("/portal/", "/portal/profile", "/portal/verification", "/portal/sip-users")


def staff_token(client: TestClient, db_url: str, email: str, role: str) -> str:
    """A Control Panel user's session token (Portal Login is for people, not API tokens)."""
    make_user(db_url, email, role, PASSWORD)
    response = client.post("/api/v1/auth/token", json={"email": email, "password": PASSWORD})
    assert response.status_code == 200, response.text
    return str(response.json()["access_token"])


def portal_login_link(client: TestClient, token: str, contact_id: int) -> Any:
    headers = {"Authorization": f"Bearer {token}"}
    return client.post(f"/api/v1/contacts/{contact_id}/portal-login", headers=headers)


def impersonating(client: TestClient, db_url: str, contact_id: int) -> Portal:
    """An operator's new tab on the portal, opened by Portal Login as the contact."""
    link = portal_login_link(client, staff_token(client, db_url, OPERATOR, "operator"), contact_id)
    assert link.status_code == 200, link.text
    tab = Portal(client.app)
    opened = tab.get(link_in(link.json()["url"]))
    assert opened.status_code == 200 and opened.url.path == "/portal/", opened.text
    return tab


def test_the_banner_is_on_every_page(client: TestClient, ann: dict[str, Any], db_url: str) -> None:
    tab = impersonating(client, db_url, ann["id"])
    for path in PAGES:
        page = tab.get(path)
        assert page.status_code == 200, path
        banner = page.text.split('class="portal-login-banner', 1)[1].split("</div>", 1)[0]
        assert "Viewing as" in banner and ">Ann Lee<" in banner, path
        assert f">{OPERATOR}<" in banner and ">End</button>" in banner, path
        assert "Log out</button>" not in page.text  # End is the way out
    with transaction(db_url) as session:
        row = session.scalars(select(AuthSession).where(AuthSession.contact_id == ann["id"])).one()
        assert row.impersonator_id is not None
        assert row.expires_at - utcnow() <= timedelta(minutes=30)


def test_actions_are_audited_with_the_operator_as_actor_on_behalf_of_the_contact(
    client: TestClient, ann: dict[str, Any], admin: Any, db_url: str
) -> None:
    tab = impersonating(client, db_url, ann["id"])
    form = {"name": "Ann Lee-Smith", "phone": "", "mobile": "+44 7911 123456"}
    saved = tab.post("/portal/profile", form)
    assert "Your profile was saved." in saved.text
    assert contact_row(db_url, ann["id"])["name"] == "Ann Lee-Smith"
    [opened] = audit(db_url, "impersonate", ann["id"])
    assert opened.actor == OPERATOR
    entries = admin.get("/audit-log", params={"contact_id": ann["id"], "action": "update"})
    [update] = entries.json()["items"]
    assert update["actor"] == OPERATOR and update["on_behalf_of"] == ann["email"]
    assert update["changes"]["name"] == ["Ann Lee", "Ann Lee-Smith"]


def test_password_email_and_2fa_cannot_be_changed(
    client: TestClient, ann_portal: Portal, ann: dict[str, Any], db_url: str
) -> None:
    ann_portal.post("/portal/profile/totp")  # Ann's own enrolment, pending
    secret = contact_row(db_url, ann["id"])["totp_pending"]
    before = contact_row(db_url, ann["id"])
    tab = impersonating(client, db_url, ann["id"])

    page = tab.get("/portal/profile")
    assert "cannot be changed" in page.text and "<fieldset disabled>" in page.text
    assert secret not in page.text and "totp.svg" not in page.text
    assert tab.get("/portal/profile/totp.svg").status_code == 403
    attempts = {
        "/portal/profile/password": {
            "current_password": PASSWORD,
            "new_password": "Fresh!Passw0rd-27",
            "confirm_password": "Fresh!Passw0rd-27",
        },
        "/portal/profile/totp": {},
        "/portal/profile/totp/confirm": {"code": "123456"},
        "/portal/profile/totp/disable": {"password": PASSWORD},
    }
    for path, form in attempts.items():
        refused = tab.post(path, form)
        assert refused.status_code == 403, path
        assert "Portal Login cannot change the contact" in refused.text, path
    forged = {"name": "Ann Lee", "email": "mallory@evil.example", "mobile": "+44 7911 123456"}
    assert tab.post("/portal/profile", forged).status_code == 200
    after = contact_row(db_url, ann["id"])
    for field in ("password_hash", "email", "email_key", "totp_secret", "totp_pending"):
        assert after[field] == before[field], field
    assert audit(db_url, "password_change") == []


def test_the_link_works_once_and_for_60_seconds(
    client: TestClient, ann: dict[str, Any], db_url: str
) -> None:
    token = staff_token(client, db_url, OPERATOR, "operator")
    path = (
        "/portal/" + portal_login_link(client, token, ann["id"]).json()["url"].split("/portal/")[1]
    )
    assert Portal(client.app).get(path).url.path == "/portal/"
    reused = Portal(client.app).get(path)
    assert reused.status_code == 401 and "expired or was already used" in reused.text

    path = (
        "/portal/" + portal_login_link(client, token, ann["id"]).json()["url"].split("/portal/")[1]
    )
    with transaction(db_url) as session:
        link = session.scalars(
            select(OneTimeToken).where(
                OneTimeToken.purpose == "portal_login", OneTimeToken.used_at.is_(None)
            )
        ).one()
        assert link.expires_at - utcnow() <= timedelta(seconds=60)
        link.expires_at = utcnow() - timedelta(seconds=1)
    assert Portal(client.app).get(path).status_code == 401


def test_end_closes_the_portal_login(client: TestClient, ann: dict[str, Any], db_url: str) -> None:
    tab = impersonating(client, db_url, ann["id"])
    ended = tab.post("/portal/logout")
    assert ended.url.path == "/portal/login" and "Portal Login ended." in ended.text
    with transaction(db_url) as session:
        assert (
            session.scalar(
                select(func.count())
                .select_from(AuthSession)
                .where(AuthSession.contact_id == ann["id"])
            )
            == 0
        )
    assert tab.get("/portal/").url.path == "/portal/login"
    [logout] = audit(db_url, "logout")
    assert logout.actor == OPERATOR and logout.on_behalf_of == ann["email"]


def test_viewers_contacts_and_api_tokens_cannot_open_a_portal_login(
    client: TestClient, ann: dict[str, Any], operator: Any, db_url: str
) -> None:
    viewer = staff_token(client, db_url, "vic@carrier.example", "viewer")
    assert portal_login_link(client, viewer, ann["id"]).status_code == 403
    assert operator.post(f"/contacts/{ann['id']}/portal-login").status_code == 403
    contact = client.post("/api/v1/auth/token", json={"email": ann["email"], "password": PASSWORD})
    assert portal_login_link(client, contact.json()["access_token"], ann["id"]).status_code == 403
    with transaction(db_url) as session:
        stmt = select(func.count()).where(OneTimeToken.purpose == "portal_login")
        assert session.scalar(stmt) == 0
    assert audit(db_url, "impersonate") == []
