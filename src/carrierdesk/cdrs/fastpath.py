"""The vectorised recogniser of well-formed CDRs: a whole batch checked at once, in Polars.

validate.py defines every rule and every message. This module is not a second copy of them:
it recognises the rows that validate.py would accept, as validate.py would store them, and
leaves every other row (an error, or a form it does not know, such as a time with a space
for the T) undecided; those go through validate.py one by one. It may leave a valid row
undecided; it must never pass a row validate.py refuses, nor store other values than it
would. tests/cdrs/test_cdr_fastpath.py holds the two to that on random rows.

The frame it answers has `STORED_SCHEMA`: times UTC to the microsecond, money as whole
millionths (exact: at most 6 places, below 10¹²), texts as sent.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from datetime import UTC, datetime
from typing import Any, NamedTuple

import polars as pl

from carrierdesk.cdrs.csvio import Header, TextRow, is_utf8
from carrierdesk.cdrs.directory import CustomerDirectory
from carrierdesk.cdrs.fields import CANONICAL, STORED, TEXT_LIMITS, StoredColumns
from carrierdesk.cdrs.validate import EARLIEST, LATEST_AHEAD

ROW = "row"
INT = pl.Int64()
TIME = pl.Datetime("us", "UTC")
STORED_SCHEMA = pl.Schema(
    {
        ROW: INT,
        **{c: INT for c in STORED},
        **{c: TIME for c in ("start_time", "answer_time", "end_time")},
        **{c: pl.String() for c in TEXT_LIMITS},
        "direction": pl.String(),
    }
)
MONEY = ("rate", "charge", "cost")

# What validate.py would strip, refuse or read otherwise: such a text is left undecided.
_UNSURE_TEXT = r"^[\s\x1c-\x1f]|[\s\x1c-\x1f]$|[\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f]"
_WHOLE = r"^[0-9]{1,10}$"
_MONEY = r"^[0-9]{1,12}(\.[0-9]{1,6})?$"
_TIME = r"^[1-9][0-9]{3}-[0-9]{2}-[0-9]{2}T([01][0-9]|2[0-3]):[0-5][0-9]:[0-5][0-9](\.[0-9]{1,6})?"
_OFFSET = r"(Z|[+-]([01][0-9]|2[0-3]):[0-5][0-9])$"
_MAX_INT = 2_147_483_647


class Recognised(NamedTuple):
    stored: pl.DataFrame  # the rows validate.py would accept, as STORED_SCHEMA
    undecided: list[int]  # positions in the batch, for validate.py


def frame_of(rows: Sequence[Any]) -> tuple[pl.DataFrame, list[int]]:
    """The batch's rows of text (ints as their text, as validate.py reads them) as columns;
    a row of other values (a float, a list, …) is left out and its position returned."""
    lines = [p for p, row in enumerate(rows) if row.__class__ is TextRow]
    headers = {id(rows[p].header) for p in lines}
    if lines and len(lines) == len(rows) and len(headers) == 1:  # a batch of one CSV file
        header: Header = rows[0].header
        values = list(zip(*(rows[p].fields for p in lines), strict=True))
        columns = [
            values[header.index[c]] if c in header.index else [None] * len(lines) for c in CANONICAL
        ]
        return _frame(columns, lines), []
    keep: list[int] = []
    kept: list[Mapping[str, Any]] = []
    undecided: list[int] = []
    for position, row in enumerate(rows):
        text = row if row.__class__ is TextRow else _as_text(row)
        if text is None:
            undecided.append(position)
        else:
            keep.append(position)
            kept.append(text)
    return _frame([[r.get(c) for r in kept] for c in CANONICAL], keep), undecided


def _frame(columns: Sequence[Sequence[str | None]], positions: list[int]) -> pl.DataFrame:
    series = [pl.Series(c, v, pl.String()) for c, v in zip(CANONICAL, columns, strict=True)]
    return pl.DataFrame([*series, pl.Series(ROW, positions, INT)])


def _as_text(row: Any) -> dict[str, str | None] | None:
    """A JSON row with its whole numbers as text, or None when it holds any other kind (or a
    text with a lone surrogate, which is not UTF-8: validate.py names it)."""
    if not isinstance(row, Mapping):
        return None
    text: dict[str, str | None] = {}
    for key, value in row.items():
        if value is None or (value.__class__ is str and is_utf8(value)):
            text[key] = value
        elif value.__class__ is int:
            text[key] = str(value)
        else:
            return None
    return text


def recognise(rows: Sequence[Any], directory: CustomerDirectory) -> Recognised:
    """Positions in `rows` become either a stored row or an undecided one, never both."""
    return recognise_frame(*frame_of(rows), directory)


def recognise_frame(
    frame: pl.DataFrame, undecided: list[int], directory: CustomerDirectory
) -> Recognised:
    """The same for rows already in text columns (CANONICAL, and ROW: their positions)."""
    undecided = list(undecided)
    blanked = frame.with_columns(
        pl.when(pl.col(c) == "").then(None).otherwise(pl.col(c)).alias(c) for c in CANONICAL
    )
    parsed = blanked.with_columns(_parsed(directory)).with_columns(
        pl.coalesce("_by_id", "_by_ref", "_by_sip").alias("_customer")
    )
    sure = parsed.filter(_well_formed() & _consistent(directory))
    undecided.extend(frame.join(sure.select(ROW), on=ROW, how="anti")[ROW].to_list())
    stored = sure.select(_stored_columns()).cast(STORED_SCHEMA)
    return Recognised(stored, sorted(undecided))


def _parsed(directory: CustomerDirectory) -> list[pl.Expr]:
    ids = {k: v.id for k, v in directory.by_id.items()}
    refs = {k: v.id for k, v in directory.by_ref.items()}
    sips = {k: v.id for k, v in directory.by_sip_user.items()}

    def owner(value: pl.Expr, table: dict[Any, int]) -> pl.Expr:
        return value.replace_strict(table, default=None, return_dtype=INT)

    whole = [
        "customer_id", "duration", "billed_duration", "sip_code", "pdd_ms", "ring_ms",
    ]  # fmt: skip
    return [
        *(_whole(c).alias(f"_{c}") for c in whole),
        *(_millionths(c).alias(f"_{c}") for c in MONEY),
        *(_time(c).alias(f"_{c}") for c in ("start_time", "answer_time", "end_time")),
        owner(_whole("customer_id"), ids).alias("_by_id"),
        owner(pl.col("customer_ref"), refs).alias("_by_ref"),
        owner(pl.col("sip_user"), sips).alias("_by_sip"),
        owner(pl.col("provider").str.to_lowercase(), directory.providers).alias("_provider_id"),
    ]


def _whole(column: str) -> pl.Expr:
    value = pl.col(column)
    return pl.when(value.str.contains(_WHOLE)).then(value.cast(INT, strict=False))


def _millionths(column: str) -> pl.Expr:
    value = pl.col(column)
    exact = value.cast(pl.Decimal(18, 6), strict=False) * 1_000_000  # ≤ 12 + 6 digits: exact
    return pl.when(value.str.contains(_MONEY)).then(exact.cast(INT))


def _time(column: str) -> pl.Expr:
    value = pl.col(column)
    with_offset = value.str.to_datetime(
        "%Y-%m-%dT%H:%M:%S%.f%#z", time_unit="us", time_zone="UTC", strict=False
    )
    without = value.str.to_datetime("%Y-%m-%dT%H:%M:%S%.f", time_unit="us", strict=False)
    return (
        pl.when(value.str.contains(_TIME + _OFFSET))
        .then(with_offset)
        .when(value.str.contains(_TIME + "$"))
        .then(without.dt.replace_time_zone("UTC"))
    )


def _present(column: str) -> pl.Expr:
    return pl.col(column).is_not_null()


def _read(column: str) -> pl.Expr:
    """Blank, or read as its kind (a number, a time) by the recogniser."""
    return pl.col(column).is_null() | pl.col(f"_{column}").is_not_null()


def _well_formed() -> pl.Expr:
    texts = [
        pl.col(c).is_null()
        | ((pl.col(c).str.len_chars() <= limit) & ~pl.col(c).str.contains(_UNSURE_TEXT))
        for c, limit in TEXT_LIMITS.items()
    ]
    refs = [
        pl.col(c).is_null() | ~pl.col(c).str.contains(_UNSURE_TEXT)
        for c in ("customer_ref", "currency", "direction", "provider")
    ]
    required = [_present(c) for c in ("call_id", "callee", "start_time", "end_time")]
    read = [
        _read(c)
        for c in (
            "duration", "billed_duration", "sip_code", "pdd_ms", "ring_ms",
            "rate", "charge", "cost", "start_time", "answer_time", "end_time",
        )
    ]  # fmt: skip
    return pl.all_horizontal(
        *texts,
        *refs,
        *required,
        *read,
        pl.col("_duration").is_not_null(),
        pl.col("_sip_code").is_not_null(),
        *(
            pl.col(c).is_null() | (pl.col(c).str.len_chars() <= 100)
            for c in ("customer_ref", "provider")
        ),
        pl.col("start_time").str.contains(_TIME + _OFFSET),
    )


def _consistent(directory: CustomerDirectory) -> pl.Expr:
    start, answer, end = pl.col("_start_time"), pl.col("_answer_time"), pl.col("_end_time")
    duration, code = pl.col("_duration"), pl.col("_sip_code")
    answered_code = (code >= 200) & (code <= 299)
    talk_us = (end - answer).dt.total_microseconds()
    currencies = {k: v.currency for k, v in directory.by_id.items()}
    currency = pl.col("_customer").replace_strict(currencies, default=None, return_dtype=pl.String)
    same_customer = [
        pl.col(key).is_null() | (pl.col(found) == pl.col("_customer"))
        for key, found in (("customer_id", "_by_id"), ("customer_ref", "_by_ref"))
    ] + [pl.col("sip_user").is_null() | (pl.col("_by_sip") == pl.col("_customer"))]
    latest = datetime.now(UTC) + LATEST_AHEAD
    return pl.all_horizontal(
        pl.col("_customer").is_not_null(),
        *same_customer,
        pl.col("provider").is_null() | pl.col("_provider_id").is_not_null(),
        pl.col("_customer_id").is_null() | (pl.col("_customer_id") >= 1),
        *(
            pl.col(f"_{c}").is_null() | (pl.col(f"_{c}") <= _MAX_INT)
            for c in ("duration", "billed_duration", "pdd_ms", "ring_ms")
        ),
        (code >= 100) & (code <= 699),
        pl.col("direction").is_null() | pl.col("direction").is_in(["outbound", "inbound"]),
        pl.col("currency").is_null() | (pl.col("currency") == currency),
        pl.col("dest_code").is_null() | pl.col("dest_code").str.contains(r"^[0-9]+$"),
        (start >= EARLIEST) & (start <= latest),
        end >= start,
        answer.is_null() | ((answer >= start) & (answer <= end)),
        answer.is_null() != answered_code,
        answer.is_not_null() | (duration == 0),
        answer.is_null() | (duration == 0) | (duration * 1_000_000 <= talk_us + 1_000_000),
    )


def _stored_columns() -> list[pl.Expr]:
    return [
        pl.col(ROW),
        pl.col("_customer").alias("customer_id"),
        pl.col("_start_time").alias("start_time"),
        pl.col("call_id"),
        pl.col("sip_user"),
        pl.col("_answer_time").alias("answer_time"),
        pl.col("_end_time").alias("end_time"),
        pl.col("_duration").alias("duration"),
        pl.coalesce("_billed_duration", "_duration").alias("billed_duration"),
        pl.col("caller"),
        pl.col("callee"),
        pl.col("dest_code"),
        pl.col("dest_name"),
        pl.col("_sip_code").alias("sip_code"),
        pl.col("sip_reason"),
        pl.col("release_reason"),
        pl.col("_pdd_ms").alias("pdd_ms"),
        pl.col("_ring_ms").alias("ring_ms"),
        pl.col("direction").fill_null("outbound"),
        pl.col("_rate").alias("rate"),
        pl.col("_charge").alias("charge"),
        # Left to rate when the CDR names a provider (cdrs/rating.py); else CDR.md's default.
        pl.when(pl.col("_provider_id").is_null())
        .then(pl.col("_cost").fill_null(0))
        .otherwise(pl.col("_cost"))
        .alias("cost"),
        pl.lit(0, INT).alias("rated"),
        pl.col("_provider_id").alias("provider_id"),
    ]


def frame_of_stored(rows: Sequence[tuple[int, StoredColumns]]) -> pl.DataFrame:
    """Rows validate.py accepted, as the recogniser's frame (row number first)."""
    data = [
        (
            row,
            *c[:18],
            *(None if m is None else int(m.scaleb(6)) for m in c[18:21]),
            c.rated,
            c.provider_id,
        )
        for row, c in rows
    ]
    return pl.DataFrame(data, schema=STORED_SCHEMA, orient="row")
