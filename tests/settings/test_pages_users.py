"""Settings › Users (issue 14, item 9): a valid email, a new password set by an admin, disabling,
enabling and deleting a user, never the last enabled admin, and every step audited."""

from __future__ import annotations

import html
import re
from functools import partial
from typing import Any

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import select, update

from carrierdesk.app import create_app
from carrierdesk.auth import users
from carrierdesk.auth.principals import Principal
from carrierdesk.db import transaction
from carrierdesk.errors import Conflict
from carrierdesk.models import AuditEntry, AuthSession, User
from fixtures.builders import make_user
from fixtures.database import fingerprint
from fixtures.panel import Panel, field_errors, flashes
from fixtures.races import race
from support import PASSWORD, postgres_only

VOLATILE = {"auth_sessions", "api_tokens", "login_throttle", "alembic_version"}
NOC = "noc@carrier.example"


def user_id(db_url: str, email: str) -> int:
    with transaction(db_url) as session:
        return session.scalars(select(User.id).where(User.email == email)).one()


def user_row(db_url: str, email: str) -> User | None:
    with transaction(db_url) as session:
        user = session.scalars(select(User).where(User.email == email)).one_or_none()
        if user is not None:
            session.expunge(user)
        return user


def audited(db_url: str, action: str) -> list[AuditEntry]:
    with transaction(db_url) as session:
        found = list(session.scalars(select(AuditEntry).where(AuditEntry.action == action)))
        session.expunge_all()
        return found


def sessions_of(db_url: str, email: str) -> int:
    with transaction(db_url) as session:
        stmt = select(AuthSession).join(User, AuthSession.user_id == User.id)
        return len(list(session.scalars(stmt.where(User.email == email))))


def token_login(client: TestClient, email: str, password: str = PASSWORD) -> Any:
    return client.post("/api/v1/auth/token", json={"email": email, "password": password})


def new_password_shown(page: str) -> str:
    found = re.search(r'id="new-password">([^<]+)<', page)
    assert found, "no password shown"
    return html.unescape(found.group(1))


@pytest.fixture
def noc(db_url: str) -> Panel:
    """An operator NOC engineer, logged in to the Control Panel in a browser of their own."""
    make_user(db_url, NOC, "operator")
    return Panel(TestClient(create_app(db_url))).login(NOC)


def test_a_bad_email_is_refused_under_its_field_and_nothing_is_made(
    panel: Panel, db_url: str
) -> None:
    before = fingerprint(db_url, VOLATILE)
    answer = panel.post("/settings/users", {"email": "bad-email", "role": "viewer"})
    assert answer.status_code == 422
    assert field_errors(answer.text)["email"].startswith("is not a valid email address")
    assert 'value="bad-email"' in answer.text  # what was typed, to correct it
    assert fingerprint(db_url, VOLATILE) == before


def test_an_admin_sets_a_new_password_shown_once_and_their_sessions_end(
    panel: Panel, noc: Panel, client: TestClient, db_url: str
) -> None:
    bearer = token_login(client, NOC).json()["access_token"]
    page = panel.post(f"/settings/users/{user_id(db_url, NOC)}/password")
    assert page.status_code == 200
    password = new_password_shown(page.text)
    assert f"New password for <strong>{NOC}</strong>" in page.text
    assert password not in panel.get("/settings/users").text  # shown once
    assert noc.get("/customers").url.path == "/login"  # their browser session ended
    api = client.get("/api/v1/customers", headers={"Authorization": f"Bearer {bearer}"})
    assert api.status_code == 401  # and their API session
    assert token_login(client, NOC).status_code == 401  # the old password no longer works
    assert token_login(client, NOC, password).status_code == 200
    entry = audited(db_url, "password_reset")[-1]
    assert entry.actor == "boss@carrier.example" and NOC in entry.message
    assert password not in str(entry.changes) and password not in entry.message


def test_a_disabled_user_cannot_log_in_and_their_sessions_end(
    panel: Panel, noc: Panel, client: TestClient, db_url: str
) -> None:
    bearer = token_login(client, NOC).json()["access_token"]
    noc_id = user_id(db_url, NOC)
    page = panel.submit(f"/settings/users/{noc_id}", {"enabled": "off"})
    assert f"User {NOC} disabled; their sessions have ended." in flashes(page.text)
    row = re.search(rf'<tr data-user-id="{noc_id}">.*?</tr>', page.text, re.S)
    assert row and "bi-slash-circle" in row.group() and "disabled</span>" in row.group()
    assert sessions_of(db_url, NOC) == 0
    assert noc.get("/customers").url.path == "/login"
    api = client.get("/api/v1/customers", headers={"Authorization": f"Bearer {bearer}"})
    assert api.status_code == 401
    refused = token_login(client, NOC)
    assert refused.status_code == 403 and "disabled" in refused.json()["detail"]
    with pytest.raises(AssertionError):
        Panel(TestClient(create_app(db_url))).login(NOC)  # the Control Panel refuses too
    assert audited(db_url, "disable")[-1].changes == {"enabled": [True, False]}

    panel.submit(f"/settings/users/{noc_id}", {"enabled": "on"})
    assert token_login(client, NOC).status_code == 200
    assert audited(db_url, "enable")[-1].changes == {"enabled": [False, True]}


