"""Rating (issue 13): the charge of CDRs that arrive without one, from the customer's rate card,
and the cost of those that name a provider but no cost, from the provider's card; a whole
batch at once.

The rule (docs/rating.md): the callee, with the tech prefix of the customer's IP entry taken
off, then digits only and a leading 00 dropped, is matched to the longest prefix of the card
whose rate is in effect at the call's start. Billed duration is 0 for an unanswered call,
else the initial increment when the call is no longer, else the initial increment plus the
call's remainder rounded up to whole next increments. Charge = connection fee (answered
calls) + billed seconds / 60 × the rate per minute, rounded half-up to 6 places.

The deck is one sorted array of 128-bit keys (card, prefix length, prefix) and effective
times: a row's rate for one prefix length is one binary search (`search_sorted`), so a batch
takes a search per prefix length, nearly the same time whatever the deck's size. Calls after
their card's latest rate took effect (nearly all) take one search instead, in the deck's
prefixes as disjoint ranges (cdrs/prefixranges.py).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field

import polars as pl

from carrierdesk.cdrs.prefixranges import DIGITS as NUMERIC_DIGITS
from carrierdesk.cdrs.prefixranges import PrefixRanges, build, longest

KEY_BASE = 10**20  # above any prefix of up to 20 digits
CHARGE = "charge: missing, and the customer has no rate card to rate it"
COST = "cost: missing, and the CDR's provider has no rate card to rate it"
NO_DIGITS = "callee: has no digits to rate"
TOO_LARGE = "{}: the rated {} is larger than a CDR can hold (12 digits)"
MAX_MONEY_MICROS = 10**18 - 1
# The `rated` bits of a stored CDR: what carrierdesk computed itself, and may compute again.
RATED_CHARGE = 1  # the charge and billed duration
RATED_DEST = 2  # dest_code, dest_name and rate (the CDR came without them)
RATED_COST = 4  # the cost, from the provider's card


@dataclass(frozen=True)
class Deck:
    """Every rate of every card, sorted by key (card, prefix length, prefix) then effective
    time, with the rate columns in the same order."""

    keys: pl.Series  # Int128: (card × 32 + prefix length) × 10²⁰ + the prefix as a number
    effective: pl.Series  # Int64 µs since the epoch
    rates: pl.DataFrame  # prefix, destination, rate_micros, fee_micros, initial/next_increment
    lengths: tuple[int, ...]  # the prefix lengths in the deck, longest first
    repeats: int  # the most rates one prefix of one card has (effective at different times)
    names: dict[int, str]  # rate card id → name, for the reasons
    currencies: dict[int, str] = field(default_factory=dict)  # rate card id → currency
    ranges: PrefixRanges | None = None  # the prefixes as disjoint ranges, for one search

    @classmethod
    def of(
        cls, rows: pl.DataFrame, names: dict[int, str], currencies: dict[int, str] | None = None
    ) -> Deck:
        """`rows` as rating.service.deck_rows answers them."""
        length = pl.col("prefix").str.len_chars()
        keyed = rows.with_columns(
            _key(pl.col("rate_card_id"), length, pl.col("prefix")).alias("_key")
        ).sort("_key", "effective_from")
        lengths = keyed["prefix"].str.len_chars().unique().sort(descending=True).to_list()
        counts = keyed.group_by("_key").len()["len"]
        return cls(
            keyed["_key"],
            keyed["effective_from"],
            keyed.drop("_key"),
            tuple(lengths),
            int(counts.max() or 0),  # type: ignore[arg-type]
            names,
            currencies or {},
            build(keyed),
        )


def _key(card: pl.Expr, length: pl.Expr | int, prefix: pl.Expr) -> pl.Expr:
    base = pl.lit(KEY_BASE, pl.Int128)
    return (card.cast(pl.Int128) * 32 + length) * base + prefix.cast(pl.Int128, strict=False)


@dataclass(frozen=True)
class RatingBook:
    """What rating needs to know, loaded once per import."""

    deck: Deck
    card_of_customer: dict[int, int]  # customer id → rate card id
    tech_prefixes: pl.DataFrame  # customer_id, tech_prefix (non-empty), of the IP entries
    card_of_provider: dict[int, int] = field(default_factory=dict)  # provider id → card id
    currency_of_customer: dict[int, str] = field(default_factory=dict)


@dataclass(frozen=True)
class Rated:
    rows: pl.DataFrame  # the rows, those without a charge now rated; `rated` bits set
    refused: list[tuple[int, str]]  # (ROW, reason) of rows that could not be rated


def rate(rows: pl.DataFrame, book: RatingBook | None, row: str = "row") -> Rated:
    """Rates the rows whose charge is null, then the cost of those that name a provider and
    have none; what a row came with is kept untouched. A row refused by either is left out.
    A frame without a side's columns (a re-rating of charges only) is not rated on that side."""
    rows = rows.with_columns(pl.lit(0, pl.Int64).alias("rated"))
    refused: list[tuple[int, str]] = []
    for side in (_CHARGE_SIDE, _COST_SIDE):
        if not {side.money, side.owner} <= set(rows.columns):
            continue
        rows, why = _rate_side(rows, book, side, row)
        refused.extend(why)
    return Rated(rows, sorted(refused))


