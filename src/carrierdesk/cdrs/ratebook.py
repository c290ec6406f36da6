"""The rate book an import rates with (cdrs/rating.py): every customer's and provider's card,
the decks of those cards, and the customers' tech prefixes and currencies. Decks are cached
per database by the rating version (rating.service.rate_cards_version), so that POST /cdrs
does not read a 250,000-row deck on every request; the tech prefixes and currencies, short
lists, are read each time."""

from __future__ import annotations

import threading

import polars as pl
from sqlalchemy import inspect, select
from sqlalchemy.orm import Session

from carrierdesk.cdrs.rating import Deck, RatingBook
from carrierdesk.models import Customer, IpAuth, Provider, RateCard

_cache: dict[str, tuple[str, dict[int, int], dict[int, int], Deck]] = {}
_lock = threading.Lock()


def load_rating(session: Session) -> RatingBook | None:
    """None when no customer nor provider has a rate card (or before rate cards exist)."""
    if not inspect(session.connection()).has_table("rate_cards"):
        return None
    from carrierdesk.rating.service import rate_cards_version

    version = rate_cards_version(session)
    where = str(session.connection().engine.url)
    with _lock:
        cached = _cache.get(where)
    if cached is None or cached[0] != version:
        cached = (version, *_read(session))
        with _lock:
            _cache[where] = cached
    _version, cards, provider_cards, deck = cached
    if not cards and not provider_cards:
        return None
    currencies = {
        int(c): str(cur) for c, cur in session.execute(select(Customer.id, Customer.currency))
    }
    return RatingBook(deck, cards, _tech_prefixes(session), provider_cards, currencies)


def _read(session: Session) -> tuple[dict[int, int], dict[int, int], Deck]:
    from carrierdesk.rating.service import deck_rows

    def cards_of(owner: type[Customer] | type[Provider]) -> dict[int, int]:
        query = select(owner.id, owner.rate_card_id).where(owner.rate_card_id.is_not(None))
        return {int(o): int(card) for o, card in session.execute(query) if card is not None}

    cards, provider_cards = cards_of(Customer), cards_of(Provider)
    known = session.execute(select(RateCard.id, RateCard.name, RateCard.currency)).all()
    names = {int(i): str(n) for i, n, _c in known}
    currencies = {int(i): str(c) for i, _n, c in known}
    used = sorted(set(cards.values()) | set(provider_cards.values()))
    return cards, provider_cards, Deck.of(deck_rows(session, used), names, currencies)


def _tech_prefixes(session: Session) -> pl.DataFrame:
    query = select(IpAuth.customer_id, IpAuth.tech_prefix).where(IpAuth.tech_prefix != "")
    rows = list(session.execute(query).all())
    schema = {"customer_id": pl.Int64, "tech_prefix": pl.String}
    return pl.DataFrame(rows, schema=schema, orient="row")
