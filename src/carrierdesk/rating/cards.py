"""What other features ask of rate cards, without the deck's machinery (Polars) or HTTP: the
card a customer is given, and the version counter every change rating depends on bumps."""

from __future__ import annotations

import secrets

from sqlalchemy.orm import Session

from carrierdesk.db import is_postgres
from carrierdesk.errors import Invalid
from carrierdesk.models import RateCard, RatingVersion


def bump_version(session: Session) -> None:
    """A change rating depends on: the version row takes a new random value, in the change's
    transaction. Random, not a counter: a counter starts again after a restore or a truncate
    (RESTART IDENTITY) and would hand a cached deck of another state of the database."""
    fresh = secrets.randbits(62)
    values = {"id": 1, "version": fresh}
    if is_postgres(session):
        from sqlalchemy.dialects.postgresql import insert as pg_insert

        pg = pg_insert(RatingVersion).values(**values)
        session.execute(pg.on_conflict_do_update(index_elements=["id"], set_={"version": fresh}))
    else:
        from sqlalchemy.dialects.sqlite import insert as sqlite_insert

        lite = sqlite_insert(RatingVersion).values(**values)
        session.execute(lite.on_conflict_do_update(index_elements=["id"], set_={"version": fresh}))


def card_for_customer(session: Session, card_id: int | None, currency: str) -> RateCard | None:
    """The card a customer is given, in the customer's currency (read FOR SHARE: its currency
    cannot change until the customer's transaction ends); a field error on rate_card_id else."""
    if card_id is None:
        return None
    card = session.get(RateCard, card_id, with_for_update={"read": True}, populate_existing=True)
    if card is None:
        raise Invalid.field("rate_card_id", f"rate card {card_id} does not exist")
    if card.currency != currency:
        raise Invalid.field(
            "rate_card_id",
            f"rate card {card.name} is in {card.currency}; the customer bills in {currency}",
        )
    return card
