"""The authorization matrix of the API: every endpoint, for anonymous, a contact of customer A,
a contact of customer B, an operator's Portal Login as A's contact, a viewer, an operator, an
admin and a SIP server's switch token. Each expected answer is asserted; a denied write changes
nothing."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import datetime
from typing import Any

import pytest
from fastapi.testclient import TestClient

from authz.world import API_PRINCIPALS, PASSWORD, PRINCIPALS, World, build, cdr
from carrierdesk.app import create_app
from carrierdesk.db import get_engine, get_sessionmaker
from carrierdesk.migrate import upgrade

pytestmark = pytest.mark.xdist_group("authz")
STAFF = ("viewer", "operator", "admin")
CONTACTS = ("contact_a", "contact_b", "impersonation_a")
# A body sent as bytes is a CSV file (a rate deck), not JSON.
DECK = b"prefix,destination,rate\n44,United Kingdom,0.05\n"


RERATE = {"from": "2026-10-01T00:00:00Z", "to": "2026-11-01T00:00:00Z"}
WEBHOOK = {"url": "https://93.184.215.14/hooks", "events": ["invoice.paid"]}  # a public address


def expected(rule: str, principal: str, success: int, owner: str) -> int:
    """The answer `principal` must get from an endpoint under `rule` (a record of `owner`)."""
    if rule == "public":
        return success
    if principal == "anonymous":
        return 401
    if principal == "switch":  # the switch endpoints and posting CDRs, and nothing else
        return {"switch": success, "logout": 400, "cdr_write": success}.get(rule, 403)
    own = owner == "a" and principal in ("contact_a", "impersonation_a")
    table: dict[str, dict[str, int]] = {
        "any": dict.fromkeys(PRINCIPALS, success),
        "logout": dict.fromkeys(PRINCIPALS, success),  # an API token is no session: 400
        "switch": dict.fromkeys(PRINCIPALS, 403),
        "staff_read": {**dict.fromkeys(CONTACTS, 403), **dict.fromkeys(STAFF, success)},
        "staff_write": {
            **dict.fromkeys(CONTACTS, 403),
            "viewer": 403,
            "operator": success,
            "admin": success,
        },
        "admin": {**dict.fromkeys(CONTACTS, 403), "viewer": 403, "operator": 403, "admin": success},
        # POST /cdrs: staff who write, and a SIP server's switch token (permissions.cdr_writer)
        "cdr_write": {
            **dict.fromkeys(CONTACTS, 403),
            "viewer": 403,
            "operator": success,
            "admin": success,
        },
        "customer_read": {
            **dict.fromkeys(CONTACTS, success if own else 404),
            "contact_b": 404,
            **dict.fromkeys(STAFF, success),
        },
        "customer_write": {
            **dict.fromkeys(CONTACTS, 403 if own else 404),
            "contact_b": 404,
            "viewer": 403,
            "operator": success,
            "admin": success,
        },
        "me": {**dict.fromkeys(CONTACTS, success), **dict.fromkeys(STAFF, 403)},
        "my_password": {
            "contact_a": success,
            "contact_b": success,
            "impersonation_a": 403,
            **dict.fromkeys(STAFF, 403),
        },
    }
    return table[rule][principal]


def endpoints(ids: dict[str, Any]) -> list[tuple[str, str, str, Any, int, str]]:
    """(method, path, rule, body, success status, owner) for every operation of the API."""
    a, c, day = ids["a"], ids["c"], ids["day"]
    new_cdr = cdr("matrix-1", a, datetime.fromisoformat(f"{day}T12:00:00+00:00"))
    return [
        ("GET", "/health", "public", None, 200, ""),
        (
            "POST",
            "/auth/token",
            "public",
            {"email": "a1@example.com", "password": PASSWORD},
            200,
            "",
        ),
        ("POST", "/auth/logout", "logout", None, 204, ""),
        ("GET", "/customers", "any", None, 200, ""),
        ("POST", "/customers", "staff_write", {"name": "New"}, 201, ""),
        ("GET", f"/customers/{a}", "customer_read", None, 200, "a"),
        ("PATCH", f"/customers/{a}", "customer_write", {"channels": 5}, 200, "a"),
        ("DELETE", f"/customers/{c}", "customer_write", None, 204, "c"),
        ("GET", f"/customers/{a}/contacts", "customer_read", None, 200, "a"),
        (
            "POST",
            f"/customers/{a}/contacts",
            "customer_write",
            {"name": "New", "email": "new@example.com"},
            201,
            "a",
        ),
        ("GET", "/contacts", "staff_read", None, 200, ""),
        ("GET", f"/contacts/{ids['a2']}", "customer_read", None, 200, "a"),
        ("PATCH", f"/contacts/{ids['a2']}", "customer_write", {"name": "X"}, 200, "a"),
        ("DELETE", f"/contacts/{ids['a2']}", "customer_write", None, 204, "a"),
        (
            "POST",
            f"/contacts/{ids['a2']}/password",
            "customer_write",
            {"auto_generate": True},
            204,
            "a",
        ),
        ("POST", f"/contacts/{ids['a2']}/portal-login", "customer_write", None, 200, "a"),
        ("GET", "/scheduled-changes", "staff_read", None, 200, ""),
        ("DELETE", f"/scheduled-changes/{ids['change']}", "staff_write", None, 204, ""),
        ("GET", "/audit-log", "staff_read", None, 200, ""),
        ("GET", "/outbox", "staff_read", None, 200, ""),
        ("POST", "/outbox/999999/reveal", "admin", None, 404, ""),  # admins only (issue 9)
        ("GET", "/settings/options", "staff_read", None, 200, ""),
        ("PATCH", "/settings/options", "admin", {"auto_logout_minutes": 30}, 200, ""),
        ("GET", "/webhooks", "admin", None, 200, ""),
        ("POST", "/webhooks", "admin", WEBHOOK, 201, ""),
        # admins only, asked before the lookup: others get 403 for an id that is not there
        ("GET", "/webhooks/999999", "admin", None, 404, ""),
        ("PATCH", "/webhooks/999999", "admin", {"enabled": False}, 404, ""),
        ("DELETE", "/webhooks/999999", "admin", None, 404, ""),
        ("POST", "/webhooks/999999/rotate-secret", "admin", None, 404, ""),
        ("GET", "/webhooks/999999/deliveries", "admin", None, 404, ""),
        ("POST", "/webhooks/999999/deliveries/999999/retry", "admin", None, 404, ""),
        ("POST", "/cdrs", "cdr_write", [new_cdr], 200, ""),
        ("POST", f"/customers/{a}/rerate", "staff_write", RERATE, 200, ""),
        ("GET", f"/customers/{a}/cdrs", "customer_read", None, 200, "a"),
        (
            "GET",
            f"/customers/{a}/cdrs.csv?timeframe=daily&period_start={day}",
            "customer_read",
            None,
            200,
            "a",
        ),
        ("GET", f"/customers/{a}/summary?timeframe=daily", "customer_read", None, 200, "a"),
        ("POST", "/summary/refresh", "staff_write", None, 200, ""),
        ("GET", f"/customers/{a}/invoices", "customer_read", None, 200, "a"),
        (
            "POST",
            f"/customers/{a}/invoices",
            "customer_write",
            {"timeframe": "daily", "period_starts": [ids["day2"]]},
            201,
            "a",
        ),
        ("POST", f"/customers/{a}/invoices/auto-generate", "customer_write", None, 200, "a"),
        ("GET", "/invoices", "any", None, 200, ""),
        ("GET", f"/invoices/{ids['invoice']}", "customer_read", None, 200, "a"),
        ("GET", f"/invoices/{ids['invoice']}/pdf", "customer_read", None, 200, "a"),
        # 409: the world's account has no seller details, so no e-invoice (nor a credit note)
        ("GET", f"/invoices/{ids['invoice']}/ubl", "customer_read", None, 409, "a"),
        ("GET", f"/invoices/{ids['invoice']}/credit-note/ubl", "customer_read", None, 409, "a"),
        (
            "POST",
            f"/invoices/{ids['invoice']}/void",
            "customer_write",
            {"reason": "test"},
            200,
            "a",
        ),
        ("POST", f"/invoices/{ids['invoice']}/mark-paid", "customer_write", None, 200, "a"),
        ("GET", f"/customers/{a}/number-blocks", "customer_read", None, 200, "a"),
        ("POST", f"/customers/{a}/number-blocks", "customer_write", None, 201, "a"),
        ("DELETE", f"/number-blocks/{ids['block_free']}", "customer_write", None, 204, "a"),
        ("GET", f"/customers/{a}/extensions/free", "customer_read", None, 200, "a"),
        ("GET", f"/customers/{a}/sip-users", "customer_read", None, 200, "a"),
        ("POST", f"/customers/{a}/sip-users", "customer_write", {"username": "1003"}, 201, "a"),
        ("GET", f"/sip-users/{ids['sip_user']}", "customer_read", None, 200, "a"),
        ("PATCH", f"/sip-users/{ids['sip_user']}", "customer_write", {"channels": 3}, 200, "a"),
        ("DELETE", f"/sip-users/{ids['sip_user']}", "customer_write", None, 204, "a"),
        ("POST", f"/sip-users/{ids['sip_user']}/password", "customer_write", {}, 200, "a"),
        ("GET", f"/customers/{a}/ip-auth", "customer_read", None, 200, "a"),
        ("POST", f"/customers/{a}/ip-auth", "customer_write", {"ip": "198.51.100.8"}, 201, "a"),
        ("GET", f"/ip-auth/{ids['ip_auth']}", "customer_read", None, 200, "a"),
        ("PATCH", f"/ip-auth/{ids['ip_auth']}", "customer_write", {"port": 5080}, 200, "a"),
        ("DELETE", f"/ip-auth/{ids['ip_auth']}", "customer_write", None, 204, "a"),
        ("GET", f"/customers/{a}/conferences", "customer_read", None, 200, "a"),
        (
            "POST",
            f"/customers/{a}/conferences",
            "customer_write",
            {"name": "Room 2", "extension": "1004"},
            201,
            "a",
        ),
        ("GET", f"/conferences/{ids['room']}", "customer_read", None, 200, "a"),
        ("PATCH", f"/conferences/{ids['room']}", "customer_write", {"max_members": 5}, 200, "a"),
        ("DELETE", f"/conferences/{ids['room']}", "customer_write", None, 204, "a"),
        ("GET", "/rate-cards", "staff_read", None, 200, ""),
        ("POST", "/rate-cards", "staff_write", {"name": "New", "currency": "EUR"}, 201, ""),
        ("GET", f"/rate-cards/{ids['rate_card']}", "staff_read", None, 200, ""),
        ("PATCH", f"/rate-cards/{ids['rate_card']}", "staff_write", {"name": "Renamed"}, 200, ""),
        ("DELETE", f"/rate-cards/{ids['rate_card_free']}", "staff_write", None, 204, ""),
        ("PUT", f"/rate-cards/{ids['rate_card']}/rates", "staff_write", DECK, 200, ""),
        ("GET", f"/rate-cards/{ids['rate_card']}/rates", "staff_read", None, 200, ""),
        ("GET", f"/rate-cards/{ids['rate_card']}/rates.csv", "staff_read", None, 200, ""),
        ("GET", "/providers", "staff_read", None, 200, ""),
        ("POST", "/providers", "staff_write", {"name": "Arelion"}, 201, ""),
        ("GET", f"/providers/{ids['provider']}", "staff_read", None, 200, ""),
        ("PATCH", f"/providers/{ids['provider']}", "staff_write", {"rate_card_id": None}, 200, ""),
        ("DELETE", f"/providers/{ids['provider']}", "staff_write", None, 204, ""),
        ("POST", "/switch/freeswitch/directory", "switch", None, 200, ""),
        ("GET", "/me", "me", None, 200, ""),
        ("PATCH", "/me", "me", {"name": "Renamed"}, 200, ""),
        (
            "POST",
            "/me/password",
            "my_password",
            {"current_password": PASSWORD, "new_password": "N3w!Passw0rd"},
            204,
            "",
        ),
    ]


@pytest.fixture(scope="module")
def world(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[TestClient, World]]:
    tmp = tmp_path_factory.mktemp("authz")
    url = f"sqlite:///{tmp / 'world.db'}"
    upgrade(url)
    with TestClient(create_app(url)) as client:
        yield client, build(client, url, tmp)
    get_engine(url).dispose()
    get_engine.cache_clear()
    get_sessionmaker.cache_clear()


def test_the_matrix_covers_every_api_operation(world: tuple[TestClient, World]) -> None:
    client, w = world
    documented = {
        (method.upper(), path)
        for path, operations in client.get("/api/v1/openapi.json").json()["paths"].items()
        for method in operations
    }
    covered = {(m, template_of(p, w.ids)) for m, p, *_ in endpoints(w.ids)}
    assert documented - covered == set(), "operations missing from the matrix"


def template_of(path: str, ids: dict[str, Any]) -> str:
    """The OpenAPI path template of a concrete path (ids back to their {names})."""
    names = {
        "customers": "customer_id",
        "contacts": "contact_id",
        "sip-users": "sip_user_id",
        "ip-auth": "entry_id",
        "conferences": "room_id",
        "invoices": "invoice_id",
        "number-blocks": "block_id",
        "scheduled-changes": "change_id",
        "outbox": "message_id",
        "rate-cards": "rate_card_id",
        "providers": "provider_id",
        "webhooks": "webhook_id",
        "deliveries": "delivery_id",
    }
    parts = path.split("?")[0].split("/")
    for i in range(1, len(parts)):
        if parts[i].isdigit() and parts[i - 1] in names:
            parts[i] = "{" + names[parts[i - 1]] + "}"
    return "/".join(parts)


@pytest.mark.parametrize("principal", API_PRINCIPALS)
def test_every_endpoint_answers_each_principal_as_expected(
    world: tuple[TestClient, World], principal: str
) -> None:
    client, w = world
    token = w.tokens.get(principal)
    headers = {"Authorization": f"Bearer {token}"} if token else {}
    wrong: list[str] = []
    for method, path, rule, body, success, owner in endpoints(w.ids):
        want = expected(rule, principal, success, owner)
        before = w.fingerprint() if method != "GET" and want >= 400 else None
        if isinstance(body, bytes):
            sent = {"content": body, "headers": {**headers, "Content-Type": "text/csv"}}
        else:
            sent = {"json": body, "headers": headers}
        response = client.request(method, f"/api/v1{path}", **sent)
        if response.status_code != want:
            wrong.append(
                f"{method} {path}: {response.status_code} (want {want}) {response.text[:160]}"
            )
        elif before is not None and w.fingerprint() != before:
            wrong.append(f"{method} {path}: refused with {want} but changed the database")
        if method != "GET":
            w.restore()
    assert wrong == []


@pytest.mark.parametrize(("principal", "customer"), [("contact_a", "a"), ("contact_b", "b")])
def test_lists_show_a_contact_only_its_own_customer(
    world: tuple[TestClient, World], principal: str, customer: str
) -> None:
    client, w = world
    headers = {"Authorization": f"Bearer {w.tokens[principal]}"}
    customers = client.get("/api/v1/customers", headers=headers).json()["items"]
    assert [c["id"] for c in customers] == [w.ids[customer]]
    invoices = client.get("/api/v1/invoices", headers=headers).json()["items"]
    assert {i["customer_id"] for i in invoices} <= {w.ids[customer]}
    assert bool(invoices) == (customer == "a")
