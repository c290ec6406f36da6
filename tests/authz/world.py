"""A small account for the authorization matrix: two customers with every kind of record, and
one login for each kind of principal. Built through the API, as an operator would."""

from __future__ import annotations

import shutil
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

from fastapi.testclient import TestClient

from carrierdesk.auth.principals import CLI
from carrierdesk.auth.service import create_api_token, start_session
from carrierdesk.db import get_engine, transaction
from carrierdesk.models import Contact, User
from fixtures import database
from fixtures.builders import add_user
from support import PASSWORD

PRINCIPALS = (
    "anonymous",
    "contact_a",
    "contact_b",
    "impersonation_a",
    "viewer",
    "operator",
    "admin",
)
# The API's principals also include a SIP server's API token (role switch): not a person, so it
# has no Control Panel or portal session and is not in the pages' matrix.
API_PRINCIPALS = (*PRINCIPALS, "switch")
# Tables whose rows a denied request may add without changing anything a person would see.
VOLATILE = {"audit_log", "auth_sessions", "login_throttle", "api_tokens", "alembic_version"}


@dataclass
class World:
    url: str
    template: Path
    tokens: dict[str, str] = field(default_factory=dict)
    cookies: dict[str, dict[str, str]] = field(default_factory=dict)
    csrf: dict[str, str] = field(default_factory=dict)
    ids: dict[str, Any] = field(default_factory=dict)

    def restore(self) -> None:
        """Put the database back as it was when the world was built."""
        get_engine(self.url).dispose()
        path = Path(self.url.removeprefix("sqlite:///"))
        for suffix in ("-wal", "-shm"):
            Path(f"{path}{suffix}").unlink(missing_ok=True)
        shutil.copyfile(self.template, path)

    def fingerprint(self) -> dict[str, list[tuple[Any, ...]]]:
        return database.fingerprint(self.url, skip=VOLATILE)


def build(client: TestClient, url: str, tmp: Path) -> World:
    with transaction(url) as session:
        for role in ("viewer", "operator", "admin"):
            add_user(session, f"{role}@carrier.example", role, PASSWORD)
    world = World(url=url, template=tmp / "template.db")
    for role in ("viewer", "operator", "admin"):
        world.tokens[role] = _login(client, f"{role}@carrier.example")
    admin = {"Authorization": f"Bearer {world.tokens['admin']}"}

    def call(method: str, path: str, body: Any = None, expect: int = 200) -> Any:
        response = client.request(method, f"/api/v1{path}", json=body, headers=admin)
        assert response.status_code == expect, (method, path, response.text)
        return response.json() if response.content else None

    call("PATCH", "/settings/options", {"number_range_start": 1000, "block_size": 100})
    ids = world.ids
    with transaction(url) as session:
        ids["api_token"] = create_api_token(session, CLI, "billing system", "viewer")[0].id
        world.tokens["switch"] = create_api_token(session, CLI, "freeswitch", "switch")[1]
    for key in ("a", "b", "c"):
        ids[key] = call(
            "POST",
            "/customers",
            {"name": f"Customer {key.upper()}", "invoice_schedule": "daily"},
            201,
        )["id"]
    for key, customer in (("a1", "a"), ("a2", "a"), ("b1", "b")):
        ids[key] = call(
            "POST",
            f"/customers/{ids[customer]}/contacts",
            {
                "name": f"Contact {key}",
                "email": f"{key}@example.com",
                "auto_generate_password": False,
                "password": PASSWORD,
            },
            201,
        )["id"]
    ids["block_used"] = call("POST", f"/customers/{ids['a']}/number-blocks", None, 201)["id"]
    ids["block_free"] = call("POST", f"/customers/{ids['a']}/number-blocks", None, 201)["id"]
    ids["sip_user"] = call("POST", f"/customers/{ids['a']}/sip-users", {"username": "1001"}, 201)[
        "id"
    ]
    ids["ip_auth"] = call("POST", f"/customers/{ids['a']}/ip-auth", {"ip": "198.51.100.7"}, 201)[
        "id"
    ]
    ids["room"] = call(
        "POST", f"/customers/{ids['a']}/conferences", {"name": "Standup", "extension": "1002"}, 201
    )["id"]
    ids["rate_card"] = call("POST", "/rate-cards", {"name": "Retail", "currency": "USD"}, 201)["id"]
    ids["rate_card_free"] = call("POST", "/rate-cards", {"name": "Spare", "currency": "USD"}, 201)[
        "id"
    ]
    call("PATCH", f"/customers/{ids['a']}", {"rate_card_id": ids["rate_card"]})
    ids["provider"] = call(
        "POST", "/providers", {"name": "BT Wholesale", "rate_card_id": ids["rate_card"]}, 201
    )["id"]
    day = (datetime.now(UTC) - timedelta(days=3)).replace(
        hour=10, minute=0, second=0, microsecond=0
    )
    ids["day"], ids["day2"] = day.date().isoformat(), (day - timedelta(days=1)).date().isoformat()
    call(
        "POST",
        "/cdrs",
        [
            cdr("seed-1", ids["a"], day),
            cdr("seed-2", ids["a"], day),
            cdr("seed-3", ids["a"], day - timedelta(days=1)),
        ],
    )
    call("POST", "/summary/refresh")
    invoices = call(
        "POST",
        f"/customers/{ids['a']}/invoices",
        {"timeframe": "daily", "period_starts": [ids["day"]]},
        201,
    )
    ids["invoice"] = invoices["items"][0]["id"]
    later = (datetime.now(UTC) + timedelta(days=1)).isoformat()
    ids["change"] = call(
        "PATCH", f"/contacts/{ids['a2']}", {"name": "Later", "apply_at": later}, 202
    )["id"]

    world.tokens["contact_a"] = _login(client, "a1@example.com")
    world.tokens["contact_b"] = _login(client, "b1@example.com")
    with transaction(url) as session:
        operator = session.query(User).filter_by(email_key="operator@carrier.example").one()
        contact = session.get(Contact, ids["a1"])
        assert contact is not None
        raw, _row = start_session(session, contact, "127.0.0.1", impersonator=operator)
    world.tokens["impersonation_a"] = raw
    get_engine(url).dispose()
    shutil.copyfile(Path(url.removeprefix("sqlite:///")), world.template)
    return world


def _login(client: TestClient, email: str) -> str:
    response = client.post("/api/v1/auth/token", json={"email": email, "password": PASSWORD})
    assert response.status_code == 200, response.text
    return str(response.json()["access_token"])


def cdr(call_id: str, customer_id: int, start: datetime) -> dict[str, Any]:
    answer = start + timedelta(seconds=5)
    return {
        "call_id": call_id,
        "customer_id": customer_id,
        "start_time": start.isoformat(),
        "answer_time": answer.isoformat(),
        "end_time": (answer + timedelta(seconds=60)).isoformat(),
        "duration": 60,
        "callee": "442071234567",
        "sip_code": 200,
        "charge": "0.120000",
        "cost": "0.050000",
    }
