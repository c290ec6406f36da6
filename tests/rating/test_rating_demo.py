"""`carrierdesk demo` uses rate cards (issue 13): the EUR and GBP customers are on retail cards,
a provider sells the EUR traffic, and their CDRs arrive unrated and are rated by carrierdesk
by the rule of docs/rating.md; the USD customers' CDRs keep the charges their switch sent."""

from __future__ import annotations

from decimal import ROUND_HALF_UP, Decimal

import pytest
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from carrierdesk.cdrs.rating import RATED_CHARGE, RATED_COST, RATED_DEST
from carrierdesk.demo import load_demo
from carrierdesk.models import Cdr, CdrHourly, Customer, Provider, Rate, RateCard


def test_the_demo_rates_part_of_its_cdrs(db: Session, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr("carrierdesk.cdrs.demo.DEMO_ROWS", 6_000)
    load_demo(db)
    cards = {c.currency: c for c in db.scalars(select(RateCard)) if c.name.startswith("Retail")}
    assert set(cards) == {"EUR", "GBP"}
    for customer in db.scalars(select(Customer)):
        expected = cards[customer.currency].id if customer.currency in cards else None
        assert customer.rate_card_id == expected, customer.name
    provider = db.scalars(select(Provider)).one()
    by_currency = dict(
        db.execute(
            select(Customer.currency, func.count())
            .join(Cdr, Cdr.customer_id == Customer.id)
            .where(Cdr.rated.op("&")(RATED_CHARGE) != 0)
            .group_by(Customer.currency)
        ).all()
    )
    assert set(by_currency) == {"EUR", "GBP"} and min(by_currency.values()) > 100
    usd_rated = db.scalar(
        select(func.count())
        .select_from(Cdr)
        .join(Customer, Cdr.customer_id == Customer.id)
        .where(Customer.currency == "USD", Cdr.rated != 0)
    )
    assert usd_rated == 0
    eur = db.scalars(
        select(Cdr)
        .join(Customer, Cdr.customer_id == Customer.id)
        .where(Customer.currency == "EUR", Cdr.answer_time.is_not(None))
        .limit(200)
    ).all()
    assert eur and all(c.provider_id == provider.id for c in eur)
    assert all(c.rated == RATED_CHARGE | RATED_DEST | RATED_COST for c in eur)
    for call in eur:  # per second (1/1) at the card's rate of the stored destination
        retail = rate_of(db, cards["EUR"].id, call.dest_code)
        assert call.charge == (retail * call.duration / 60).quantize(
            Decimal("0.000001"), ROUND_HALF_UP
        )
        assert call.billed_duration == call.duration
    gbp = db.scalars(
        select(Cdr)
        .join(Customer, Cdr.customer_id == Customer.id)
        .where(Customer.currency == "GBP", Cdr.duration > 0)
        .limit(50)
    ).all()
    assert all(c.billed_duration % 60 == 0 and c.billed_duration >= c.duration for c in gbp)
    assert all(c.provider_id is None for c in gbp)  # their cost is the switch's
    summarised = db.scalar(select(func.sum(CdrHourly.attempts)))
    assert summarised == db.scalar(select(func.count()).select_from(Cdr))


def rate_of(db: Session, card: int, prefix: str | None) -> Decimal:
    return db.scalars(
        select(Rate.rate).where(Rate.rate_card_id == card, Rate.prefix == prefix)
    ).one()
