"""What the tests share besides fixtures: the API client helper, tokens, problem fields.

Test modules import these from here (`from support import Api`), never from conftest: the
test tree has several conftest.py files, and `import conftest` would find whichever came first.
"""

from __future__ import annotations

import os
from dataclasses import dataclass
from typing import Any

import pytest
from fastapi.testclient import TestClient

from carrierdesk.auth.principals import CLI
from carrierdesk.auth.service import create_api_token
from carrierdesk.db import transaction

PG_URL = os.environ.get("CARRIERDESK_TEST_POSTGRES_URL")
BACKENDS = ["sqlite", "postgres"] if PG_URL else ["sqlite"]
PASSWORD = "Str0ng!Passw0rd"


@dataclass
class Api:
    """An HTTP client of the API that sends one principal's bearer token."""

    client: TestClient
    token: str | None

    def _headers(self, extra: dict[str, str] | None) -> dict[str, str]:
        headers = {"Authorization": f"Bearer {self.token}"} if self.token else {}
        return {**headers, **(extra or {})}

    def get(self, path: str, **kw: Any) -> Any:
        return self.client.get(
            f"/api/v1{path}", headers=self._headers(kw.pop("headers", None)), **kw
        )

    def post(self, path: str, json: Any = None, **kw: Any) -> Any:
        return self.client.post(
            f"/api/v1{path}", json=json, headers=self._headers(kw.pop("headers", None)), **kw
        )

    def patch(self, path: str, json: Any = None, **kw: Any) -> Any:
        return self.client.patch(
            f"/api/v1{path}", json=json, headers=self._headers(kw.pop("headers", None)), **kw
        )

    def delete(self, path: str, **kw: Any) -> Any:
        return self.client.delete(
            f"/api/v1{path}", headers=self._headers(kw.pop("headers", None)), **kw
        )


def login_form(client: TestClient, path: str = "/login") -> dict[str, str]:
    """What a browser's login form sends besides the email and password: the login CSRF
    token that the login page gave it (as a cookie and in the form)."""
    client.get(path, follow_redirects=False)
    token = client.cookies.get("cd_login_form")
    assert token, f"{path} gave no login form token"
    return {"csrf_token": token}


def make_token(db_url: str, role: str) -> str:
    with transaction(db_url) as session:
        _token, raw = create_api_token(session, CLI, f"test {role}", role)
    return raw


def problem_fields(response: Any) -> dict[str, str]:
    """{field: message} of a problem+json answer."""
    assert response.headers["content-type"].startswith("application/problem+json"), response.text
    return {e["field"]: e["message"] for e in response.json().get("errors", [])}


# For a test that only means something on PostgreSQL (row locks, partitions): it runs there
# alone, rather than being collected and skipped on SQLite. Without PostgreSQL configured,
# pytest reports it as not run ("empty parameter set").
postgres_only = pytest.mark.parametrize("db_url", ["postgres"] if PG_URL else [], indirect=True)
