"""The rating rule (issue 13, docs/rating.md), batch-wise, against a direct computation of it
one CDR at a time in Decimal: random decks, random calls."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from decimal import ROUND_HALF_UP, Decimal
from typing import Any

import polars as pl
from hypothesis import given, settings
from hypothesis import strategies as st

from carrierdesk.cdrs.prefixranges import longest
from carrierdesk.cdrs.rating import CHARGE, Deck, RatingBook, rate

EPOCH = datetime(2026, 1, 1, tzinfo=UTC)
TIME = pl.Datetime("us", "UTC")


def deck_frame(rates: list[dict[str, Any]]) -> pl.DataFrame:
    schema = {
        "rate_card_id": pl.Int64,
        "prefix": pl.String,
        "destination": pl.String,
        "rate_micros": pl.Int64,
        "fee_micros": pl.Int64,
        "initial_increment": pl.Int64,
        "next_increment": pl.Int64,
        "effective_from": pl.Int64,
    }
    return pl.DataFrame(rates, schema=schema, orient="row")


def micros(t: datetime) -> int:
    return int((t - datetime(1970, 1, 1, tzinfo=UTC)).total_seconds()) * 1_000_000


def cdr_frame(cdrs: list[dict[str, Any]]) -> pl.DataFrame:
    schema = {
        "row": pl.Int64,
        "customer_id": pl.Int64,
        "start_time": TIME,
        "answer_time": TIME,
        "duration": pl.Int64,
        "billed_duration": pl.Int64,
        "callee": pl.String,
        "dest_code": pl.String,
        "dest_name": pl.String,
        "rate": pl.Int64,
        "charge": pl.Int64,
    }
    return pl.DataFrame(cdrs, schema=schema, orient="row")


def book(rates: list[dict[str, Any]], cards: dict[int, int], prefixes: Any = ()) -> RatingBook:
    schema = {"customer_id": pl.Int64, "tech_prefix": pl.String}
    tech = pl.DataFrame(list(prefixes), schema=schema, orient="row")
    names = {r["rate_card_id"]: f"Card {r['rate_card_id']}" for r in rates}
    return RatingBook(Deck.of(deck_frame(rates), names), cards, tech)


def cdr(row: int, callee: str, duration: int, answered: bool = True, **kw: Any) -> dict[str, Any]:
    start = kw.pop("start", EPOCH + timedelta(days=10))
    base = {
        "row": row,
        "customer_id": 1,
        "start_time": start,
        "answer_time": start if answered else None,
        "duration": duration,
        "billed_duration": duration,
        "callee": callee,
        "dest_code": None,
        "dest_name": None,
        "rate": None,
        "charge": None,
    }
    return {**base, **kw}


def a_rate(prefix: str, rate: str, **kw: Any) -> dict[str, Any]:
    return {
        "rate_card_id": kw.get("card", 7),
        "prefix": prefix,
        "destination": kw.get("name", prefix),
        "rate_micros": int(Decimal(rate) * 10**6),
        "fee_micros": int(Decimal(kw.get("fee", "0")) * 10**6),
        "initial_increment": kw.get("first", 1),
        "next_increment": kw.get("step", 1),
        "effective_from": micros(kw.get("since", EPOCH)),
    }


def test_the_worked_example() -> None:
    # docs/rating.md: UK mobile, 30/6 billing, 0.0123/min + 0.01 per answered call, 47 s.
    deck = [
        a_rate("44", "0.05", name="United Kingdom"),
        a_rate("447", "0.0123", name="United Kingdom Mobile", fee="0.01", first=30, step=6),
    ]
    rated = rate(cdr_frame([cdr(0, "+44 7700 900123", 47)]), book(deck, {1: 7}))
    [row] = rated.rows.to_dicts()
    assert rated.refused == []
    assert row["billed_duration"] == 48  # 30 + ceil(17 / 6) × 6
    assert row["charge"] == 19_840  # 0.01 + 48/60 × 0.0123 = 0.01984
    assert (row["dest_code"], row["dest_name"], row["rate"]) == (
        "447",
        "United Kingdom Mobile",
        12_300,
    )
    assert row["rated"] == 3  # the charge, and the destination it filled in


def test_what_cannot_be_rated_is_refused_with_a_reason() -> None:
    deck = [a_rate("44", "0.05")]
    rows = [
        cdr(0, "4930123456", 10),
        cdr(1, "abc", 10),
        cdr(2, "441", 5, customer_id=2),
        cdr(3, "0044 1", 5),
    ]
    rated = rate(cdr_frame(rows), book(deck, {1: 7}))
    assert rated.refused == [
        (0, 'callee: no rate for 4930123456 in rate card "Card 7"'),
        (1, "callee: has no digits to rate"),
        (2, CHARGE),
    ]
    assert rated.rows["row"].to_list() == [3]


def test_a_charge_sent_is_kept_and_not_marked_rated() -> None:
    rated = rate(cdr_frame([cdr(0, "44", 60, charge=5)]), book([a_rate("44", "1")], {1: 7}))
    assert rated.rows.select("charge", "rated").rows() == [(5, 0)]


def test_no_rate_card_at_all_refuses_only_unrated_rows() -> None:
    rated = rate(cdr_frame([cdr(0, "44", 60), cdr(1, "44", 60, charge=1)]), None)
    assert rated.refused == [(0, CHARGE)] and rated.rows["row"].to_list() == [1]


def test_the_tech_prefix_of_the_customer_is_taken_off_first() -> None:
    deck = [a_rate("1", "0.01"), a_rate("100", "9")]
    rated = rate(
        cdr_frame([cdr(0, "100#4412", 60)]),
        book([*deck, a_rate("44", "0.5")], {1: 7}, [(1, "100#")]),
    )
    assert rated.rows.select("dest_code", "charge").rows() == [("44", 500_000)]


def test_long_callees_and_long_prefixes_match_the_longest_prefix() -> None:
    # Up to 18 digits a prefix is taken arithmetically, beyond that from the text.
    eighteen, twenty = "123456789012345678", "12345678901234567890"
    deck = [a_rate("1", "0.01"), a_rate(eighteen, "0.02"), a_rate(twenty, "0.03")]
    calls = [
        cdr(0, twenty + "55", 60),  # 22 digits: the 20-digit prefix
        cdr(1, eighteen + "9", 60),  # 19 digits: the 18-digit prefix
        cdr(2, "12345678901234567", 60),  # 17 digits: only "1"
        cdr(3, "1" + "0" * 30, 60),  # 31 digits, no long prefix
    ]
    rated = rate(cdr_frame(calls), book(deck, {1: 7}))
    assert rated.refused == []
    assert rated.rows.select("row", "dest_code").rows() == [
        (0, twenty),
        (1, eighteen),
        (2, "1"),
        (3, "1"),
    ]


def test_a_later_rate_takes_over_from_its_effective_time() -> None:
    june = EPOCH + timedelta(days=150)
    deck = [a_rate("33", "0.10"), a_rate("33", "0.20", since=june)]
    calls = [cdr(0, "331", 60, start=june - timedelta(seconds=1)), cdr(1, "331", 60, start=june)]
    rated = rate(cdr_frame(calls), book(deck, {1: 7}))
    assert rated.rows["charge"].to_list() == [100_000, 200_000]
    # Before the first rate of a prefix, a shorter prefix in effect is used, or none.
    early = rate(
        cdr_frame([cdr(0, "331", 60, start=EPOCH - timedelta(days=1))]), book(deck, {1: 7})
    )
    assert early.refused and "no rate for 331" in early.refused[0][1]


# --- the rule, computed directly, one CDR at a time ------------------------------------------


def callee_digits(callee: str) -> str:
    digits = "".join(ch for ch in callee if ch.isdigit())
    return digits[2:] if digits.startswith("00") else digits


def direct(call: dict[str, Any], deck: list[dict[str, Any]]) -> tuple[int, int] | None:
    digits = callee_digits(call["callee"])
    start = micros(call["start_time"])
    best = None
    for r in deck:
        if digits.startswith(r["prefix"]) and r["effective_from"] <= start and digits:
            key = (len(r["prefix"]), r["effective_from"])
            if best is None or key > best[0]:
                best = (key, r)
    if best is None:
        return None
    r = best[1]
    d, first, step = call["duration"], r["initial_increment"], r["next_increment"]
    if call["answer_time"] is None:
        billed = 0
    elif d <= first:
        billed = first
    else:
        billed = first + -(-(d - first) // step) * step
    fee = Decimal(r["fee_micros"]) / 10**6 if call["answer_time"] is not None else Decimal(0)
    charge = fee + Decimal(billed) / 60 * Decimal(r["rate_micros"]) / 10**6
    return billed, int(charge.quantize(Decimal("0.000001"), ROUND_HALF_UP) * 10**6)


prefixes = st.text("0123456789", min_size=1, max_size=5)
rates = st.builds(
    lambda p, r, f, first, step, day: a_rate(
        p,
        str(Decimal(r) / 10**6),
        fee=str(Decimal(f) / 10**6),
        first=first,
        step=step,
        since=EPOCH + timedelta(days=day),
    ),
    prefixes,
    st.integers(0, 5_000_000),
    st.integers(0, 100_000),
    st.sampled_from([0, 1, 6, 30, 60]),
    st.sampled_from([1, 6, 30, 60]),
    st.integers(0, 20),
)
calls = st.builds(
    lambda callee, d, answered, day: cdr(
        0, callee, d if answered else 0, answered, start=EPOCH + timedelta(days=day, seconds=7)
    ),
    st.text("0123456789+ #", min_size=0, max_size=12),
    st.integers(0, 7200),
    st.booleans(),
    st.integers(0, 25),
)


@settings(max_examples=150, deadline=None)
@given(
    st.lists(
        rates, min_size=1, max_size=25, unique_by=lambda r: (r["prefix"], r["effective_from"])
    ),
    st.lists(calls, min_size=1, max_size=30),
)
def test_batch_rating_equals_the_rule_one_cdr_at_a_time(
    deck: list[dict[str, Any]], cdrs: list[dict[str, Any]]
) -> None:
    for number, call in enumerate(cdrs):
        call["row"] = number
    rated = rate(cdr_frame(cdrs), book(deck, {1: 7}))
    got = {r["row"]: (r["billed_duration"], r["charge"]) for r in rated.rows.to_dicts()}
    refused = {row for row, _why in rated.refused}
    for number, call in enumerate(cdrs):
        want = direct(call, deck)
        if want is None:
            assert number in refused, (call, deck)
        else:
            assert got[number] == want, (call, deck)


# --- one search a batch: the deck's prefixes as disjoint ranges ------------------------------


def ranges_answer(deck: list[dict[str, Any]], cdrs: list[dict[str, Any]], cards: dict[int, int]):
    """What the range search alone answers: each row's prefix, and whether it went by length."""
    rated_deck = Deck.of(deck_frame(deck), {})
    assert rated_deck.ranges is not None
    rows = cdr_frame(cdrs).with_columns(
        pl.col("callee").map_elements(callee_digits, return_dtype=pl.String).alias("_digits"),
        pl.col("customer_id").replace_strict(cards, default=None).alias("_card"),
    )
    found, by_length = longest(rated_deck.ranges, rows)
    prefixes = [None if at is None else rated_deck.rates["prefix"][at] for at in found]
    return prefixes, by_length.to_list()


