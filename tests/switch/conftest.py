"""Fixtures of the /api/v1/switch tests: a switch token, FreeSWITCH's side of the endpoint."""

from __future__ import annotations

import pytest
from fastapi.testclient import TestClient

from support import Api, make_token
from switch.switch_helpers import Switch


@pytest.fixture
def switch_token(db_url: str) -> str:
    return make_token(db_url, "switch")


@pytest.fixture
def switch(client: TestClient, switch_token: str) -> Switch:
    return Switch(client, switch_token)


@pytest.fixture
def switch_api(client: TestClient, switch_token: str) -> Api:
    """The switch token as an ordinary API client (for what it may not do)."""
    return Api(client, switch_token)
