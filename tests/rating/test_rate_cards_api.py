"""Rate cards through the API (issue 13): create, read, list, rename, currency, delete; every
bad input named by field with nothing changed; staff only."""

from __future__ import annotations

from typing import Any

import pytest

from carrierdesk.models import Rate, RateCard
from fixtures.builders import contact_api, deck, make_customer, make_rate_card, put_deck
from fixtures.database import count, fingerprint
from support import Api, problem_fields

VOLATILE = {"api_tokens", "auth_sessions", "login_throttle", "alembic_version"}


def unchanged(db_url: str) -> Any:
    return fingerprint(db_url, VOLATILE)


def test_create_read_list_and_rename(operator: Api, viewer: Api) -> None:
    created = operator.post("/rate-cards", {"name": "  Retail EUR ", "currency": "eur"})
    assert created.status_code == 201, created.text
    card = created.json()
    assert card["name"] == "Retail EUR" and card["currency"] == "EUR"
    assert card["created_at"].endswith("Z")
    assert viewer.get(f"/rate-cards/{card['id']}").json() == card
    make_rate_card(operator, "Wholesale USD", "USD")
    listed = viewer.get("/rate-cards").json()
    assert listed["total"] == 2
    assert [c["name"] for c in listed["items"]] == ["Retail EUR", "Wholesale USD"]
    usd = viewer.get("/rate-cards", params={"currency": "usd"}).json()
    assert [c["name"] for c in usd["items"]] == ["Wholesale USD"]
    renamed = operator.patch(f"/rate-cards/{card['id']}", {"name": "Retail EU"})
    assert renamed.status_code == 200 and renamed.json()["name"] == "Retail EU"
    assert renamed.json()["currency"] == "EUR"


def test_paging(operator: Api) -> None:
    for n in range(5):
        make_rate_card(operator, f"Card {n}")
    page = operator.get("/rate-cards", params={"limit": 2, "offset": 2}).json()
    assert page["total"] == 5
    assert [c["name"] for c in page["items"]] == ["Card 2", "Card 3"]
    assert operator.get("/rate-cards", params={"limit": 501}).status_code == 422


@pytest.mark.parametrize(
    ("body", "field", "message"),
    [
        ({"name": "", "currency": "EUR"}, "name", "must not be empty"),
        ({"name": "x" * 101, "currency": "EUR"}, "name", "at most 100 characters"),
        ({"currency": "EUR"}, "name", "is required"),
        ({"name": "Retail", "currency": "XYZ"}, "currency", "ISO 4217"),
        ({"name": "Retail", "currency": "EURO"}, "currency", "ISO 4217"),
        ({"name": "Retail"}, "currency", "is required"),
        ({"name": "Retail\x00", "currency": "EUR"}, "name", "control characters"),
        (
            {"name": "Retail", "currency": "EUR", "colour": "red"},
            "colour",
            "is not a field that can be set here",
        ),
    ],
)
def test_bad_card_input_is_named_and_nothing_is_stored(
    operator: Api, db_url: str, body: dict[str, Any], field: str, message: str
) -> None:
    before = unchanged(db_url)
    response = operator.post("/rate-cards", body)
    assert response.status_code == 422, response.text
    assert message in problem_fields(response)[field]
    assert unchanged(db_url) == before


def test_names_are_unique_whatever_their_case(operator: Api, db_url: str) -> None:
    make_rate_card(operator, "Retail EUR")
    other = make_rate_card(operator, "Wholesale")
    before = unchanged(db_url)
    response = operator.post("/rate-cards", {"name": "retail eur", "currency": "USD"})
    assert response.status_code == 409
    assert problem_fields(response)["name"] == "is already used by another rate card (Retail EUR)"
    rename = operator.patch(f"/rate-cards/{other}", {"name": "RETAIL EUR"})
    assert rename.status_code == 409 and "name" in problem_fields(rename)
    assert unchanged(db_url) == before
    # A card may change the case of its own name.
    assert operator.patch(f"/rate-cards/{other}", {"name": "WHOLESALE"}).status_code == 200


@pytest.mark.parametrize(
    ("body", "field"),
    [({"name": None}, "name"), ({"currency": None}, "currency"), ({"currency": "ABC"}, "currency")],
)
def test_bad_updates_are_named_and_change_nothing(
    operator: Api, db_url: str, body: dict[str, Any], field: str
) -> None:
    card = make_rate_card(operator)
    before = unchanged(db_url)
    response = operator.patch(f"/rate-cards/{card}", body)
    assert response.status_code == 422
    assert field in problem_fields(response)
    assert unchanged(db_url) == before


def test_currency_changes_only_while_no_customer_uses_the_card(operator: Api, db_url: str) -> None:
    card = make_rate_card(operator, "Retail EUR", "EUR")
    assert operator.patch(f"/rate-cards/{card}", {"currency": "GBP"}).json()["currency"] == "GBP"
    assert operator.patch(f"/rate-cards/{card}", {"currency": "EUR"}).status_code == 200
    make_customer(operator, "Acme Telecom", currency="EUR", rate_card_id=card)
    before = unchanged(db_url)
    response = operator.patch(f"/rate-cards/{card}", {"currency": "USD", "name": "Retail USD"})
    assert response.status_code == 409
    assert problem_fields(response)["currency"] == "cannot change while customers in EUR use it"
    assert "customer Acme Telecom" in response.json()["detail"]
    assert unchanged(db_url) == before
    # The same currency (and any other change) is fine.
    same = operator.patch(f"/rate-cards/{card}", {"currency": "eur", "name": "Retail"})
    assert same.status_code == 200 and same.json()["name"] == "Retail"


