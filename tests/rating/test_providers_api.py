"""Providers through the API (issue 13): the carriers the operator buys from, each with an
optional rate card (a CDR naming its provider gets its cost rated from it)."""

from __future__ import annotations

from typing import Any

import pytest

from fixtures.builders import contact_api, make_customer, make_rate_card
from fixtures.database import fingerprint
from support import Api, problem_fields

VOLATILE = {"api_tokens", "auth_sessions", "login_throttle", "alembic_version"}


def make_provider(api: Api, name: str = "BT Wholesale", **fields: Any) -> dict[str, Any]:
    response = api.post("/providers", {"name": name, **fields})
    assert response.status_code == 201, response.text
    return dict(response.json())


def test_create_read_list_update_delete(operator: Api, viewer: Api) -> None:
    card = make_rate_card(operator, "Buy USD", "USD")
    bt = make_provider(operator, " BT Wholesale ", rate_card_id=card)
    assert bt["name"] == "BT Wholesale" and bt["rate_card_id"] == card
    assert bt["created_at"].endswith("Z")
    make_provider(operator, "Arelion")
    assert viewer.get(f"/providers/{bt['id']}").json() == bt
    listed = viewer.get("/providers").json()
    assert listed["total"] == 2
    assert [p["name"] for p in listed["items"]] == ["Arelion", "BT Wholesale"]
    page = viewer.get("/providers", params={"limit": 1, "offset": 1}).json()
    assert [p["name"] for p in page["items"]] == ["BT Wholesale"] and page["total"] == 2
    renamed = operator.patch(f"/providers/{bt['id']}", {"name": "BT Global"})
    assert renamed.json()["name"] == "BT Global" and renamed.json()["rate_card_id"] == card
    cleared = operator.patch(f"/providers/{bt['id']}", {"rate_card_id": None})
    assert cleared.json()["rate_card_id"] is None
    assert operator.delete(f"/providers/{bt['id']}").status_code == 204
    assert operator.get(f"/providers/{bt['id']}").status_code == 404
    assert viewer.get("/providers").json()["total"] == 1


def test_a_provider_s_card_may_be_of_any_currency(operator: Api) -> None:
    eur = make_rate_card(operator, "Buy EUR", "EUR")
    usd = make_rate_card(operator, "Buy USD", "USD")
    provider = make_provider(operator, rate_card_id=eur)
    assert operator.patch(f"/providers/{provider['id']}", {"rate_card_id": usd}).status_code == 200


@pytest.mark.parametrize(
    ("body", "field", "message"),
    [
        ({"name": ""}, "name", "must not be empty"),
        ({"name": "x" * 101}, "name", "at most 100 characters"),
        ({}, "name", "is required"),
        ({"name": "BT\x01"}, "name", "control characters"),
        ({"name": "BT", "rate_card_id": 999}, "rate_card_id", "rate card 999 does not exist"),
        ({"name": "BT", "rate_card_id": 0}, "rate_card_id", "must be 1 or more"),
        ({"name": "BT", "rate_card_id": "one"}, "rate_card_id", "must be a whole number"),
        ({"name": "BT", "cost": 1}, "cost", "is not a field that can be set here"),
    ],
)
def test_bad_provider_input_is_named_and_nothing_is_stored(
    operator: Api, db_url: str, body: dict[str, Any], field: str, message: str
) -> None:
    before = fingerprint(db_url, VOLATILE)
    response = operator.post("/providers", body)
    assert response.status_code == 422, response.text
    assert message in problem_fields(response)[field]
    assert fingerprint(db_url, VOLATILE) == before


@pytest.mark.parametrize(
    ("body", "field", "message"),
    [
        ({"name": None}, "name", "cannot be empty"),
        ({"name": ""}, "name", "must not be empty"),
        ({"rate_card_id": 999}, "rate_card_id", "rate card 999 does not exist"),
    ],
)
def test_bad_provider_updates_are_named_and_change_nothing(
    operator: Api, db_url: str, body: dict[str, Any], field: str, message: str
) -> None:
    provider = make_provider(operator)
    before = fingerprint(db_url, VOLATILE)
    response = operator.patch(f"/providers/{provider['id']}", body)
    assert response.status_code == 422
    assert message in problem_fields(response)[field]
    assert fingerprint(db_url, VOLATILE) == before


def test_names_are_unique_whatever_their_case(operator: Api, db_url: str) -> None:
    make_provider(operator, "BT Wholesale")
    other = make_provider(operator, "Arelion")
    before = fingerprint(db_url, VOLATILE)
    response = operator.post("/providers", {"name": "bt wholesale"})
    assert response.status_code == 409
    assert problem_fields(response)["name"] == "is already used by another provider (BT Wholesale)"
    assert operator.patch(f"/providers/{other['id']}", {"name": "BT WHOLESALE"}).status_code == 409
    assert fingerprint(db_url, VOLATILE) == before
    # A provider and a rate card may share a name.
    assert (
        operator.post("/rate-cards", {"name": "BT Wholesale", "currency": "GBP"}).status_code == 201
    )


def test_changes_are_audited(operator: Api, admin: Api) -> None:
    card = make_rate_card(operator)
    provider = make_provider(operator)
    operator.patch(f"/providers/{provider['id']}", {"rate_card_id": card})
    operator.delete(f"/providers/{provider['id']}")
    entries = admin.get("/audit-log").json()["items"]
    mine = [e for e in entries if e["table"] == "providers"]
    assert [e["action"] for e in mine] == ["delete", "update", "create"]
    assert mine[1]["changes"] == {"rate_card_id": [None, card]}
    assert mine[0]["message"] == "Provider BT Wholesale deleted"


def test_unknown_ids_are_404(operator: Api) -> None:
    assert operator.get("/providers/999").json()["detail"] == "Provider 999 not found."
    assert operator.patch("/providers/999", {"name": "X"}).status_code == 404
    assert operator.delete("/providers/999").status_code == 404


def test_roles(operator: Api, viewer: Api, admin: Api, anonymous: Api, db_url: str) -> None:
    provider = make_provider(operator)
    contact = contact_api(operator, make_customer(operator), "ann@acme.example")
    assert anonymous.get("/providers").status_code == 401
    assert viewer.get("/providers").status_code == 200
    before = fingerprint(db_url, VOLATILE)
    assert viewer.post("/providers", {"name": "X"}).status_code == 403
    assert viewer.patch(f"/providers/{provider['id']}", {"name": "X"}).status_code == 403
    assert viewer.delete(f"/providers/{provider['id']}").status_code == 403
    for answer in (
        contact.get("/providers"),
        contact.get(f"/providers/{provider['id']}"),
        contact.post("/providers", {"name": "X"}),
        contact.patch(f"/providers/{provider['id']}", {"name": "X"}),
        contact.delete(f"/providers/{provider['id']}"),
    ):
        assert answer.status_code == 403
    assert fingerprint(db_url, VOLATILE) == before
    assert admin.patch(f"/providers/{provider['id']}", {"name": "By admin"}).status_code == 200