@dataclass(frozen=True)
class _Side:
    """One money column rating fills in, and whose card rates it."""

    money: str  # "charge" or "cost"
    owner: str  # the column whose card rates it: customer_id or provider_id
    no_card: str  # the reason when the owner has no card

    def todo(self) -> pl.Expr:
        return pl.col(self.money).is_null() & pl.col(self.owner).is_not_null()

    def cards(self, book: RatingBook) -> dict[int, int]:
        return book.card_of_customer if self.owner == "customer_id" else book.card_of_provider


_CHARGE_SIDE = _Side("charge", "customer_id", CHARGE)
_COST_SIDE = _Side("cost", "provider_id", COST)


def _rate_side(
    rows: pl.DataFrame, book: RatingBook | None, side: _Side, row: str
) -> tuple[pl.DataFrame, list[tuple[int, str]]]:
    todo = side.todo()
    unrated = rows.filter(todo)
    if unrated.is_empty():
        return rows, []
    kept = rows.filter(~todo)
    if book is None:
        return kept, _all(unrated, row, side.no_card)
    matched = _match(_with_callee_digits(unrated, book, side), book)
    priced = matched.with_columns(_billed().alias("_billed"))
    priced = priced.with_columns(_amount().alias("_amount"))
    priced = priced.with_columns(_reason(book, side).alias("_why"))
    done = priced.filter(pl.col("_why").is_null()).with_columns(_filled(side)).select(rows.columns)
    refused = priced.filter(pl.col("_why").is_not_null()).select(row, "_why")
    rated = pl.concat([kept, done]).sort(row) if kept.height else done  # filters keep order
    return rated, [(int(r), str(w)) for r, w in refused.iter_rows()]


def _filled(side: _Side) -> list[pl.Expr]:
    """The rated columns: the cost alone, or the charge with the billed duration, and the
    destination and rate where the CDR came without them."""
    amount = pl.col("_amount").cast(pl.Int64).alias(side.money)
    if side is _COST_SIDE:
        return [amount, (pl.col("rated") | RATED_COST).alias("rated")]
    filled = pl.when(pl.col("dest_code").is_null()).then(RATED_CHARGE | RATED_DEST)
    return [
        pl.col("_billed").alias("billed_duration"),
        amount,
        pl.coalesce("dest_code", "_prefix").alias("dest_code"),
        pl.coalesce("dest_name", "_destination").alias("dest_name"),
        pl.coalesce("rate", "_rate_micros").alias("rate"),
        (pl.col("rated") | filled.otherwise(RATED_CHARGE)).cast(pl.Int64).alias("rated"),
    ]


def _all(rows: pl.DataFrame, row: str, reason: str) -> list[tuple[int, str]]:
    return [(int(r), reason) for r in rows[row].to_list()]


def _with_callee_digits(rows: pl.DataFrame, book: RatingBook, side: _Side) -> pl.DataFrame:
    """`_digits`: the callee as rated — tech prefix off, digits only, no leading 00."""
    callee = pl.col("callee")
    stripped = callee
    if not book.tech_prefixes.is_empty():
        # The longest tech prefix of the row's customer that the callee starts with.
        found = (
            rows.select("row", "customer_id", "callee")
            .join(book.tech_prefixes, on="customer_id")
            .filter(callee.str.starts_with(pl.col("tech_prefix")))
            .sort(pl.col("tech_prefix").str.len_chars(), descending=True)
            .unique("row", keep="first")
            .select("row", pl.col("tech_prefix").str.len_chars().alias("_strip"))
        )
        rows = rows.join(found, on="row", how="left")
        stripped = callee.str.slice(pl.col("_strip").fill_null(0))
    digits = stripped.str.replace_all(r"[^0-9]", "")
    digits = pl.when(digits.str.starts_with("00")).then(digits.str.slice(2)).otherwise(digits)
    card = pl.col(side.owner).replace_strict(side.cards(book), default=None, return_dtype=pl.Int64)
    return rows.with_columns(digits.alias("_digits"), card.alias("_card"))


def _match(rows: pl.DataFrame, book: RatingBook) -> pl.DataFrame:
    """Adds the rate columns (prefixed `_`) of the longest matching prefix, or nulls."""
    deck = book.deck
    found = _found(rows, deck).alias("_at")
    # The matched rates by position (a gather: no pass over the whole deck), null where none.
    picked = deck.rates[found.fill_null(0)] if deck.rates.height else deck.rates.clear(rows.height)
    picked = picked.select(
        pl.when(found.is_not_null()).then(pl.col(c)).alias(f"_{c}") for c in picked.columns
    )
    return pl.concat([rows.with_columns(found), picked], how="horizontal")