def test_an_admin_deletes_a_user_after_confirming(
    panel: Panel, noc: Panel, client: TestClient, db_url: str
) -> None:
    noc_id = user_id(db_url, NOC)
    confirm = panel.get(f"/settings/users/{noc_id}/delete")
    assert f"Delete {NOC}?" in confirm.text
    page = panel.submit(f"/settings/users/{noc_id}/delete")
    assert f"User {NOC} deleted." in flashes(page.text)
    assert user_row(db_url, NOC) is None and sessions_of(db_url, NOC) == 0
    assert noc.get("/customers").url.path == "/login"
    assert token_login(client, NOC).status_code == 401
    entry = audited(db_url, "delete")[-1]
    assert entry.table_name == "users" and entry.record_id == noc_id
    assert entry.changes["email"] == [NOC, None]


def test_the_last_enabled_admin_is_never_disabled_demoted_or_deleted(
    panel: Panel, db_url: str
) -> None:
    make_user(db_url, "second@carrier.example", "admin")
    second = user_id(db_url, "second@carrier.example")
    boss = user_id(db_url, "boss@carrier.example")
    assert panel.post(f"/settings/users/{second}", {"enabled": "off"}).status_code == 303
    # boss is the last enabled admin now (a disabled admin does not count)
    before = fingerprint(db_url, VOLATILE)
    cli = Principal("system", None, "cli", role="admin", via="cli")  # not boss: no self rule
    with transaction(db_url) as session:
        for change in ({"enabled": False}, {"role": "operator"}):
            with pytest.raises(Conflict, match="last enabled admin"):
                users.update_user(session, cli, boss, **change)  # type: ignore[arg-type]
        with pytest.raises(Conflict, match="last enabled admin"):
            users.delete_user(session, cli, boss)
        session.rollback()
    assert fingerprint(db_url, VOLATILE) == before
    page = panel.submit(f"/settings/users/{second}/delete")
    assert "User second@carrier.example deleted." in flashes(page.text)  # not the last one


def test_an_admin_cannot_disable_demote_delete_or_reset_themself(panel: Panel, db_url: str) -> None:
    boss = user_id(db_url, "boss@carrier.example")
    before = fingerprint(db_url, VOLATILE)
    for form in ({"enabled": "off"}, {"role": "viewer"}):
        page = panel.submit(f"/settings/users/{boss}", form)
        assert "You cannot disable yourself" in " ".join(flashes(page.text))
    page = panel.submit(f"/settings/users/{boss}/password")
    assert "Change your own password under My account" in " ".join(flashes(page.text))
    refused = panel.post(f"/settings/users/{boss}/delete")
    assert refused.status_code == 409 or refused.status_code == 422
    assert "You cannot delete yourself." in field_errors(refused.text)["_form"]
    assert fingerprint(db_url, VOLATILE) == before


def test_only_admins_manage_users(noc: Panel, db_url: str) -> None:
    make_user(db_url, "viewer@carrier.example", "viewer")
    target = user_id(db_url, "viewer@carrier.example")
    before = fingerprint(db_url, VOLATILE)
    for path in (f"/settings/users/{target}/password", f"/settings/users/{target}/delete"):
        assert noc.post(path).status_code == 403
    assert fingerprint(db_url, VOLATILE) == before


def disable_as(db_url: str, actor: Principal, target: int) -> str:
    with transaction(db_url) as session:
        return users.update_user(session, actor, target, enabled=False).email


@postgres_only
def test_two_admins_disabling_each_other_at_once_leave_one(db_url: str) -> None:
    for round_ in range(5):
        with transaction(db_url) as session:  # the race is between the only two admins
            session.execute(update(User).values(enabled=False))
        emails = [f"a{round_}@carrier.example", f"b{round_}@carrier.example"]
        for email in emails:
            make_user(db_url, email, "admin")
        first, second = (
            Principal("user", user_id(db_url, e), e, role="admin", via="web") for e in emails
        )
        assert first.id is not None and second.id is not None
        results = race(
            [
                partial(disable_as, db_url, first, second.id),
                partial(disable_as, db_url, second, first.id),
            ]
        )
        assert sorted(type(r).__name__ for r in results) == ["Conflict", "str"], results
        with transaction(db_url) as session:
            enabled = session.scalars(
                select(User.email).where(User.role == "admin", User.enabled.is_(True))
            ).all()
        assert len(enabled) == 1 and enabled[0] in emails
