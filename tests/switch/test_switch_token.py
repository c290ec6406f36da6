"""The API token role `switch`: a SIP server's token. It may ask the switch endpoints and post
CDRs (issue 13: tests/cdrs/test_cdr_format_freeswitch_json.py), and nothing else; nobody else
may ask the switch endpoints; it is a role of API tokens only, not of Control Panel users."""

from __future__ import annotations

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import func, select

from carrierdesk.auth import users
from carrierdesk.auth.principals import CLI
from carrierdesk.auth.service import create_api_token, create_user, revoke_api_token
from carrierdesk.db import transaction
from carrierdesk.errors import Invalid
from carrierdesk.models import ApiToken, Cdr, Customer
from fixtures.builders import api_login, make_user
from fixtures.panel import Panel
from support import PASSWORD, Api, make_token
from switch.switch_helpers import Switch, basic, bearer, register_form

REALM = "carrierdesk.local"


@pytest.fixture
def sip_user(operator: Api, acme: int) -> None:
    body = {"username": "1001", "password": "Sip-Secret-2026"}
    assert operator.post(f"/customers/{acme}/sip-users", body).status_code == 201


def user_found(response: object) -> bool:
    assert getattr(response, "status_code", None) == 200, getattr(response, "text", response)
    return '<user id="1001">' in getattr(response, "text", "")


def test_the_switch_token_is_taken_as_a_bearer_token_or_as_basics_password(
    switch: Switch, switch_token: str, sip_user: None
) -> None:
    form = register_form("1001", REALM)
    for headers in (
        bearer(switch_token),
        basic(switch_token),  # what mod_xml_curl's gateway-credentials send
        basic(switch_token, user=""),
        basic(switch_token, user="any name at all"),
    ):
        assert user_found(switch.post(form, headers)), headers


@pytest.mark.parametrize("role", ["viewer", "operator", "admin"])
def test_no_other_role_may_ask_the_directory(
    switch: Switch, db_url: str, sip_user: None, role: str
) -> None:
    token = make_token(db_url, role)
    for headers in (bearer(token), basic(token)):
        response = switch.post(register_form("1001", REALM), headers)
        assert response.status_code == 403, response.text
        assert "role switch" in response.json()["detail"]


def test_a_persons_session_may_not_ask_the_directory_either(
    switch: Switch, client: TestClient, db_url: str, sip_user: None
) -> None:
    make_user(db_url, "boss@carrier.example", "admin")
    session = api_login(Api(client, None), "boss@carrier.example", PASSWORD).token
    assert session is not None
    response = switch.post(register_form("1001", REALM), bearer(session))
    assert response.status_code == 403, response.text


def test_without_a_valid_switch_token_the_answer_is_401(
    switch: Switch, switch_token: str, db_url: str, sip_user: None
) -> None:
    form = register_form("1001", REALM)
    for headers in (
        {},
        bearer("cdt_not-a-token"),
        basic("cdt_not-a-token"),
        basic(switch_token + "x"),
        {"Authorization": "Basic not-base64!"},
        {"Authorization": "Digest username=freeswitch"},
    ):
        assert switch.post(form, headers).status_code == 401, headers
    with transaction(db_url) as session:
        token = session.scalars(select(ApiToken).where(ApiToken.role == "switch")).one()
        revoke_api_token(session, CLI, token.id)
    assert switch.post(form).status_code == 401


def test_the_switch_tokens_use_is_recorded(switch: Switch, db_url: str, sip_user: None) -> None:
    user_found(switch.post(register_form("1001", REALM)))
    with transaction(db_url) as session:
        token = session.scalars(select(ApiToken).where(ApiToken.role == "switch")).one()
        assert token.last_used_at is not None


@pytest.mark.parametrize(
    ("method", "path", "body"),
    [
        ("GET", "/customers", None),
        ("GET", "/customers/{acme}", None),
        ("GET", "/customers/{acme}/sip-users", None),
        ("GET", "/contacts", None),
        ("GET", "/invoices", None),
        ("GET", "/audit-log", None),
        ("GET", "/settings/options", None),
        ("GET", "/me", None),
        ("POST", "/customers", {"name": "Switched"}),
    ],
)
def test_a_switch_token_may_do_nothing_else(
    switch_api: Api, acme: int, db_url: str, method: str, path: str, body: object
) -> None:
    response = switch_api.client.request(
        method,
        f"/api/v1{path.format(acme=acme)}",
        json=body,
        headers={"Authorization": f"Bearer {switch_api.token}"},
    )
    assert response.status_code == 403, response.text


def test_a_cdr_posted_with_a_switch_token_is_stored_and_nothing_else_changes(
    switch_api: Api, acme: int, db_url: str
) -> None:
    cdr = {
        "call_id": "switch-1",
        "customer_id": acme,
        "start_time": "2026-10-05T12:00:00Z",
        "answer_time": "2026-10-05T12:00:10Z",
        "end_time": "2026-10-05T12:01:10Z",
        "duration": 60,
        "callee": "+442079460958",
        "sip_code": 200,
        "charge": "0.012500",
        "cost": "0.010000",
    }
    response = switch_api.post("/cdrs", [cdr])
    assert response.status_code == 200, response.text
    assert response.json() == {"accepted": 1, "duplicates": 0, "rejected": []}
    with transaction(db_url) as session:
        assert session.scalar(select(func.count()).select_from(Cdr)) == 1
        assert session.scalar(select(func.count()).select_from(Customer)) == 1


def test_basic_authentication_is_for_the_switch_endpoints_only(
    client: TestClient, switch_token: str, db_url: str
) -> None:
    admin = make_token(db_url, "admin")
    for token in (switch_token, admin):
        answer = client.get("/api/v1/customers", headers=basic(token))
        assert answer.status_code == 401, answer.text


def test_a_switch_token_is_no_control_panel_session(client: TestClient, switch_token: str) -> None:
    client.cookies.set("cd_session", switch_token)
    answer = client.get("/customers", follow_redirects=False)
    assert answer.status_code == 303 and "/login" in answer.headers["location"]


def test_switch_is_a_role_of_api_tokens_and_not_of_users(db_url: str) -> None:
    with transaction(db_url) as session:
        token, _raw = create_api_token(session, CLI, "freeswitch", "switch")
        assert token.role == "switch"
        with pytest.raises(Invalid) as refused:
            create_user(session, CLI, "sip@carrier.example", "switch", PASSWORD)
        assert refused.value.errors[0].field == "role"
        user, _password = create_user(session, CLI, "noc@carrier.example", "viewer", PASSWORD)
        with pytest.raises(Invalid):
            users.update_user(session, CLI, user.id, role="switch")
        with pytest.raises(Invalid) as wrong:
            create_api_token(session, CLI, "x", "superuser")
        assert "switch" in wrong.value.errors[0].message


def test_the_token_form_offers_the_switch_role(panel: Panel, db_url: str) -> None:
    page = panel.get("/settings/tokens").text
    assert '<option value="switch">switch</option>' in page
    assert page.index('value="viewer"') < page.index('value="switch"')  # viewer stays default
    made = panel.post("/settings/tokens", {"name": "fs1 directory", "role": "switch"})
    assert made.status_code == 200, made.text[:500]
    with transaction(db_url) as session:
        token = session.scalars(select(ApiToken).where(ApiToken.name == "fs1 directory")).one()
        assert token.role == "switch"
