"""What the rating engine reads (issue 13): `deck_rows` (every rate of the cards, exact
micro-units, µs since the epoch, sorted) and `rate_cards_version` (a new value after every
change rating depends on, the same value otherwise)."""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, datetime

import polars as pl
import pytest

from carrierdesk.db import transaction
from carrierdesk.rating.service import deck_rows, rate_cards_version
from fixtures.builders import deck, make_customer, make_rate_card, put_deck
from support import Api


def version(db_url: str) -> str:
    with transaction(db_url) as session:
        return rate_cards_version(session)


def frame(db_url: str, cards: list[int]) -> pl.DataFrame:
    with transaction(db_url) as session:
        return deck_rows(session, cards)


def us(text: str) -> int:
    moment = datetime.fromisoformat(text).astimezone(UTC)
    delta = moment - datetime(1970, 1, 1, tzinfo=UTC)
    return (delta.days * 86_400 + delta.seconds) * 1_000_000 + delta.microseconds


def test_deck_rows_are_exact_typed_and_sorted(operator: Api, db_url: str) -> None:
    retail = make_rate_card(operator, "Retail")
    other = make_rate_card(operator, "Other")
    unused = make_rate_card(operator, "Unused")
    body = deck(
        "447,UK Mobile,0.0123,0.01,30,6,2026-01-01T00:00:00.000001Z",
        "44,UK,999999999999.999999,0,1,1,2026-02-01",
        "44,UK,0.000001,0.5,0,3600,2026-01-01T01:00:00+01:00",
        "1,,1,0,60,60,1970-01-01",
    )
    assert put_deck(operator, retail, body).status_code == 200
    assert put_deck(operator, other, deck("33,France,0.07,0,1,1,2026-01-01")).status_code == 200
    assert put_deck(operator, unused, deck("99,X,1,0,1,1,2026-01-01")).status_code == 200
    rows = frame(db_url, [other, retail])
    assert rows.schema == pl.Schema(
        {
            "rate_card_id": pl.Int64,
            "prefix": pl.String,
            "destination": pl.String,
            "rate_micros": pl.Int64,
            "fee_micros": pl.Int64,
            "initial_increment": pl.Int64,
            "next_increment": pl.Int64,
            "effective_from": pl.Int64,
        }
    )
    assert rows.rows() == [
        (retail, "1", "", 1_000_000, 0, 60, 60, 0),
        (retail, "44", "UK", 1, 500_000, 0, 3600, us("2026-01-01T00:00:00Z")),
        (retail, "44", "UK", 999_999_999_999_999_999, 0, 1, 1, us("2026-02-01T00:00:00Z")),
        (retail, "447", "UK Mobile", 12_300, 10_000, 30, 6, us("2026-01-01T00:00:00.000001Z")),
        (other, "33", "France", 70_000, 0, 1, 1, us("2026-01-01T00:00:00Z")),
    ]
    assert rows["rate_card_id"].to_list() == sorted(rows["rate_card_id"].to_list())


def test_deck_rows_of_no_card_or_an_empty_one_is_an_empty_frame(operator: Api, db_url: str) -> None:
    empty = make_rate_card(operator)
    for cards in ([], [empty], [999]):
        rows = frame(db_url, cards)
        assert rows.is_empty() and rows.columns[0] == "rate_card_id"
        assert rows.schema["effective_from"] == pl.Int64


Change = Callable[[Api, dict[str, int]], object]


def _rename_card(api: Api, ids: dict[str, int]) -> object:
    return api.patch(f"/rate-cards/{ids['card']}", {"name": "Renamed"})


def _currency(api: Api, ids: dict[str, int]) -> object:
    return api.patch(f"/rate-cards/{ids['spare']}", {"currency": "USD"})


def _upload(api: Api, ids: dict[str, int]) -> object:
    return put_deck(api, ids["card"], deck("49,Germany,0.1,0,1,1,2026-01-01"))


