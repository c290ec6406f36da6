"""POST /auth/token and /auth/logout for users and contacts; the same answer for every failure."""

from __future__ import annotations

from fastapi.testclient import TestClient

from fixtures.builders import api_login, make_contact, make_customer
from support import PASSWORD, Api, login_form


def test_user_token_login_and_logout(anonymous: Api, admin_user: tuple[str, str]) -> None:
    email, password = admin_user
    response = anonymous.post("/auth/token", {"email": email.upper(), "password": password})
    assert response.status_code == 200
    body = response.json()
    assert body["token_type"] == "bearer" and body["expires_at"].endswith("Z")
    assert body["principal"]["kind"] == "user" and body["principal"]["role"] == "admin"
    me = Api(anonymous.client, body["access_token"])
    assert me.get("/customers").status_code == 200
    assert me.post("/auth/logout").status_code == 204
    assert me.get("/customers").status_code == 401


def test_unknown_email_and_wrong_password_get_the_same_answer(
    anonymous: Api, admin_user: tuple[str, str], admin: Api
) -> None:
    email, _password = admin_user
    wrong = anonymous.post("/auth/token", {"email": email, "password": "Wrong!Passw0rd"})
    unknown = anonymous.post("/auth/token", {"email": "ghost@x.example", "password": "x"})
    assert wrong.status_code == unknown.status_code == 401
    assert wrong.json() == unknown.json()
    failures = admin.get("/audit-log", params={"action": "login_failed"}).json()["items"]
    assert {f["actor"] for f in failures} == {email, "ghost@x.example"}
    assert all(f["ip"] for f in failures)


def test_disabled_contact_and_inactive_customer_cannot_log_in(operator: Api) -> None:
    acme = make_customer(operator, "Acme")
    ann = make_contact(operator, acme, "Ann", password=PASSWORD)
    creds = {"email": "ann@acme.example", "password": PASSWORD}
    assert operator.post("/auth/token", creds).status_code == 200
    operator.patch(f"/contacts/{ann['id']}", {"enabled": False})
    disabled = operator.post("/auth/token", creds)
    assert disabled.status_code == 403 and "disabled" in disabled.json()["detail"]
    # Only the right password learns why: a wrong one gets the usual answer.
    wrong = operator.post("/auth/token", {**creds, "password": "Wrong!Passw0rd"})
    assert wrong.status_code == 401 and "disabled" not in wrong.text
    operator.patch(f"/contacts/{ann['id']}", {"enabled": True})
    operator.patch(f"/customers/{acme}", {"status": "inactive"})
    inactive = operator.post("/auth/token", creds)
    assert inactive.status_code == 403 and "inactive" in inactive.json()["detail"]


def test_disabling_a_contact_ends_its_sessions(operator: Api) -> None:
    acme = make_customer(operator, "Acme")
    ann = make_contact(operator, acme, "Ann", password=PASSWORD)
    contact = api_login(operator, "ann@acme.example")
    assert contact.get(f"/customers/{acme}").status_code == 200
    operator.patch(f"/contacts/{ann['id']}", {"enabled": False})
    assert contact.get(f"/customers/{acme}").status_code == 401


def test_bad_token_and_malformed_body(anonymous: Api) -> None:
    assert Api(anonymous.client, "cdt_nope").get("/customers").status_code == 401
    assert Api(anonymous.client, "cds_nope").get("/customers").status_code == 401
    response = anonymous.post(
        "/auth/token", content=b"not json", headers={"Content-Type": "application/json"}
    )
    assert response.status_code == 400
    assert anonymous.post("/auth/token", {"email": "a@b.example"}).status_code == 422


def test_control_panel_cookie_reaches_the_api_with_csrf_header(
    client: TestClient, admin_user: tuple[str, str]
) -> None:
    email, password = admin_user
    client.post("/login", data={"email": email, "password": password, **login_form(client)})
    assert client.get("/api/v1/customers").status_code == 200
    refused = client.post("/api/v1/customers", json={"name": "Acme"})
    assert refused.status_code == 403
    assert client.get("/api/v1/customers").json()["total"] == 0
