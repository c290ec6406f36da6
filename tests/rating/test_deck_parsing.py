"""The deck reader on any bytes at all: it refuses with an Invalid (a 422 naming what is wrong)
or gives complete rates, never another exception; and what it accepts is exactly what a
row-at-a-time reading of the same rule accepts, on random well-formed decks."""

from __future__ import annotations

import csv
import io
from datetime import UTC, datetime
from decimal import Decimal

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from carrierdesk.errors import Invalid
from carrierdesk.rating.deck import read_deck

NOW = datetime(2026, 12, 1, 12, 0, tzinfo=UTC)
HEADERS = [
    b"",
    b"prefix,destination,rate\n",
    b"prefix,destination,rate,connection_fee,initial_increment,next_increment,effective_from\n",
    b'"prefix","destination","rate"\r\n',
]
PIECES = st.sampled_from(list(b',"\r\n\x00\xff\xe2\x82 0123456789.-+eZT:x'))


@settings(max_examples=400, deadline=None, suppress_health_check=list(HealthCheck))
@given(st.sampled_from(HEADERS), st.lists(PIECES | st.integers(0, 255), max_size=120))
def test_any_bytes_are_refused_with_invalid_or_read_whole(header: bytes, tail: list[int]) -> None:
    try:
        deck = read_deck(header + bytes(tail), NOW)
    except Invalid as exc:
        assert exc.extra["accepted"] == 0
        assert exc.errors or exc.extra["rejected"]
        return
    assert deck.rates.null_count().sum_horizontal().item() == 0
    for rejection in deck.rejected:
        assert rejection.errors and all(": " in e for e in rejection.errors)


VALUES = {
    "prefix": st.one_of(st.from_regex(r"[0-9]{1,20}", fullmatch=True), st.just("4a"), st.just("")),
    "rate": st.one_of(
        st.decimals(min_value=0, max_value=10**6, places=6).map(str),
        st.sampled_from(["-1", "0.1234567", "1e3", "", ".5", "7."]),
    ),
    "initial_increment": st.one_of(st.integers(-2, 3700).map(str), st.just("")),
}


def expected_rate_micros(text: str) -> int | None:
    """The rule for one value, the slow and obvious way."""
    text = text.strip()
    if not text or not set(text) <= set("0123456789.") or text.count(".") > 1 or text == ".":
        return None
    value = Decimal(text)
    micros = value * 10**6
    if value >= 10**12 or micros != micros.to_integral_value():
        return None
    return int(micros)


@settings(max_examples=200, deadline=None, suppress_health_check=list(HealthCheck))
@given(st.lists(st.fixed_dictionaries(VALUES), min_size=1, max_size=30))
def test_accepted_rows_follow_the_rule_one_row_at_a_time(rows: list[dict[str, str]]) -> None:
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\n")
    writer.writerow(["prefix", "destination", "rate", "initial_increment", "effective_from"])
    for n, row in enumerate(rows):
        writer.writerow(
            [
                row["prefix"],
                "Somewhere",
                row["rate"],
                row["initial_increment"],
                f"2026-01-{n % 28 + 1:02d}",
            ]
        )
    deck = read_deck(out.getvalue().encode(), NOW)
    bad_rows = {r.row for r in deck.rejected}  # every bad row is named, and only those
    seen: set[tuple[str, int]] = set()
    for n, row in enumerate(rows, 1):
        increment = row["initial_increment"]
        keyed = row["prefix"].isdigit() and len(row["prefix"]) <= 20  # its time is always good
        ok = (
            keyed
            and expected_rate_micros(row["rate"]) is not None
            and (increment == "" or 0 <= int(increment) <= 3600)
        )
        key = (row["prefix"], (n - 1) % 28)
        duplicate = keyed and key in seen  # a later row of a (prefix, time) given before
        if keyed:
            seen.add(key)
        assert (n in bad_rows) == (not ok or duplicate), (n, row, deck.rejected)
    good = [expected_rate_micros(r["rate"]) for n, r in enumerate(rows, 1) if n not in bad_rows]
    assert deck.rates["rate_micros"].to_list() == good
