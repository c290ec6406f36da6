"""Class5 conference rooms (PRODUCT.md §4): their extensions follow the block rules."""

from __future__ import annotations

from typing import Any

import pytest
from sqlalchemy import func, select

from carrierdesk.db import transaction
from carrierdesk.models import AuditEntry, ConferenceRoom, Extension
from fixtures.records import SetBlocks
from support import problem_fields


def stored(db_url: str) -> tuple[int, int]:
    with transaction(db_url) as session:
        rooms = session.scalar(select(func.count(ConferenceRoom.id))) or 0
        extensions = session.scalar(select(func.count(Extension.id))) or 0
        return rooms, extensions


@pytest.fixture
def block(operator: Any, acme: int, set_blocks: SetBlocks) -> None:
    set_blocks(2000, 10)
    assert operator.post(f"/customers/{acme}/number-blocks").status_code == 201


def test_create_with_every_field(operator: Any, acme: int, block: None) -> None:
    body = {
        "name": "Weekly Board",
        "extension": "2001",
        "pin": "4321",
        "moderator_pin": "987654",
        "quality": "ultra_wide",
        "max_members": 12,
    }
    response = operator.post(f"/customers/{acme}/conferences", body)
    assert response.status_code == 201, response.text
    assert {k: response.json()[k] for k in body} == body
    defaults = operator.post(f"/customers/{acme}/conferences", {"name": "Ops", "extension": "2002"})
    assert defaults.json()["quality"] == "wide" and defaults.json()["max_members"] == 0
    assert operator.get(f"/customers/{acme}/conferences").json()["total"] == 2


@pytest.mark.parametrize(
    ("body", "field", "status"),
    [
        ({"name": "", "extension": "2001"}, "name", 422),
        ({"name": "Ops", "extension": "2001", "pin": "12"}, "pin", 422),
        ({"name": "Ops", "extension": "2001", "pin": "12ab"}, "pin", 422),
        (
            {"name": "Ops", "extension": "2001", "pin": "1234", "moderator_pin": "1234"},
            "moderator_pin",
            422,
        ),
        ({"name": "Ops", "extension": "2001", "quality": "hd"}, "quality", 422),
        ({"name": "Ops", "extension": "2001", "max_members": -1}, "max_members", 422),
        ({"name": "Ops", "extension": "3000"}, "extension", 422),
        ({"name": "Ops", "extension": "bad name"}, "extension", 422),
    ],
)
def test_bad_input_is_refused_and_nothing_is_stored(
    operator: Any,
    acme: int,
    block: None,
    db_url: str,
    body: dict[str, Any],
    field: str,
    status: int,
) -> None:
    response = operator.post(f"/customers/{acme}/conferences", body)
    assert response.status_code == status
    assert field in problem_fields(response)
    assert stored(db_url) == (0, 0)


def test_rooms_and_sip_users_share_the_namespace(
    operator: Any, acme: int, block: None, db_url: str
) -> None:
    assert operator.post(f"/customers/{acme}/conferences", {"name": "A", "extension": "2003"})
    response = operator.post(f"/customers/{acme}/sip-users", {"username": "2003"})
    assert response.status_code == 409
    assert response.json()["detail"] == "Duplicate User Detected"
    assert stored(db_url) == (1, 1)


def test_changing_the_extension_frees_the_old_one(
    operator: Any, acme: int, block: None, db_url: str
) -> None:
    room = operator.post(f"/customers/{acme}/conferences", {"name": "A", "extension": "2004"})
    other = operator.post(f"/customers/{acme}/sip-users", {"username": "2006"})
    path = f"/conferences/{room.json()['id']}"
    taken = operator.patch(path, {"extension": "2006"})
    assert taken.status_code == 409
    assert operator.patch(path, {"extension": "2999"}).status_code == 422
    assert operator.get(path).json()["extension"] == "2004"
    moved = operator.patch(path, {"extension": "2005", "name": "B", "pin": "5555"})
    assert moved.status_code == 200
    assert moved.json()["extension"] == "2005" and moved.json()["name"] == "B"
    free = operator.get(f"/customers/{acme}/extensions/free").json()["items"]
    assert "2004" in free and "2005" not in free and "2006" not in free
    assert operator.delete(path).status_code == 204
    assert operator.delete(f"/sip-users/{other.json()['id']}").status_code == 204
    assert stored(db_url) == (0, 0)


def test_contact_sees_only_its_own_customers_rooms(
    operator: Any, acme: int, northwind: int, block: None, client: Any
) -> None:
    room = operator.post(f"/customers/{acme}/conferences", {"name": "A", "extension": "2001"})
    contact = {
        "name": "Nina",
        "email": "nina@northwind.example",
        "auto_generate_password": False,
        "password": "Contact-Pass-26",
    }
    assert operator.post(f"/customers/{northwind}/contacts", contact).status_code == 201
    login = client.post(
        "/api/v1/auth/token", json={"email": contact["email"], "password": contact["password"]}
    )
    assert login.status_code == 200, login.text
    headers = {"Authorization": f"Bearer {login.json()['access_token']}"}
    assert (
        client.get(f"/api/v1/conferences/{room.json()['id']}", headers=headers).status_code == 404
    )
    assert client.get(f"/api/v1/customers/{acme}/conferences", headers=headers).status_code == 404
    own = client.get(f"/api/v1/customers/{northwind}/conferences", headers=headers)
    assert own.status_code == 200 and own.json()["total"] == 0
    body = {"name": "X", "extension": "x1"}
    denied = client.post(f"/api/v1/customers/{northwind}/conferences", json=body, headers=headers)
    assert denied.status_code == 403


def test_changes_are_audited_with_pins_masked(
    operator: Any, admin: Any, acme: int, block: None, db_url: str
) -> None:
    body = {"name": "Board", "extension": "2001", "pin": "246810", "moderator_pin": "135790"}
    room = operator.post(f"/customers/{acme}/conferences", body).json()
    operator.patch(f"/conferences/{room['id']}", {"extension": "2002", "pin": "864200"})
    operator.delete(f"/conferences/{room['id']}")
    with transaction(db_url) as session:
        entries = session.scalars(
            select(AuditEntry)
            .where(AuditEntry.table_name == "conference_rooms")
            .order_by(AuditEntry.id)
        ).all()
        assert [e.action for e in entries] == ["create", "update", "delete"]
        assert entries[1].changes["extension"] == ["2001", "2002"]
    log = admin.get("/audit-log", params={"customer_id": acme}).text
    for pin in ("246810", "135790", "864200"):
        assert pin not in log


def test_a_customer_with_a_room_or_ip_entry_cannot_be_deleted(
    operator: Any, acme: int, northwind: int, block: None
) -> None:
    operator.post(f"/customers/{acme}/conferences", {"name": "A", "extension": "2001"})
    operator.post(f"/customers/{northwind}/ip-auth", {"ip": "192.0.2.1"})
    refused = operator.delete(f"/customers/{acme}")
    assert refused.status_code == 409
    assert "1 conference rooms" in refused.json()["detail"]
    refused = operator.delete(f"/customers/{northwind}")
    assert refused.status_code == 409
    assert "1 IP authentication entries" in refused.json()["detail"]
    assert operator.get(f"/customers/{acme}").status_code == 200