def _same_upload(api: Api, ids: dict[str, int]) -> object:
    return put_deck(api, ids["card"], deck("44,UK,0.1,0,1,1,2026-01-01"))


def _new_card(api: Api, ids: dict[str, int]) -> object:
    return make_rate_card(api, "Brand new")


def _delete_card(api: Api, ids: dict[str, int]) -> object:
    return api.delete(f"/rate-cards/{ids['spare']}")


def _customer_card(api: Api, ids: dict[str, int]) -> object:
    return api.patch(f"/customers/{ids['customer']}", {"rate_card_id": ids["spare"]})


def _customer_no_card(api: Api, ids: dict[str, int]) -> object:
    return api.patch(f"/customers/{ids['customer']}", {"rate_card_id": None})


def _new_customer_with_card(api: Api, ids: dict[str, int]) -> object:
    return make_customer(api, "New", currency="EUR", rate_card_id=ids["card"])


def _delete_customer_with_card(api: Api, ids: dict[str, int]) -> object:
    return api.delete(f"/customers/{ids['customer']}")


def _provider_card(api: Api, ids: dict[str, int]) -> object:
    return api.patch(f"/providers/{ids['provider']}", {"rate_card_id": ids["card"]})


def _new_provider_with_card(api: Api, ids: dict[str, int]) -> object:
    return api.post("/providers", {"name": "Arelion", "rate_card_id": ids["card"]})


def _delete_provider_with_card(api: Api, ids: dict[str, int]) -> object:
    return api.delete(f"/providers/{ids['provider_with_card']}")


@pytest.fixture
def account(operator: Api) -> dict[str, int]:
    card = make_rate_card(operator, "Retail EUR")
    assert put_deck(operator, card, deck("44,UK,0.1,0,1,1,2026-01-01")).status_code == 200
    provider = operator.post("/providers", {"name": "BT"}).json()["id"]
    with_card = operator.post("/providers", {"name": "Colt", "rate_card_id": card}).json()["id"]
    return {
        "card": card,
        "spare": make_rate_card(operator, "Spare EUR"),
        "customer": make_customer(operator, "Acme", currency="EUR", rate_card_id=card),
        "provider": provider,
        "provider_with_card": with_card,
    }


@pytest.mark.parametrize(
    "change",
    [
        _rename_card,
        _currency,
        _upload,
        _same_upload,
        _new_card,
        _delete_card,
        _customer_card,
        _customer_no_card,
        _new_customer_with_card,
        _delete_customer_with_card,
        _provider_card,
        _new_provider_with_card,
        _delete_provider_with_card,
    ],
)
def test_the_version_changes_with_every_change_rating_depends_on(
    operator: Api, db_url: str, account: dict[str, int], change: Change
) -> None:
    before = version(db_url)
    result = change(operator, account)
    status = getattr(result, "status_code", 200)
    assert status < 300, getattr(result, "text", "")
    assert version(db_url) != before


def test_the_version_stays_for_reads_refusals_and_other_changes(
    operator: Api, viewer: Api, db_url: str, account: dict[str, int]
) -> None:
    before = version(db_url)
    assert viewer.get(f"/rate-cards/{account['card']}/rates.csv").status_code == 200
    assert viewer.get("/rate-cards").status_code == 200
    assert put_deck(operator, account["card"], deck("x,bad,1")).status_code == 422
    assert viewer.patch(f"/rate-cards/{account['card']}", {"name": "No"}).status_code == 403
    assert operator.delete(f"/rate-cards/{account['card']}").status_code == 409
    assert operator.patch(f"/customers/{account['customer']}", {"channels": 5}).status_code == 200
    assert operator.patch(f"/providers/{account['provider']}", {"name": "BT2"}).status_code == 200
    assert version(db_url) == before


def test_the_version_is_a_text_that_starts_at_zero(db_url: str) -> None:
    assert version(db_url) == "0"
