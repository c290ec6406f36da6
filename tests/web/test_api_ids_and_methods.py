"""Every id of the API is bounded (1..2^31-1) and says so in the OpenAPI document: an id out
of range is a 422 naming the parameter, and changes nothing. Every API path answers OPTIONS
with the methods it takes, HEAD like its GET without the body, and an undeclared method with
405 and the same full `Allow` (Starlette alone named only the first route of a path)."""

from __future__ import annotations

import re
from collections import defaultdict
from typing import Any

import pytest

from authz.test_api_matrix import endpoints, template_of
from carrierdesk.web.http import MAX_ID, MAX_OFFSET
from fixtures import database
from fixtures.builders import make_customer
from support import Api, problem_fields

ORDER = ("GET", "HEAD", "POST", "PUT", "PATCH", "DELETE", "OPTIONS")
VOLATILE = {"api_tokens", "auth_sessions", "login_throttle", "alembic_version"}
BOUNDS = {"type": "integer", "minimum": 1, "maximum": MAX_ID}
OUT_OF_RANGE = {
    0: "must be 1 or more",
    MAX_ID + 1: f"must be {MAX_ID} or less",
}


def openapi(api: Api) -> dict[str, Any]:
    answer = api.get("/openapi.json")
    assert answer.status_code == 200
    return dict(answer.json())


def fingerprint(db_url: str) -> dict[str, list[tuple[Any, ...]]]:
    return database.fingerprint(db_url, skip=VOLATILE)


def test_openapi_states_the_bounds_of_every_id(anonymous: Api) -> None:
    paths = openapi(anonymous)["paths"]
    seen = {"path": 0, "query": 0}
    for path, operations in paths.items():
        for method, operation in operations.items():
            for parameter in operation.get("parameters", []):
                where, name, schema = parameter["in"], parameter["name"], parameter["schema"]
                if where == "path":
                    assert {k: schema.get(k) for k in BOUNDS} == BOUNDS, (method, path, name)
                    seen["path"] += 1
                elif where == "query" and name.endswith("_id"):
                    assert BOUNDS | {"type": "integer"} in [
                        {k: s.get(k) for k in BOUNDS} for s in schema["anyOf"]
                    ], (method, path, name)
                    seen["query"] += 1
    assert seen["path"] >= 40 and seen["query"] >= 6, seen


def _id_operations() -> list[tuple[str, str, Any]]:
    """(method, path template, body) of every operation of the authorization matrix whose
    path takes an id."""
    ids: dict[str, Any] = defaultdict(lambda: 1)
    ids.update(day="2026-10-05", day2="2026-10-04")
    found = []
    for method, path, _rule, body, _success, _owner in endpoints(ids):
        template = template_of(path, ids)
        if "{" in template:
            found.append((method, template, body))
    return found


@pytest.mark.parametrize("bad", sorted(OUT_OF_RANGE))
def test_an_out_of_range_path_id_is_422_naming_it(admin: Api, db_url: str, bad: int) -> None:
    operations = _id_operations()
    assert len(operations) >= 35
    before = fingerprint(db_url)
    wrong = []
    for method, template, body in operations:
        params = re.findall(r"\{(\w+)\}", template)
        url = "/api/v1" + re.sub(r"\{\w+\}", str(bad), template)
        headers = {"Authorization": f"Bearer {admin.token}"}
        if isinstance(body, bytes):  # a CSV file (a rate deck)
            headers["Content-Type"] = "text/csv"
            answer = admin.client.request(method, url, content=body, headers=headers)
        else:
            json = body if body is not None else ({} if method in ("POST", "PATCH") else None)
            answer = admin.client.request(method, url, json=json, headers=headers)
        if answer.status_code != 422 or problem_fields(answer) != {
            p: OUT_OF_RANGE[bad] for p in params
        }:
            wrong.append(f"{method} {template}: {answer.status_code} {answer.text[:200]}")
    assert wrong == []
    assert fingerprint(db_url) == before


