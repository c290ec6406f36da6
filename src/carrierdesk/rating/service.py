"""Rate cards, their decks and providers: the rules (issue 13). Staff only: viewers read,
operators and admins write; contacts are refused (403) before any lookup.

For the rating engine: `deck_rows(session, card_ids)` (every rate of the cards as one Polars
frame, money in micro-units, times in µs since the epoch) and `rate_cards_version(session)`
(changes with every committed change of a deck, a card, a provider's card or a customer's card:
cache decks by it). Every such change calls `bump_version` in its own transaction.
"""

from __future__ import annotations

import hashlib
import hmac
import tempfile
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from decimal import Decimal
from typing import Any, BinaryIO

import polars as pl
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from carrierdesk.audit.service import record_change, snapshot
from carrierdesk.auth.permissions import Need, require_staff
from carrierdesk.auth.principals import Principal
from carrierdesk.auth.scoping import get_staff_record
from carrierdesk.db import count_of, page_of
from carrierdesk.errors import Conflict, FieldError, Invalid
from carrierdesk.models import Customer, Provider, Rate, RateCard, RatingVersion
from carrierdesk.models.base import utcnow
from carrierdesk.rating import storage
from carrierdesk.rating.cards import bump_version
from carrierdesk.rating.deck import ROW, Rejection, deck_csv, read_deck, refused
from carrierdesk.rating.schemas import (
    ProviderCreate,
    ProviderUpdate,
    RateCardCreate,
    RateCardUpdate,
)

CARD_AUDITED = ("name", "currency")
PROVIDER_AUDITED = ("name", "rate_card_id")
SPOOL_IN_MEMORY = 8 * 1024 * 1024
PREVIEW_ROWS = 20  # the first rates a preview shows


# --- The version the rating engine caches by ---------------------------------------------


def rate_cards_version(session: Session) -> str:
    """A value that changes whenever a rate, a card, a provider's card or a customer's card
    changes (and only when one may have): read it first, then deck_rows, and cache both."""
    version = session.scalar(select(RatingVersion.version).where(RatingVersion.id == 1))
    return str(version or 0)


def deck_rows(
    session: Session, rate_card_ids: list[int] | tuple[int, ...] | set[int]
) -> pl.DataFrame:
    """Every rate of the cards: rate_card_id, prefix, destination, rate_micros, fee_micros
    (exact micro-units), initial_increment, next_increment, effective_from (µs since the epoch,
    UTC), all Int64 but prefix and destination; sorted by rate_card_id, prefix, effective_from.
    A rate applies from its effective_from until the next row of the same card and prefix."""
    return storage.read_decks(session, list(rate_card_ids))


# --- Rate cards -----------------------------------------------------------------------------


def list_rate_cards(
    session: Session,
    principal: Principal,
    *,
    currency: str | None = None,
    limit: int = 50,
    offset: int = 0,
) -> tuple[list[RateCard], int]:
    require_staff(principal, "read")
    stmt = select(RateCard)
    if currency:
        stmt = stmt.where(RateCard.currency == currency.strip().upper())
    return page_of(session, stmt, RateCard.name_key, RateCard.id, limit=limit, offset=offset)


def get_rate_card(
    session: Session, principal: Principal, card_id: int, need: Need = "read", *, lock: bool = False
) -> RateCard:
    """With `lock`, read FOR UPDATE: a card's changes and its deck's uploads take turns."""
    return get_staff_record(session, principal, RateCard, card_id, "Rate card", need, lock=lock)


def create_rate_card(session: Session, principal: Principal, data: RateCardCreate) -> RateCard:
    require_staff(principal, "write")
    _check_name_free(session, RateCard, data.name, None, "rate card")
    card = RateCard(name=data.name, name_key=_key(data.name), currency=data.currency)
    session.add(card)
    session.flush()
    bump_version(session)
    record_change(
        session,
        principal,
        card,
        "create",
        f"Rate card {card.name} created",
        after=snapshot(card, CARD_AUDITED),
    )
    return card


