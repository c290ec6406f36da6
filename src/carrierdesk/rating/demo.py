"""The demo's rate cards (issue 13): a retail card per currency of the EUR and GBP customers, a
provider that sells the EUR traffic, so that part of the demo's CDRs arrive unrated and are
rated by carrierdesk, as a Kamailio deployment's would be."""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal

from sqlalchemy import select
from sqlalchemy.orm import Session

from carrierdesk.auth.principals import CLI
from carrierdesk.cdrs.synthetic import DESTINATIONS
from carrierdesk.customers.schemas import CustomerUpdate
from carrierdesk.customers.service import update_customer
from carrierdesk.models import Customer
from carrierdesk.rating.schemas import ProviderCreate, RateCardCreate
from carrierdesk.rating.service import create_provider, create_rate_card, put_rates

HEADER = "prefix,destination,rate,connection_fee,initial_increment,next_increment,effective_from"
EFFECTIVE = "2025-01-01T00:00:00Z"
# (currency, initial/next increment): the retail cards; GBP customers are billed per minute.
RETAIL = (("EUR", "1,1"), ("GBP", "60,60"))
PROVIDER = "Atlas Wholesale"
BUY_SHARE = Decimal("0.62")  # the provider's price as a share of the retail rate


@dataclass(frozen=True)
class DemoRating:
    """Who is rated by carrierdesk in the demo: customer id → the provider id naming the cost
    (None: the switch sends the cost)."""

    rated: dict[int, int | None]


def load_rating_demo(session: Session) -> DemoRating:
    cards = {
        currency: _card(session, f"Retail {currency}", currency, steps)
        for currency, steps in RETAIL
    }
    buying = _card(session, f"{PROVIDER} EUR", "EUR", "1,1", share=BUY_SHARE, fee="0.0005")
    provider = create_provider(session, CLI, ProviderCreate(name=PROVIDER, rate_card_id=buying))
    rated: dict[int, int | None] = {}
    query = select(Customer).where(Customer.currency.in_(cards)).order_by(Customer.id)
    for customer in session.scalars(query):
        update_customer(
            session, CLI, customer.id, CustomerUpdate(rate_card_id=cards[customer.currency])
        )
        rated[customer.id] = provider.id if customer.currency == "EUR" else None
    return DemoRating(rated)


def _card(
    session: Session,
    name: str,
    currency: str,
    steps: str,
    share: Decimal = Decimal(1),
    fee: str = "0",
) -> int:
    card = create_rate_card(session, CLI, RateCardCreate(name=name, currency=currency))
    rows = [
        f"{prefix},{destination},{(Decimal(rate) * share).quantize(Decimal('0.000001'))},"
        f"{fee},{steps},{EFFECTIVE}"
        for prefix, destination, rate in DESTINATIONS
    ]
    put_rates(session, CLI, card.id, "\n".join([HEADER, *rows]).encode())
    return card.id