def _found(rows: pl.DataFrame, deck: Deck) -> pl.Series:
    """Each row's deck position of the rate it is rated with, or null."""
    if deck.ranges is None:
        return _found_by_length(rows, deck)
    found, by_length = longest(deck.ranges, rows)
    if by_length.any():
        found = found.scatter(by_length.arg_true(), _found_by_length(rows.filter(by_length), deck))
    return found


def _found_by_length(rows: pl.DataFrame, deck: Deck) -> pl.Series:
    """A search per prefix length, longest first, each for the rate in effect at the start."""
    start = rows["start_time"].dt.epoch("us")
    found = pl.Series("_at", [None] * rows.height, dtype=pl.Int64)
    prefixes = _prefix_maker(rows)
    for length in deck.lengths if deck.keys.len() else ():
        wanted = prefixes(length)
        at = _in_effect(deck, wanted, start)
        found = found.zip_with(found.is_not_null() | at.is_null(), at)
    return found


def _prefix_maker(rows: pl.DataFrame) -> Callable[[int], pl.Series]:
    """length → each row's deck key for the first `length` digits of its callee (-1 when it
    has fewer digits or no card). Up to 18 digits the prefix is arithmetic on the callee's
    first 18 digits read once as an integer; longer ones are sliced from the text."""
    digits = pl.col("_digits")
    numbers = rows.select(
        (pl.col("_card").cast(pl.Int128) * 32 * KEY_BASE).alias("base"),
        digits.str.len_chars().alias("count"),
        digits.str.slice(0, NUMERIC_DIGITS).cast(pl.Int64, strict=False).alias("head"),
        digits,
    )

    def keys(length: int) -> pl.Series:
        count = pl.col("count")
        if length <= NUMERIC_DIGITS:
            shift = pl.lit(10, pl.Int64).pow(count.clip(upper_bound=NUMERIC_DIGITS) - length)
            prefix = pl.col("head") // shift
        else:
            prefix = digits.str.slice(0, length).cast(pl.Int128, strict=False)
        key = pl.col("base") + length * KEY_BASE + prefix.cast(pl.Int128)
        return numbers.select(pl.when(count >= length).then(key).fill_null(-1))[:, 0]

    return keys


def _in_effect(deck: Deck, wanted: pl.Series, start: pl.Series) -> pl.Series:
    """The position of the rate of key `wanted` in effect at `start` (the latest that began
    by then), or null: one binary search, then steps back over rates that begin later."""
    at = deck.keys.search_sorted(wanted, side="right").cast(pl.Int64) - 1

    def same_key(at: pl.Series) -> pl.Series:
        return (at >= 0) & (deck.keys.gather(at.clip(0)) == wanted)

    for _ in range(deck.repeats - 1):
        late = same_key(at) & (deck.effective.gather(at.clip(0)) > start)
        at = at.zip_with(~late, at - 1)
    hit = same_key(at) & (deck.effective.gather(at.clip(0)) <= start)
    return at.zip_with(hit, pl.Series([None], dtype=pl.Int64))


def _billed() -> pl.Expr:
    duration = pl.col("duration")
    first, step = pl.col("_initial_increment"), pl.col("_next_increment")
    rest = ((duration - first + step - 1) // step) * step
    return (
        pl.when(pl.col("answer_time").is_null())
        .then(0)
        .when(duration <= first)
        .then(first)
        .otherwise(first + rest)
    )


def _amount() -> pl.Expr:
    """In whole millionths: half-up of billed × rate / 60, exact in 128-bit integers."""
    billed = pl.col("_billed").cast(pl.Int128)
    rate = pl.col("_rate_micros").cast(pl.Int128)
    fee = pl.when(pl.col("answer_time").is_null()).then(0).otherwise(pl.col("_fee_micros"))
    return fee.cast(pl.Int128) + (billed * rate * 2 + 60) // 120


def _reason(book: RatingBook, side: _Side) -> pl.Expr:
    deck = book.deck
    card_name = pl.col("_card").replace_strict(deck.names, default="?", return_dtype=pl.String)
    reason = (
        pl.when(pl.col("_card").is_null())
        .then(pl.lit(side.no_card))
        .when(pl.col("_digits") == "")
        .then(pl.lit(NO_DIGITS))
    )
    if side is _COST_SIDE:  # a provider's card may be in another currency than the customer
        card_currency = pl.col("_card").replace_strict(
            deck.currencies, default=None, return_dtype=pl.String
        )
        currency = pl.col("customer_id").replace_strict(
            book.currency_of_customer, default=None, return_dtype=pl.String
        )
        reason = reason.when(card_currency != currency).then(
            pl.format(
                "cost: the provider's rate card \"{}\" is in {}, the customer's currency is {}",
                card_name,
                card_currency,
                currency,
            )
        )
    return (
        reason.when(pl.col("_at").is_null())
        .then(pl.format('callee: no rate for {} in rate card "{}"', "_digits", card_name))
        .when(pl.col("_amount") > MAX_MONEY_MICROS)
        .then(pl.lit(TOO_LARGE.format(side.money, side.money)))
    )