def update_rate_card(
    session: Session, principal: Principal, card_id: int, data: RateCardUpdate
) -> RateCard:
    card = get_rate_card(session, principal, card_id, "write", lock=True)
    changes = data.model_dump(exclude_unset=True)
    for required in ("name", "currency"):
        if required in changes and changes[required] is None:
            raise Invalid.field(required, "cannot be empty")
    if "name" in changes:
        _check_name_free(session, RateCard, changes["name"], card.id, "rate card")
    if changes.get("currency", card.currency) != card.currency:
        users = _customers_of(session, card.id)
        if users[0]:
            raise Conflict(
                f"Rate card {card.name} is used by {_named(users, 'customer')}, who bill in "
                f"{card.currency}: give them another card first.",
                [
                    FieldError(
                        "currency", f"cannot change while customers in {card.currency} use it"
                    )
                ],
            )
    before = snapshot(card, CARD_AUDITED)
    for key, value in changes.items():
        setattr(card, key, value)
    card.name_key = _key(card.name)
    card.updated_at = utcnow()
    session.flush()
    bump_version(session)
    record_change(
        session,
        principal,
        card,
        "update",
        f"Rate card {card.name} updated",
        before=before,
        after=snapshot(card, CARD_AUDITED),
    )
    return card


def delete_rate_card(session: Session, principal: Principal, card_id: int) -> None:
    card = get_rate_card(session, principal, card_id, "write", lock=True)
    customers = _customers_of(session, card.id)
    providers = _providers_of(session, card.id)
    if customers[0] or providers[0]:
        users = " and ".join(
            named
            for named in (_named(customers, "customer"), _named(providers, "provider"))
            if named
        )
        raise Conflict(f"Rate card {card.name} is used by {users}: give them another card first.")
    before = snapshot(card, CARD_AUDITED) | {"rates": _rate_count(session, card.id)}
    session.delete(card)  # its rates go with it (ON DELETE CASCADE)
    session.flush()
    bump_version(session)
    record_change(
        session, principal, card, "delete", f"Rate card {card.name} deleted", before=before
    )


# --- The deck -------------------------------------------------------------------------------


def put_rates(
    session: Session,
    principal: Principal,
    card_id: int,
    body: bytes,
    *,
    replace: bool = False,
    now: datetime | None = None,
) -> int:
    """Store a CSV deck in the card: every row checked first, and nothing stored unless every
    row is right (refused then with every bad row in `rejected`). The rates are added to the
    deck (a stored rate of the same prefix and effective_from is replaced); with `replace` they
    become the whole deck. Returns how many rates were stored."""
    card = get_rate_card(session, principal, card_id, "write", lock=True)
    deck = read_deck(body, now or utcnow())
    if deck.rejected:
        bad = len(deck.rejected)
        raise refused(
            f"{bad} of {deck.rates.height + bad} rates are not right: nothing was stored.",
            [],
            deck.rejected,
        )
    before = _rate_count(session, card.id)
    storage.store_deck(session, card.id, deck.rates, replace)
    after = _rate_count(session, card.id)
    card.updated_at = utcnow()
    session.flush()
    bump_version(session)
    accepted = deck.rates.height
    how = "replacing the deck" if replace else "added to the deck"
    record_change(
        session,
        principal,
        card,
        "rates",
        f"Rate card {card.name}: {accepted} rates uploaded ({how}; {after} rates now)",
        changes={"rates": [before, after], "accepted": [None, accepted]},
    )
    return accepted


@dataclass(frozen=True)
class PreviewStamp:
    """What a preview was made of: the file (its SHA-256), the replace choice and the card as it
    was (when it last changed). A deck is applied only with the stamp of its own preview, so
    what is stored is what the operator saw, compared with the deck the operator saw."""

    sha256: str
    replace: bool
    card_changed: str


@dataclass(frozen=True)
class PreviewRow:
    row: int
    prefix: str
    destination: str
    rate: Decimal
    connection_fee: Decimal
    initial_increment: int
    next_increment: int
    effective_from: datetime
    change: str  # storage.NEW, CHANGED or UNCHANGED
    was_rate: Decimal | None  # the stored rate it replaces or matches


@dataclass(frozen=True)
class DeckPreview:
    """A deck checked and compared with the card's rates, nothing stored."""

    stamp: PreviewStamp
    rows: int  # data rows read (blank lines included)
    rejected: list[Rejection]
    accepted: int  # the rates that Apply would store
    new: int
    changed: int
    unchanged: int
    stored: int  # the card's rates now
    first: list[PreviewRow]

    @property
    def untouched(self) -> int:
        """The stored rates the file does not hold: kept, or removed with `replace`."""
        return self.stored - self.changed - self.unchanged

    @property
    def after(self) -> int:
        """The card's rates once applied."""
        return self.accepted if self.stamp.replace else self.stored + self.new


