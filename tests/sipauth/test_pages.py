"""The Auth and Conferences tabs and the blocks panel, as the server renders them."""

from __future__ import annotations

from typing import Any

from fastapi.testclient import TestClient

from fixtures.builders import make_user
from support import PASSWORD, login_form


def logged_in(client: TestClient, db_url: str, role: str) -> TestClient:
    email = f"{role}@carrier.example"
    make_user(db_url, email, role, PASSWORD)
    response = client.post(
        "/login",
        data={"email": email, "password": PASSWORD, **login_form(client)},
        follow_redirects=False,
    )
    assert response.status_code == 303, response.text
    return client


def test_auth_and_conference_tabs_for_an_operator(
    client: TestClient, db_url: str, acme: int, set_blocks: Any, operator: Any
) -> None:
    logged_in(client, db_url, "operator")
    auth = client.get(f"/customers/{acme}/auth")
    assert auth.status_code == 200
    assert 'data-resource="sip-users"' in auth.text and 'data-resource="ip-auth"' in auth.text
    assert 'aria-label="Add SIP user"' in auth.text
    assert "any free name" in auth.text  # no block yet: any username
    assert "<script>" not in auth.text  # no inline scripts
    set_blocks(1000, 100)
    assert operator.post(f"/customers/{acme}/number-blocks").status_code == 201
    rooms = client.get(f"/customers/{acme}/conferences")
    assert rooms.status_code == 200
    assert 'data-resource="conferences"' in rooms.text
    assert "data-free-extensions" in rooms.text  # blocks: the free extensions are offered
    main = client.get(f"/customers/{acme}")
    assert "data-blocks-panel" in main.text and 'aria-label="Add number block"' in main.text


def test_a_viewer_sees_no_add_buttons(client: TestClient, db_url: str, acme: int) -> None:
    logged_in(client, db_url, "viewer")
    auth = client.get(f"/customers/{acme}/auth")
    assert auth.status_code == 200
    assert 'aria-label="Add SIP user"' not in auth.text
    assert "data-form" not in auth.text
    main = client.get(f"/customers/{acme}")
    assert 'aria-label="Add number block"' not in main.text


def test_pages_need_a_login_and_a_real_customer(client: TestClient, db_url: str, acme: int) -> None:
    response = client.get(f"/customers/{acme}/auth", follow_redirects=False)
    assert response.status_code == 303 and "/login" in response.headers["location"]
    logged_in(client, db_url, "admin")
    assert client.get("/customers/999/conferences").status_code == 404
