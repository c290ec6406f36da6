"""IP authentication entries (PRODUCT.md §4)."""

from __future__ import annotations

from typing import Any

import pytest
from sqlalchemy import func, select

from carrierdesk.db import transaction
from carrierdesk.models import AuditEntry, IpAuth
from support import problem_fields


def stored(db_url: str) -> int:
    with transaction(db_url) as session:
        return session.scalar(select(func.count(IpAuth.id))) or 0


def test_create_normalises_and_lists(operator: Any, acme: int) -> None:
    body = {
        "ip": " 192.0.2.77/24 ",
        "receives_calls": True,
        "sends_calls": False,
        "channels": 30,
        "cps": 10,
        "protocol": "TCP",
        "port": 5080,
        "tech_prefix": "123#",
    }
    response = operator.post(f"/customers/{acme}/ip-auth", body)
    assert response.status_code == 201, response.text
    entry = response.json()
    assert entry["ip"] == "192.0.2.0/24"
    assert entry["protocol"] == "tcp" and entry["port"] == 5080
    assert entry["warnings"] == []
    v6 = operator.post(f"/customers/{acme}/ip-auth", {"ip": "2001:DB8::1/128"}).json()
    assert v6["ip"] == "2001:db8::1" and v6["port"] == 5060
    listed = operator.get(f"/customers/{acme}/ip-auth").json()
    assert listed["total"] == 2


@pytest.mark.parametrize(
    ("body", "field"),
    [
        ({"ip": "300.1.1.1"}, "ip"),
        ({"ip": "example.com"}, "ip"),
        ({"ip": "192.0.2.1", "port": 0}, "port"),
        ({"ip": "192.0.2.1", "port": 65536}, "port"),
        ({"ip": "192.0.2.1", "protocol": "sctp"}, "protocol"),
        ({"ip": "192.0.2.1", "tech_prefix": "12 34"}, "tech_prefix"),
        ({"ip": "192.0.2.1", "receives_calls": False, "sends_calls": False}, "receives_calls"),
        ({"ip": "192.0.2.1", "channels": -1}, "channels"),
        ({"port": 5060}, "ip"),
        ({"ip": "0.0.0.0/0"}, "ip"),
        ({"ip": "10.0.0.0/7"}, "ip"),
        ({"ip": "::/0"}, "ip"),
    ],
)
def test_bad_input_is_refused_and_nothing_is_stored(
    operator: Any, acme: int, db_url: str, body: dict[str, Any], field: str
) -> None:
    response = operator.post(f"/customers/{acme}/ip-auth", body)
    assert response.status_code == 422
    assert field in problem_fields(response)
    assert stored(db_url) == 0


def test_an_ip_already_covered_is_accepted_with_a_warning(
    operator: Any, acme: int, northwind: int, db_url: str
) -> None:
    assert operator.post(f"/customers/{acme}/ip-auth", {"ip": "198.51.100.0/24"}).is_success
    response = operator.post(f"/customers/{northwind}/ip-auth", {"ip": "198.51.100.20"})
    assert response.status_code == 201
    assert response.json()["warnings"] == [
        "198.51.100.20 is already covered by the IP authentication entry "
        "198.51.100.0/24 of Acme Telecom."
    ]
    fetched = operator.get(f"/ip-auth/{response.json()['id']}").json()
    assert fetched["warnings"] == response.json()["warnings"]
    unrelated = operator.post(f"/customers/{northwind}/ip-auth", {"ip": "198.51.101.1"})
    assert unrelated.json()["warnings"] == []
    assert stored(db_url) == 3


def test_update_and_delete_are_audited(operator: Any, acme: int, db_url: str) -> None:
    entry = operator.post(f"/customers/{acme}/ip-auth", {"ip": "203.0.113.5"}).json()
    path = f"/ip-auth/{entry['id']}"
    assert operator.patch(path, {"port": 0}).status_code == 422
    assert operator.patch(path, {"ip": None}).status_code == 422
    changed = operator.patch(path, {"ip": "203.0.113.6", "sends_calls": False})
    assert changed.status_code == 200
    assert changed.json()["ip"] == "203.0.113.6"
    assert operator.patch(path, {"receives_calls": False}).status_code == 422
    assert operator.get(path).json()["receives_calls"] is True
    assert operator.delete(path).status_code == 204
    assert stored(db_url) == 0
    with transaction(db_url) as session:
        actions = session.scalars(
            select(AuditEntry.action)
            .where(AuditEntry.table_name == "ip_auth")
            .order_by(AuditEntry.id)
        ).all()
    assert list(actions) == ["create", "update", "delete"]


def test_viewer_cannot_add(viewer: Any, acme: int, db_url: str) -> None:
    assert viewer.post(f"/customers/{acme}/ip-auth", {"ip": "192.0.2.1"}).status_code == 403
    assert stored(db_url) == 0
