"""JSON nested too deeply (issue 9, gap 7): a 400 problem, never a 500 that resets the
connection, on the endpoint that parses its own body (POST /cdrs) and on the others."""

from __future__ import annotations

import http.client
import json
from urllib.parse import urlsplit

import pytest
from sqlalchemy import func, select

from carrierdesk.db import transaction
from carrierdesk.models import Cdr, Customer
from support import Api, make_token

DEPTH = 1000
DETAIL = "The JSON is nested too deeply: send flat objects and arrays."


def nested(depth: int, inner: str = "") -> bytes:
    return ("[" * depth + inner + "]" * depth).encode()


def rows(db_url: str, model: type) -> int:
    with transaction(db_url) as session:  # short: an open SQLite transaction blocks the API
        return int(session.scalar(select(func.count()).select_from(model)) or 0)


def assert_too_deep(answer: object) -> None:
    assert answer.status_code == 400, answer.text  # type: ignore[attr-defined]
    assert answer.headers["content-type"].startswith("application/problem+json")  # type: ignore[attr-defined]
    assert answer.json() == {  # type: ignore[attr-defined]
        "type": "https://carrierdesk.dev/problems/malformed",
        "title": "Malformed request",
        "status": 400,
        "detail": DETAIL,
    }


@pytest.mark.parametrize("depth", [DEPTH, 100_000])
def test_deep_json_to_post_cdrs_is_a_400_and_the_client_goes_on(
    operator: Api, db_url: str, depth: int
) -> None:
    headers = {"Content-Type": "application/json"}
    answer = operator.post("/cdrs", content=nested(depth), headers=headers)
    assert_too_deep(answer)
    assert rows(db_url, Cdr) == 0
    # the same client (the same keep-alive connection) is answered normally afterwards
    assert operator.post("/cdrs", []).json() == {"accepted": 0, "duplicates": 0, "rejected": []}
    assert operator.get("/health").json() == {"status": "ok", "database": "ok"}


def test_deep_json_inside_a_cdr_array_too(operator: Api, db_url: str) -> None:
    body = b'[{"call_id": ' + nested(DEPTH, "1") + b"}]"
    answer = operator.post("/cdrs", content=body, headers={"Content-Type": "application/json"})
    assert_too_deep(answer)
    assert rows(db_url, Cdr) == 0


def test_deep_json_to_an_endpoint_with_a_schema(operator: Api, db_url: str) -> None:
    body = b'{"name": ' + nested(DEPTH) + b"}"
    answer = operator.post("/customers", content=body, headers={"Content-Type": "application/json"})
    assert_too_deep(answer)
    assert rows(db_url, Customer) == 0
    assert operator.post("/customers", {"name": "Acme"}).status_code == 201
    assert rows(db_url, Customer) == 1


def test_nesting_json_can_parse_is_refused_by_field_not_by_stack(
    operator: Api, db_url: str
) -> None:
    """Just under json.loads' limit the body parses: the field says what is wrong with it."""
    body = b'{"name": ' + nested(400) + b"}"
    answer = operator.post("/customers", content=body, headers={"Content-Type": "application/json"})
    assert answer.status_code == 422, answer.text
    assert answer.json()["errors"] == [{"field": "name", "message": "must be text"}]
    assert rows(db_url, Customer) == 0


@pytest.mark.e2e
def test_deep_json_over_a_real_socket_keeps_the_connection(served_app: str, db_url: str) -> None:
    """The attack as a client sends it: a real server, one keep-alive TCP connection. The 400
    comes back on it, and the next request is answered on the same socket (nothing reset)."""
    address = urlsplit(served_app)
    auth = {"Authorization": f"Bearer {make_token(db_url, 'operator')}"}
    conn = http.client.HTTPConnection(address.hostname, address.port, timeout=10)
    try:
        conn.request("POST", "/api/v1/cdrs", body=nested(DEPTH), headers={
            **auth, "Content-Type": "application/json"})  # fmt: skip
        answer = conn.getresponse()
        body = json.loads(answer.read())
        assert (answer.status, body["detail"]) == (400, DETAIL)
        assert answer.getheader("connection") != "close"
        socket_used = conn.sock
        conn.request("GET", "/api/v1/health", headers=auth)
        health = conn.getresponse()
        assert (health.status, json.loads(health.read())["status"]) == (200, "ok")
        assert conn.sock is socket_used  # answered on the same connection
    finally:
        conn.close()
    assert rows(db_url, Cdr) == 0