def test_nested_prefixes_short_callees_and_other_cards() -> None:
    deck = [a_rate(p, "0.01") for p in ("4", "44", "440", "447", "4479", "45", "5")]
    deck += [a_rate("44", "0.02", card=8), a_rate("0", "0.03", card=8)]
    numbers = ["4478", "44791", "4469", "4", "44", "45", "46", "3", "", "0123", "4400", "52", "61"]
    cdrs = [cdr(i, n, 60) for i, n in enumerate(numbers)] + [
        cdr(13, "4479", 60, customer_id=2),
        cdr(14, "0", 60, customer_id=2),
        cdr(15, "4479", 60, customer_id=3),  # no card
    ]
    prefixes, by_length = ranges_answer(deck, cdrs, {1: 7, 2: 8})
    found = ["447", "4479", "44", "4", None, "45", "4", None, None, None, "440", "5", None]
    found += ["44", "0", None]
    assert prefixes == found
    # "44" padded with zeros falls in the range of "440", longer than itself: it is searched
    # by length instead, and rated with "44".
    assert [i for i, slow in enumerate(by_length) if slow] == [4]
    rated = rate(cdr_frame(cdrs), book(deck, {1: 7, 2: 8}))
    assert rated.rows.filter(pl.col("row") == 4)["dest_code"].to_list() == ["44"]
    assert sorted(row for row, _why in rated.refused) == [7, 8, 9, 12, 15]


