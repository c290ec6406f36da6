"""The longest-prefix match as one binary search a batch (cdrs/rating.py).

A prefix of up to 18 digits covers a range of 18-digit numbers: "447" covers 447000…0 to
447999…9. Prefixes nest (a deck is a tree of them), so the ranges of one card can be cut into
disjoint ranges, each carrying the longest prefix that covers it. A callee, its first 18
digits padded with zeros, then falls in one range, and its prefix is the longest that covers
the padded number. That is the callee's match unless the prefix is longer than the callee
itself ("44" padded falls in the range of "440"): such rows, and calls that start before the
card's latest rate took effect (when an earlier rate may be the one in effect), go to the
search by prefix length instead.
"""

from __future__ import annotations

from dataclasses import dataclass

import polars as pl

DIGITS = 18  # the most digits an Int64 holds whole
SPAN = 10**DIGITS  # each card's numbers: card × SPAN + the 18-digit number


@dataclass(frozen=True)
class PrefixRanges:
    starts: pl.Series  # Int128, increasing: card × SPAN + the first number of each range
    at: pl.Series  # Int64: the deck position of the range's longest prefix; -1 for none
    length: pl.Series  # Int64: that prefix's length; 0 for none
    settled: dict[int, int]  # card → the µs from which each of its prefixes has one rate


def build(keyed: pl.DataFrame) -> PrefixRanges | None:
    """The ranges of a deck (rows sorted by key, then effective time, as Deck holds them);
    None when a prefix is too long to be a range (then every batch searches by length)."""
    length = keyed["prefix"].str.len_chars()
    if keyed.is_empty() or int(length.max() or 0) > DIGITS:  # type: ignore[arg-type]
        return None
    latest = (
        keyed.select("_key", "rate_card_id", "prefix", "effective_from")
        .with_row_index("at")
        .with_columns(length.alias("length"))
        .group_by("_key", maintain_order=True)
        .last()
    )
    low = pl.col("rate_card_id").cast(pl.Int128) * SPAN + pl.col("prefix").str.pad_end(
        DIGITS, "0"
    ).cast(pl.Int128)
    high = low + pl.lit(10, pl.Int128).pow(DIGITS - pl.col("length"))
    spans = latest.select(low.alias("low"), high.alias("high"), "at", "length").sort(
        "low", "length"
    )
    starts, at, lengths = _disjoint(spans.rows())
    settled = latest.group_by("rate_card_id").agg(pl.col("effective_from").max())
    return PrefixRanges(
        pl.Series(starts, dtype=pl.Int128),
        pl.Series(at, dtype=pl.Int64),
        pl.Series(lengths, dtype=pl.Int64),
        dict(settled.iter_rows()),
    )


def _disjoint(spans: list[tuple[int, int, int, int]]) -> tuple[list[int], list[int], list[int]]:
    """Nested ranges (low, high, at, length), sorted by low then length, cut into disjoint
    ones: a sweep with the ranges still open on a stack, innermost on top."""
    starts: list[int] = []
    at: list[int] = []
    lengths: list[int] = []

    def begin(start: int, position: int, length: int) -> None:
        if starts and starts[-1] == start:  # what starts here last is what holds from here
            at[-1], lengths[-1] = position, length
        else:
            starts.append(start)
            at.append(position)
            lengths.append(length)

    open_: list[tuple[int, int, int]] = []

    def close_until(point: int | None) -> None:
        while open_ and (point is None or open_[-1][0] <= point):
            end = open_.pop()[0]
            _high, position, length = open_[-1] if open_ else (0, -1, 0)
            begin(end, position, length)

    for low, high, position, length in spans:
        close_until(low)
        begin(low, position, length)
        open_.append((high, position, length))
    close_until(None)
    return starts, at, lengths


def longest(ranges: PrefixRanges, rows: pl.DataFrame) -> tuple[pl.Series, pl.Series]:
    """Each row's deck position of its longest prefix (null for none), and whether the row
    must be searched by length instead. `rows` has `_card`, `_digits` and `start_time`."""
    digits = pl.col("_digits")
    count = digits.str.len_chars()
    number = pl.col("_card").cast(pl.Int128) * SPAN + digits.str.slice(0, DIGITS).str.pad_end(
        DIGITS, "0"
    ).cast(pl.Int128)
    settled = pl.col("_card").replace_strict(ranges.settled, default=None, return_dtype=pl.Int64)
    asked = rows.select(
        pl.when(count > 0).then(number).fill_null(-1).alias("number"),
        count.alias("count"),
        (pl.col("start_time").dt.epoch("us") < settled).fill_null(False).alias("early"),
    )
    index = ranges.starts.search_sorted(asked["number"], side="right").cast(pl.Int64) - 1
    inside = index >= 0
    at = ranges.at.gather(index.clip(0)).zip_with(inside, pl.Series([-1], dtype=pl.Int64))
    length = ranges.length.gather(index.clip(0))
    too_long = (at >= 0) & (length > asked["count"])
    by_length = asked["early"] | too_long
    found = at.zip_with((at >= 0) & ~by_length, pl.Series([None], dtype=pl.Int64))
    return found, by_length