@pytest.mark.parametrize("bad", sorted(OUT_OF_RANGE))
def test_an_out_of_range_id_filter_is_422_naming_it(admin: Api, bad: int) -> None:
    paths = openapi(admin)["paths"]
    filters = [
        (path, parameter["name"])
        for path, operations in paths.items()
        for parameter in operations.get("get", {}).get("parameters", [])
        if parameter["in"] == "query" and parameter["name"].endswith("_id")
    ]
    assert ("/invoices", "customer_id") in filters
    for path, name in filters:
        answer = admin.get(path, params={name: bad})
        assert answer.status_code == 422, (path, name, answer.text)
        assert answer.json() == {
            "type": "https://carrierdesk.dev/problems/invalid",
            "title": "Invalid field values",
            "status": 422,
            "detail": f"{name}: {OUT_OF_RANGE[bad]}",
            "errors": [{"field": name, "message": OUT_OF_RANGE[bad]}],
        }


def _allow(methods: set[str]) -> str:
    methods = methods | {"OPTIONS"} | ({"HEAD"} if "GET" in methods else set())
    return ", ".join(m for m in ORDER if m in methods)


def test_options_and_405_list_every_method_of_the_path(admin: Api, anonymous: Api) -> None:
    paths = openapi(admin)["paths"]
    assert _allow({"GET", "PATCH", "DELETE"}) == "GET, HEAD, PATCH, DELETE, OPTIONS"
    for template, operations in paths.items():
        path = re.sub(r"\{\w+\}", "1", template)
        allow = _allow({m.upper() for m in operations})
        for api in (admin, anonymous):  # OPTIONS needs no login: the document is public too
            options = api.client.options(f"/api/v1{path}", headers=api._headers(None))
            assert (options.status_code, options.headers.get("allow")) == (204, allow), template
            assert options.content == b""
        other = next(m for m in ("PUT", "DELETE", "PATCH", "POST") if m not in allow)
        refused = admin.client.request(other, f"/api/v1{path}", headers=admin._headers(None))
        assert refused.status_code == 405, (other, template)
        assert refused.headers["allow"] == allow, (other, template)
        assert refused.json() == {
            "type": "about:blank",
            "title": "Method not allowed",
            "status": 405,
            "detail": "Method Not Allowed",
        }


def test_head_answers_like_get_without_a_body(admin: Api, anonymous: Api) -> None:
    customer = make_customer(admin, "Acme Telecom")
    for api, path in (
        (admin, f"/customers/{customer}"),
        (admin, "/customers"),
        (admin, "/customers/4242"),
        (anonymous, "/health"),
        (anonymous, f"/customers/{customer}"),
    ):
        got = api.get(path)
        head = api.client.head(f"/api/v1{path}", headers=api._headers(None))
        assert head.status_code == got.status_code, path
        assert head.headers["content-type"] == got.headers["content-type"], path
        assert head.headers["content-length"] == str(len(got.content)), path
        assert head.content == b""
    refused = admin.client.head("/api/v1/auth/logout", headers=admin._headers(None))
    assert (refused.status_code, refused.headers["allow"]) == (405, "POST, OPTIONS")


def test_offset_is_bounded_by_what_the_databases_take(admin: Api) -> None:
    last = admin.get("/customers", params={"offset": MAX_OFFSET})
    assert last.status_code == 200 and last.json()["items"] == []
    beyond = admin.get("/customers", params={"offset": MAX_OFFSET + 1})
    assert beyond.status_code == 422
    assert problem_fields(beyond) == {"offset": f"must be {MAX_OFFSET} or less"}
    offset = next(
        p
        for p in openapi(admin)["paths"]["/customers"]["get"]["parameters"]
        if p["name"] == "offset"
    )
    assert offset["schema"]["maximum"] == MAX_OFFSET
