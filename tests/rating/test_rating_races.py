"""Rate cards under concurrent changes, on PostgreSQL's real row locks: two uploads to one card
take turns (each whole, none lost), and a customer given a card while the card's currency
changes never ends up with a card of another currency."""

from __future__ import annotations

from datetime import UTC, datetime

from sqlalchemy import select

from carrierdesk.auth.principals import CLI
from carrierdesk.customers.schemas import CustomerUpdate
from carrierdesk.customers.service import update_customer
from carrierdesk.db import transaction
from carrierdesk.errors import AppError
from carrierdesk.models import Customer, RateCard
from carrierdesk.rating import service
from carrierdesk.rating.schemas import RateCardCreate, RateCardUpdate
from fixtures.builders import add_customer, deck
from fixtures.races import race
from support import postgres_only

NOW = datetime(2026, 12, 1, tzinfo=UTC)


def _card(url: str, currency: str = "EUR") -> int:
    with transaction(url) as session:
        return service.create_rate_card(
            session, CLI, RateCardCreate(name="Retail", currency=currency)
        ).id


def _upload(url: str, card: int, body: bytes) -> int:
    with transaction(url) as session:
        return service.put_rates(session, CLI, card, body, now=NOW)


@postgres_only
def test_two_uploads_to_one_card_take_turns(db_url: str) -> None:
    card = _card(db_url)
    first = deck(*(f"44{n:04d},UK,0.1,0,1,1,2026-01-01" for n in range(2000)))
    second = deck(*(f"44{n:04d},UK,0.2,0,1,1,2026-01-01" for n in range(1000, 3000)))
    results = race([lambda: _upload(db_url, card, first), lambda: _upload(db_url, card, second)])
    assert results == [2000, 2000]
    with transaction(db_url) as session:
        rows = service.deck_rows(session, [card])
    assert rows.height == 3000  # 44000..442999, each once
    assert rows["prefix"].n_unique() == 3000
    shared = rows.filter(rows["prefix"].is_in([f"44{n:04d}" for n in range(1000, 2000)]))
    assert shared["rate_micros"].n_unique() == 1  # one upload's values, not a mix


@postgres_only
def test_a_card_given_while_its_currency_changes_never_mismatches(db_url: str) -> None:
    card = _card(db_url, "EUR")
    with transaction(db_url) as session:
        customer = add_customer(session, "Acme", currency="EUR").id

    def give() -> object:
        with transaction(db_url) as session:
            return update_customer(session, CLI, customer, CustomerUpdate(rate_card_id=card))

    def move() -> object:
        with transaction(db_url) as session:
            return service.update_rate_card(session, CLI, card, RateCardUpdate(currency="USD"))

    results = race([give, move])
    refused = [r for r in results if isinstance(r, AppError)]
    assert len(refused) == 1, results
    with transaction(db_url) as session:
        found = session.get(Customer, customer)
        currency = session.scalar(select(RateCard.currency).where(RateCard.id == card))
        assert found is not None
        if found.rate_card_id is not None:
            assert currency == "EUR"
        else:
            assert currency == "USD"