def preview_rates(
    session: Session,
    principal: Principal,
    card_id: int,
    body: bytes,
    *,
    replace: bool = False,
    now: datetime | None = None,
) -> DeckPreview:
    """What put_rates would do with the deck, without doing it: the same reading and checks
    (every bad row), and each rate compared with the card's (new, changed, unchanged) in one
    join. Raises as put_rates does when the file itself is unusable."""
    card = get_rate_card(session, principal, card_id, "write")
    deck = read_deck(body, now or utcnow())
    stored = deck_rows(session, [card.id])
    compared = storage.compare_deck(deck.rates, stored)
    counts = dict(compared.group_by("change").len().iter_rows())
    first = compared.sort(ROW).head(PREVIEW_ROWS)
    return DeckPreview(
        stamp=PreviewStamp(_sha256(body), replace, _changed(card)),
        rows=deck.rows,
        rejected=deck.rejected,
        accepted=deck.rates.height,
        new=counts.get(storage.NEW, 0),
        changed=counts.get(storage.CHANGED, 0),
        unchanged=counts.get(storage.UNCHANGED, 0),
        stored=stored.height,
        first=[_preview_row(r) for r in first.iter_rows(named=True)],
    )


def apply_previewed_rates(
    session: Session,
    principal: Principal,
    card_id: int,
    body: bytes,
    previewed: PreviewStamp,
    *,
    replace: bool = False,
    now: datetime | None = None,
) -> int:
    """put_rates of a deck previewed with preview_rates, refused (nothing stored) unless the
    file, the replace choice and the card are still those of the preview."""
    card = get_rate_card(session, principal, card_id, "write", lock=True)
    if not previewed.sha256:
        raise Invalid.field("deck", "preview the deck first: Apply stores a previewed deck")
    if not hmac.compare_digest(previewed.sha256, _sha256(body)):
        raise Conflict(
            "The file changed since the preview: nothing was stored. Preview it again.",
            [FieldError("deck", "is not the file previewed; preview it again")],
        )
    if previewed.replace != replace:
        raise Conflict(
            "Replace the whole deck was changed after the preview: nothing was stored. "
            "Preview again.",
            [FieldError("replace", "changed since the preview; preview again")],
        )
    if previewed.card_changed != _changed(card):
        raise Conflict(
            f"Rate card {card.name} changed since the preview (another upload or edit): "
            "nothing was stored. Preview again to see what the deck changes now.",
            [FieldError("deck", f"rate card {card.name} changed since the preview")],
        )
    return put_rates(session, principal, card.id, body, replace=replace, now=now)


def _sha256(body: bytes) -> str:
    return hashlib.sha256(body).hexdigest()


def _changed(card: RateCard) -> str:
    return card.updated_at.isoformat()


_EPOCH = datetime(1970, 1, 1, tzinfo=UTC)


def _preview_row(rate: dict[str, Any]) -> PreviewRow:
    was = rate["was_rate_micros"]
    return PreviewRow(
        row=rate[ROW],
        prefix=rate["prefix"],
        destination=rate["destination"],
        rate=_money(rate["rate_micros"]),
        connection_fee=_money(rate["fee_micros"]),
        initial_increment=rate["initial_increment"],
        next_increment=rate["next_increment"],
        effective_from=_EPOCH + timedelta(microseconds=rate["effective_from"]),
        change=rate["change"],
        was_rate=None if was is None else _money(was),
    )


def _money(micros: int) -> Decimal:
    return Decimal(micros).scaleb(-6)


def list_rates(
    session: Session,
    principal: Principal,
    card_id: int,
    *,
    prefix: str | None = None,
    limit: int = 50,
    offset: int = 0,
) -> tuple[list[Rate], int]:
    """The card's rates in prefix and effective_from order; `prefix`: those starting with it."""
    card = get_rate_card(session, principal, card_id)
    stmt = select(Rate).where(Rate.rate_card_id == card.id)
    if prefix:
        if not prefix.isascii() or not prefix.isdigit() or len(prefix) > 20:
            raise Invalid.field("prefix", "must be 1 to 20 digits")
        stmt = stmt.where(Rate.prefix.startswith(prefix, autoescape=True))
    return page_of(
        session, stmt, Rate.prefix, Rate.effective_from, Rate.id, limit=limit, offset=offset
    )


def rate_count(session: Session, principal: Principal, card_id: int) -> int:
    card = get_rate_card(session, principal, card_id)
    return _rate_count(session, card.id)


def spool_rates(session: Session, principal: Principal, card_id: int) -> tuple[BinaryIO, str]:
    """The card's whole deck in the upload format, spooled inside the transaction (so the
    download holds nothing of the database), and its file name."""
    card = get_rate_card(session, principal, card_id)
    spool = tempfile.SpooledTemporaryFile(max_size=SPOOL_IN_MEMORY)  # noqa: SIM115
    spool.write(deck_csv(deck_rows(session, [card.id])))
    spool.seek(0)
    return spool, f"rate-card-{card.id}.csv"  # type: ignore[return-value]