# Few digits, so that prefixes nest, touch and share ends often.
late_calls = st.builds(
    lambda callee, d, customer, day: cdr(
        0, callee, d, customer_id=customer, start=EPOCH + timedelta(days=day, seconds=7)
    ),
    st.one_of(st.text("0459+", max_size=8), st.text("0123456789", max_size=22)),
    st.integers(1, 7200),
    st.sampled_from([1, 2, 3]),
    st.integers(20, 25),
)
card_rates = st.builds(
    lambda r, prefix, card: {**r, "prefix": prefix, "rate_card_id": card},
    rates,
    st.one_of(st.text("0459", min_size=1, max_size=4), prefixes),
    st.sampled_from([7, 8]),
)


@settings(max_examples=150, deadline=None)
@given(
    st.lists(
        card_rates,
        min_size=1,
        max_size=40,
        unique_by=lambda r: (r["rate_card_id"], r["prefix"], r["effective_from"]),
    ),
    st.lists(late_calls, min_size=1, max_size=30),
)
def test_one_search_finds_the_rule_s_prefix_after_the_latest_rate(
    deck: list[dict[str, Any]], cdrs: list[dict[str, Any]]
) -> None:
    """Calls after every rate took effect (rates begin on days 0–20, calls on days 20–25):
    the prefix the range search finds is the rule's, and the rating of the batch is too."""
    cards = {1: 7, 2: 8}
    for number, call in enumerate(cdrs):
        call["row"] = number
    decks = [[r for r in deck if r["rate_card_id"] == cards.get(c["customer_id"])] for c in cdrs]
    prefixes, by_length = ranges_answer(deck, cdrs, cards)
    for call, mine, prefix, slow in zip(cdrs, decks, prefixes, by_length, strict=True):
        want = direct(call, mine)
        settled = max((r["effective_from"] for r in mine), default=0)
        if slow:
            assert micros(call["start_time"]) < settled or prefix is None, (call, deck)
            continue
        assert (prefix is None) == (want is None), (call, deck)
        if prefix is not None:
            digits = callee_digits(call["callee"])
            assert digits.startswith(prefix)
            assert not any(
                digits.startswith(r["prefix"]) and len(r["prefix"]) > len(prefix) for r in mine
            )
    rated = rate(cdr_frame(cdrs), book(deck, cards))
    got = {r["row"]: (r["billed_duration"], r["charge"]) for r in rated.rows.to_dicts()}
    for number, (call, mine) in enumerate(zip(cdrs, decks, strict=True)):
        assert got.get(number) == direct(call, mine), (call, deck)