def test_delete_is_refused_while_a_customer_or_a_provider_uses_the_card(
    operator: Api, db_url: str
) -> None:
    card = make_rate_card(operator)
    customer = make_customer(operator, "Acme Telecom", currency="EUR", rate_card_id=card)
    make_customer(operator, "Blue Harbour", currency="EUR", rate_card_id=card)
    provider = operator.post("/providers", {"name": "BT Wholesale", "rate_card_id": card}).json()
    before = unchanged(db_url)
    response = operator.delete(f"/rate-cards/{card}")
    assert response.status_code == 409
    detail = response.json()["detail"]
    assert "customer Acme Telecom (and 1 more)" in detail
    assert "provider BT Wholesale" in detail
    assert unchanged(db_url) == before
    for name in ("Acme Telecom", "Blue Harbour"):
        found = operator.get("/customers", params={"q": name}).json()["items"][0]
        assert (
            operator.patch(f"/customers/{found['id']}", {"rate_card_id": None}).status_code == 200
        )
    only_provider = operator.delete(f"/rate-cards/{card}")
    assert only_provider.status_code == 409
    assert "provider BT Wholesale" in only_provider.json()["detail"]
    assert "customer" not in only_provider.json()["detail"]
    patched = operator.patch(f"/providers/{provider['id']}", {"rate_card_id": None})
    assert patched.status_code == 200
    assert operator.delete(f"/rate-cards/{card}").status_code == 204
    assert operator.get(f"/rate-cards/{card}").status_code == 404
    assert operator.get(f"/customers/{customer}").json()["rate_card_id"] is None


def test_delete_takes_the_deck_with_the_card(operator: Api, db_url: str) -> None:
    card = make_rate_card(operator)
    keep = make_rate_card(operator, "Other")
    rows = ("44,UK,0.1,,,,2026-01-01", "33,France,0.2,,,,2026-01-01")
    assert put_deck(operator, card, deck(*rows)).status_code == 200
    assert put_deck(operator, keep, deck(*rows)).status_code == 200
    assert operator.delete(f"/rate-cards/{card}").status_code == 204
    assert count(db_url, Rate, Rate.rate_card_id == card) == 0
    assert count(db_url, Rate, Rate.rate_card_id == keep) == 2
    assert count(db_url, RateCard) == 1


def test_changes_are_audited(operator: Api, admin: Api) -> None:
    card = make_rate_card(operator)
    operator.patch(f"/rate-cards/{card}", {"name": "Retail EU"})
    operator.delete(f"/rate-cards/{card}")
    entries = admin.get("/audit-log").json()["items"]
    mine = [e for e in entries if e["table"] == "rate_cards" and e["record_id"] == card]
    actions = sorted(e["action"] for e in mine)
    assert actions == ["create", "delete", "update"]
    update = next(e for e in mine if e["action"] == "update")
    assert update["changes"] == {"name": ["Retail EUR", "Retail EU"]}
    assert update["actor"] == "token:test operator"


def test_unknown_ids_are_404(operator: Api) -> None:
    assert operator.get("/rate-cards/999").status_code == 404
    assert operator.get("/rate-cards/999").json()["detail"] == "Rate card 999 not found."
    assert operator.patch("/rate-cards/999", {"name": "X"}).status_code == 404
    assert operator.delete("/rate-cards/999").status_code == 404
    assert operator.get("/rate-cards/999/rates").status_code == 404
    assert operator.get("/rate-cards/999/rates.csv").status_code == 404
    assert put_deck(operator, 999, deck("44,UK,0.1")).status_code == 404
    assert operator.get("/rate-cards/0").status_code == 422


def test_roles(operator: Api, viewer: Api, admin: Api, anonymous: Api, db_url: str) -> None:
    card = make_rate_card(operator)
    customer = make_customer(operator)
    contact = contact_api(operator, customer, "ann@acme.example")
    assert anonymous.get("/rate-cards").status_code == 401
    assert viewer.get("/rate-cards").status_code == 200
    assert viewer.get(f"/rate-cards/{card}/rates").status_code == 200
    before = unchanged(db_url)
    assert viewer.post("/rate-cards", {"name": "X", "currency": "EUR"}).status_code == 403
    assert viewer.patch(f"/rate-cards/{card}", {"name": "X"}).status_code == 403
    assert viewer.delete(f"/rate-cards/{card}").status_code == 403
    assert put_deck(viewer, card, deck("44,UK,0.1")).status_code == 403
    for answer in (
        contact.get("/rate-cards"),
        contact.get(f"/rate-cards/{card}"),
        contact.get(f"/rate-cards/{card}/rates"),
        contact.get(f"/rate-cards/{card}/rates.csv"),
        contact.get("/rate-cards/999"),
        put_deck(contact, card, deck("44,UK,0.1")),
        contact.delete(f"/rate-cards/{card}"),
    ):
        assert answer.status_code == 403, answer.text
        assert answer.json()["detail"] == "This is not available to customer contacts."
    assert unchanged(db_url) == before
    assert admin.patch(f"/rate-cards/{card}", {"name": "By admin"}).status_code == 200
