"""A customer's rate card (issue 13): `rate_card_id` on create, update and in every answer; the
card must be in the customer's currency, and neither currency may move away from the other."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from fixtures.builders import make_customer, make_rate_card
from fixtures.database import fingerprint
from support import Api, problem_fields

VOLATILE = {"api_tokens", "auth_sessions", "login_throttle", "alembic_version"}


def test_a_customer_gets_a_card_of_its_currency(operator: Api) -> None:
    card = make_rate_card(operator, "Retail EUR", "EUR")
    created = operator.post(
        "/customers", {"name": "Acme", "currency": "EUR", "rate_card_id": card}
    ).json()
    assert created["rate_card_id"] == card
    assert operator.get(f"/customers/{created['id']}").json()["rate_card_id"] == card
    assert operator.get("/customers").json()["items"][0]["rate_card_id"] == card
    plain = make_customer(operator, "Blue Harbour", currency="EUR")
    assert operator.get(f"/customers/{plain}").json()["rate_card_id"] is None
    given = operator.patch(f"/customers/{plain}", {"rate_card_id": card})
    assert given.status_code == 200 and given.json()["rate_card_id"] == card
    other = make_rate_card(operator, "Retail EUR 2", "EUR")
    moved = operator.patch(f"/customers/{plain}", {"rate_card_id": other})
    assert moved.json()["rate_card_id"] == other
    cleared = operator.patch(f"/customers/{plain}", {"rate_card_id": None})
    assert cleared.json()["rate_card_id"] is None


def test_a_card_of_another_currency_is_refused_naming_rate_card_id(
    operator: Api, db_url: str
) -> None:
    usd = make_rate_card(operator, "Retail USD", "USD")
    eur = make_rate_card(operator, "Retail EUR", "EUR")
    customer = make_customer(operator, "Acme", currency="EUR", rate_card_id=eur)
    before = fingerprint(db_url, VOLATILE)
    created = operator.post("/customers", {"name": "New", "currency": "EUR", "rate_card_id": usd})
    assert created.status_code == 422
    message = "rate card Retail USD is in USD; the customer bills in EUR"
    assert problem_fields(created) == {"rate_card_id": message}
    updated = operator.patch(f"/customers/{customer}", {"rate_card_id": usd, "name": "Renamed"})
    assert updated.status_code == 422
    assert problem_fields(updated) == {"rate_card_id": message}
    assert fingerprint(db_url, VOLATILE) == before
    assert operator.get(f"/customers/{customer}").json()["rate_card_id"] == eur


def test_an_unknown_or_invalid_card_is_refused_naming_rate_card_id(
    operator: Api, db_url: str
) -> None:
    customer = make_customer(operator)
    before = fingerprint(db_url, VOLATILE)
    for body, message in (
        ({"name": "New", "rate_card_id": 999}, "rate card 999 does not exist"),
        ({"name": "New", "rate_card_id": 0}, "must be 1 or more"),
        ({"name": "New", "rate_card_id": "x"}, "must be a whole number"),
    ):
        response = operator.post("/customers", body)
        assert response.status_code == 422
        assert message in problem_fields(response)["rate_card_id"]
    patched = operator.patch(f"/customers/{customer}", {"rate_card_id": 999})
    assert problem_fields(patched)["rate_card_id"] == "rate card 999 does not exist"
    assert fingerprint(db_url, VOLATILE) == before


def test_a_customer_with_a_card_keeps_its_currency(operator: Api, db_url: str) -> None:
    card = make_rate_card(operator, "Retail EUR", "EUR")
    customer = make_customer(operator, "Acme", currency="EUR", rate_card_id=card)
    before = fingerprint(db_url, VOLATILE)
    response = operator.patch(f"/customers/{customer}", {"currency": "USD"})
    assert response.status_code == 422
    assert "currency" in problem_fields(response)
    # nor can the card's currency move away from its customers'
    moved = operator.patch(f"/rate-cards/{card}", {"currency": "USD"})
    assert moved.status_code == 409 and "currency" in problem_fields(moved)
    assert fingerprint(db_url, VOLATILE) == before


def test_the_card_change_is_audited(operator: Api, admin: Api) -> None:
    card = make_rate_card(operator)
    customer = make_customer(operator, currency="EUR")
    operator.patch(f"/customers/{customer}", {"rate_card_id": card})
    entries = admin.get("/audit-log", params={"customer_id": customer}).json()["items"]
    update = next(e for e in entries if e["action"] == "update")
    assert update["changes"] == {"rate_card_id": [None, card]}


def test_a_delayed_card_change_is_checked_now_and_applied_later(operator: Api, db_url: str) -> None:
    usd = make_rate_card(operator, "Retail USD", "USD")
    eur = make_rate_card(operator, "Retail EUR", "EUR")
    customer = make_customer(operator, currency="EUR")
    later = (datetime.now(UTC) + timedelta(hours=2)).isoformat()
    before = fingerprint(db_url, VOLATILE)
    refused = operator.patch(f"/customers/{customer}", {"rate_card_id": usd, "apply_at": later})
    assert refused.status_code == 422 and "rate_card_id" in problem_fields(refused)
    assert fingerprint(db_url, VOLATILE) == before
    scheduled = operator.patch(f"/customers/{customer}", {"rate_card_id": eur, "apply_at": later})
    assert scheduled.status_code == 202, scheduled.text
    assert operator.get(f"/customers/{customer}").json()["rate_card_id"] is None