# --- Providers ------------------------------------------------------------------------------


def list_providers(
    session: Session, principal: Principal, *, limit: int = 50, offset: int = 0
) -> tuple[list[Provider], int]:
    require_staff(principal, "read")
    return page_of(
        session, select(Provider), Provider.name_key, Provider.id, limit=limit, offset=offset
    )


def get_provider(
    session: Session,
    principal: Principal,
    provider_id: int,
    need: Need = "read",
    *,
    lock: bool = False,
) -> Provider:
    return get_staff_record(session, principal, Provider, provider_id, "Provider", need, lock=lock)


def create_provider(session: Session, principal: Principal, data: ProviderCreate) -> Provider:
    require_staff(principal, "write")
    _check_name_free(session, Provider, data.name, None, "provider")
    _check_card(session, data.rate_card_id)
    provider = Provider(name=data.name, name_key=_key(data.name), rate_card_id=data.rate_card_id)
    session.add(provider)
    session.flush()
    if provider.rate_card_id is not None:
        bump_version(session)
    record_change(
        session,
        principal,
        provider,
        "create",
        f"Provider {provider.name} created",
        after=snapshot(provider, PROVIDER_AUDITED),
    )
    return provider


def update_provider(
    session: Session, principal: Principal, provider_id: int, data: ProviderUpdate
) -> Provider:
    provider = get_provider(session, principal, provider_id, "write", lock=True)
    changes = data.model_dump(exclude_unset=True)
    if "name" in changes:
        if changes["name"] is None:
            raise Invalid.field("name", "cannot be empty")
        _check_name_free(session, Provider, changes["name"], provider.id, "provider")
    if "rate_card_id" in changes:
        _check_card(session, changes["rate_card_id"])
    before = snapshot(provider, PROVIDER_AUDITED)
    for key, value in changes.items():
        setattr(provider, key, value)
    provider.name_key = _key(provider.name)
    session.flush()
    if before["rate_card_id"] != provider.rate_card_id:
        bump_version(session)
    record_change(
        session,
        principal,
        provider,
        "update",
        f"Provider {provider.name} updated",
        before=before,
        after=snapshot(provider, PROVIDER_AUDITED),
    )
    return provider


def delete_provider(session: Session, principal: Principal, provider_id: int) -> None:
    provider = get_provider(session, principal, provider_id, "write", lock=True)
    before = snapshot(provider, PROVIDER_AUDITED)
    session.delete(provider)
    session.flush()
    if before["rate_card_id"] is not None:
        bump_version(session)
    record_change(
        session,
        principal,
        provider,
        "delete",
        f"Provider {provider.name} deleted",
        before=before,
    )


# --- Helpers --------------------------------------------------------------------------------


def _key(name: str) -> str:
    return name.strip().lower()


def _check_name_free(
    session: Session,
    model: type[RateCard] | type[Provider],
    name: str,
    own_id: int | None,
    noun: str,
) -> None:
    stmt = select(model.name).where(model.name_key == _key(name))
    if own_id is not None:
        stmt = stmt.where(model.id != own_id)
    taken = session.scalar(stmt)
    if taken is not None:
        raise Conflict(
            f"The name {name} is already used by the {noun} {taken}.",
            [FieldError("name", f"is already used by another {noun} ({taken})")],
        )


def _check_card(session: Session, card_id: int | None) -> None:
    if card_id is not None and session.get(RateCard, card_id) is None:
        raise Invalid.field("rate_card_id", f"rate card {card_id} does not exist")


def _customers_of(session: Session, card_id: int) -> tuple[list[str], int]:
    stmt = select(Customer.name).where(Customer.rate_card_id == card_id)
    names = list(session.scalars(stmt.order_by(Customer.name, Customer.id).limit(1)))
    return names, count_of(session, stmt) if names else 0


def _providers_of(session: Session, card_id: int) -> tuple[list[str], int]:
    stmt = select(Provider.name).where(Provider.rate_card_id == card_id)
    names = list(session.scalars(stmt.order_by(Provider.name_key, Provider.id).limit(1)))
    return names, count_of(session, stmt) if names else 0


def _named(users: tuple[list[str], int], noun: str) -> str:
    """'customer Acme Telecom (and 2 more)', or '' when there is none."""
    names, total = users
    if not names:
        return ""
    more = f" (and {total - 1} more)" if total > 1 else ""
    return f"{noun} {names[0]}{more}"


def _rate_count(session: Session, card_id: int) -> int:
    stmt = select(func.count()).select_from(Rate).where(Rate.rate_card_id == card_id)
    return int(session.scalar(stmt) or 0)
