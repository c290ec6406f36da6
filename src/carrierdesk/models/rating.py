"""Rate cards, their rates (the deck) and providers (issue 13).

A rate applies to calls whose normalised callee starts with its `prefix`, from `effective_from`
until a later row of the same prefix takes over. Money is Money6 (numeric(18,6) on PostgreSQL,
integer micro-units on SQLite), per minute. Names are unique case-insensitively: `name_key` is
the lower-cased name, unique in the database itself (as extensions' name_key).

`rating_version` is one counter row that carrierdesk.rating.service bumps in the transaction of
every change rating depends on, so that the rating engine can cache decks by its value.
"""

from __future__ import annotations

from datetime import datetime
from decimal import Decimal

from sqlalchemy import BigInteger, CheckConstraint, ForeignKey, Integer, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from carrierdesk.models.base import Base, Timestamps
from carrierdesk.models.cdrs import BigInt, Money6


class RateCard(Timestamps, Base):
    __tablename__ = "rate_cards"

    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(100))
    name_key: Mapped[str] = mapped_column(String(100), unique=True)
    currency: Mapped[str] = mapped_column(String(3))


class Rate(Base):
    """One row of a card's deck. Unique per (card, prefix, effective_from); that index also
    serves every lookup (a card's deck in prefix order, a prefix search)."""

    __tablename__ = "rates"
    __table_args__ = (
        UniqueConstraint("rate_card_id", "prefix", "effective_from"),
        CheckConstraint("rate >= 0", name="rate"),
        CheckConstraint("connection_fee >= 0", name="connection_fee"),
        CheckConstraint("initial_increment BETWEEN 0 AND 3600", name="initial_increment"),
        CheckConstraint("next_increment BETWEEN 1 AND 3600", name="next_increment"),
    )

    id: Mapped[int] = mapped_column(BigInt, primary_key=True)
    rate_card_id: Mapped[int] = mapped_column(ForeignKey("rate_cards.id", ondelete="CASCADE"))
    prefix: Mapped[str] = mapped_column(String(20))
    destination: Mapped[str] = mapped_column(String(100), default="")
    rate: Mapped[Decimal] = mapped_column(Money6())
    connection_fee: Mapped[Decimal] = mapped_column(Money6(), default=Decimal("0"))
    initial_increment: Mapped[int] = mapped_column(Integer, default=1)
    next_increment: Mapped[int] = mapped_column(Integer, default=1)
    effective_from: Mapped[datetime]


class Provider(Timestamps, Base):
    """A carrier the operator buys from; a CDR naming it gets its cost rated from its card."""

    __tablename__ = "providers"

    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(100))
    name_key: Mapped[str] = mapped_column(String(100), unique=True)
    rate_card_id: Mapped[int | None] = mapped_column(ForeignKey("rate_cards.id"), index=True)


class RatingVersion(Base):
    """The one row (id 1) behind rating.service.rate_cards_version: a new random value with every
    change of a deck, a card, a provider's card or a customer's card, in the change's own
    transaction (random: a counter would repeat after a restore or a truncate)."""

    __tablename__ = "rating_version"

    id: Mapped[int] = mapped_column(primary_key=True)
    version: Mapped[int] = mapped_column(BigInteger)
