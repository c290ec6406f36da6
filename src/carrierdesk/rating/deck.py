"""A rate deck (CSV) read and checked at once, in Polars: no Python object is made per row.

The file is split into columns by Polars' CSV reader (quotes, commas and newlines inside quoted
values, CRLF), every value is checked by vectorised expressions, and the result is either the
rates to store or the list of every bad row with every bad value of it. Row 1 is the first row
after the header; a blank line counts as a row (as csv.reader counts it) and is skipped.

Money becomes whole micro-units (Int64, exact: the digits are moved, never a float), times
microseconds since the epoch, UTC (Int64).
"""

from __future__ import annotations

import codecs
import csv
import io
from dataclasses import dataclass
from datetime import UTC, datetime

import polars as pl

from carrierdesk.errors import FieldError, Invalid

COLUMNS = (
    "prefix",
    "destination",
    "rate",
    "connection_fee",
    "initial_increment",
    "next_increment",
    "effective_from",
)
REQUIRED = ("prefix", "destination", "rate")
MAX_DESTINATION = 100
MAX_SECONDS = 3600
MICROS = 1_000_000
EXTRA = "_extra"  # a value beyond the header's columns
ROW = "row"
# What each bad value is told (the message after "column: ").
MONEY_RULE = "must be a decimal ≥ 0 with at most 6 decimal places"
MONEY_TOO_LARGE = "must be less than 1000000000000"
PREFIX_RULE = "must be 1 to 20 digits"
INITIAL_RULE = f"must be a whole number of seconds from 0 to {MAX_SECONDS}"
NEXT_RULE = f"must be a whole number of seconds from 1 to {MAX_SECONDS}"
TIME_RULE = (
    "must be an ISO 8601 time with Z or an offset (2026-12-01T00:00:00Z, "
    "2026-12-01T01:00:00+01:00) or a date (2026-12-01, midnight UTC)"
)
TIME_INVALID = "is not a real date and time"
TIME_RANGE = "must be in the years 1970 to 9999"
NOT_UTF8 = "is not UTF-8 text (save the file as UTF-8)"
HAS_NUL = "contains a NUL byte"
CONTROL = "must not contain control characters"

# Bytes that are not UTF-8 become U+FFFF (a noncharacter), so the row and column holding them
# can be named; only when the file is not UTF-8 (a valid file's U+FFFF is left alone).
_MARK = "\uffff"


def _mark_bad_bytes(error: UnicodeError) -> tuple[str, int]:
    assert isinstance(error, UnicodeDecodeError)
    return _MARK, error.end


codecs.register_error("carrierdesk-deck", _mark_bad_bytes)
_CONTROLS = r"[\x01-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f]"
_TIME = (
    r"^([0-9]{4})-([0-9]{2})-([0-9]{2})(?:[Tt ]([0-9]{2}):([0-9]{2})"
    r"(?::([0-9]{2})(?:\.([0-9]{1,6}))?)?([Zz]|[+-][0-9]{2}(?::?[0-9]{2})?))?$"
)
_EPOCH_1970 = 0
_EPOCH_10000 = 253_402_300_800 * MICROS  # 10000-01-01T00:00:00Z


@dataclass(frozen=True)
class Rejection:
    row: int
    errors: list[str]


@dataclass(frozen=True)
class Deck:
    """The checked rates (RATE_SCHEMA) and the rows that are not."""

    rates: pl.DataFrame
    rejected: list[Rejection]
    rows: int  # data rows read (blank lines included)


RATE_SCHEMA = {
    ROW: pl.Int64,
    "prefix": pl.String,
    "destination": pl.String,
    "rate_micros": pl.Int64,
    "fee_micros": pl.Int64,
    "initial_increment": pl.Int64,
    "next_increment": pl.Int64,
    "effective_from": pl.Int64,
}


def refused(
    detail: str, errors: list[FieldError], rejected: list[Rejection] | None = None
) -> Invalid:
    """A deck refused whole: problem+json with `accepted` 0 and `rejected` (what the API's 422
    of PUT /rate-cards/{id}/rates always carries)."""
    rows = [{"row": r.row, "errors": r.errors} for r in rejected or []]
    return Invalid(detail, errors, accepted=0, rejected=rows)


def read_deck(body: bytes, now: datetime) -> Deck:
    """The rates of a deck, checked; raises `refused(...)` when the file itself is unusable (no
    header, unknown or missing columns, a quote never closed). `now` is effective_from's
    default: the time of the upload."""
    raw = body.removeprefix(codecs.BOM_UTF8)
    if not raw.strip():
        raise refused(
            "The body is empty: send a CSV deck (a header row, then one rate per line).",
            [
                FieldError(
                    "body", "is empty: send a header row (prefix,destination,rate,…) and rates"
                )
            ],
        )
    utf8 = _is_utf8(raw)
    data = raw if utf8 else raw.decode("utf-8", "carrierdesk-deck").encode("utf-8")
    cut = data.find(b"\n")
    header_line, rest = (data, b"") if cut < 0 else (data[:cut], data[cut + 1 :])
    names = _header(header_line.decode("utf-8").rstrip("\r"))
    frame = _split(names, rest)
    if frame.filter(~_blank(names)).is_empty():
        raise refused(
            "The deck has a header but no rates.",
            [FieldError("body", "has a header but no rates")],
        )
    return _check(frame, names, utf8, now)


def _is_utf8(raw: bytes) -> bool:
    try:
        raw.decode("utf-8")
    except UnicodeDecodeError:
        return False
    return True


def _header(line: str) -> list[str]:
    """The header's column names (trimmed, lower case), or the file refused naming each
    problem: a column missing, unknown or given twice."""
    if _MARK in line or "\x00" in line:
        raise refused(
            f"The header row {NOT_UTF8 if _MARK in line else HAS_NUL}.",
            [FieldError("header", NOT_UTF8 if _MARK in line else HAS_NUL)],
        )
    try:
        names = [name.strip().lower() for name in next(csv.reader([line], strict=True), [])]
    except csv.Error as exc:  # a lone CR (old Mac line ends), a quote never closed
        message = f"is not a CSV row ({exc}); end lines with LF or CRLF and close every quote"
        raise refused(f"The deck's header {message}.", [FieldError("header", message)]) from None
    errors: list[FieldError] = []
    seen: set[str] = set()
    for position, name in enumerate(names, 1):
        if not name:
            errors.append(FieldError("header", f"column {position} has no name"))
        elif name in seen:
            errors.append(FieldError(name, "column is given twice in the header"))
        elif name not in COLUMNS:
            shown = name if len(name) <= 40 else name[:40] + "…"
            errors.append(
                FieldError(shown, f"unknown column: a deck's columns are {', '.join(COLUMNS)}")
            )
        seen.add(name)
    errors += [
        FieldError(column, "column is missing from the header")
        for column in REQUIRED
        if column not in seen
    ]
    if errors:
        detail = "; ".join(f"{e.field}: {e.message}" for e in errors)
        raise refused(f"The deck's header is not usable: {detail}.", errors)
    return names


def _split(names: list[str], rest: bytes) -> pl.DataFrame:
    """The rows as text columns named by the header (null: an empty or missing value), EXTRA
    holding a value beyond them, and ROW."""
    width = len(names)
    head = ",".join(f"c{i}" for i in range(width + 1)).encode() + b"\n"
    try:
        frame = pl.read_csv(
            io.BytesIO(head + rest),
            has_header=True,
            infer_schema=False,
            truncate_ragged_lines=True,
            quote_char='"',
            row_index_name=ROW,
            row_index_offset=1,
        )
    except pl.exceptions.PolarsError:
        raise _unreadable(rest) from None
    frame = frame.rename({f"c{i}": name for i, name in enumerate(names)} | {f"c{width}": EXTRA})
    return frame.with_columns(pl.col(ROW).cast(pl.Int64))


def _unreadable(rest: bytes) -> Invalid:
    """A file Polars cannot split (a quote never closed, text after a closing quote): the row
    where csv.reader (strict) stops too, named; nothing past it can be read for sure."""
    reader = csv.reader(io.StringIO(rest.decode("utf-8"), newline=""), strict=True)
    row = 0
    try:
        for row, _values in enumerate(reader, 1):  # noqa: B007 (only the count is wanted)
            pass
    except csv.Error as exc:
        message = f"row: the CSV cannot be read from here ({exc}); check its quotes"
        return refused(
            f"Row {row + 1} of the deck is not well-formed CSV: nothing was stored.",
            [],
            [Rejection(row + 1, [message])],
        )
    return refused(
        "The deck is not well-formed CSV (check its quotes): nothing was stored.",
        [FieldError("body", "is not well-formed CSV (check its quotes)")],
    )


def _blank(names: list[str]) -> pl.Expr:
    return pl.all_horizontal(pl.col(c).is_null() for c in [*names, EXTRA])


def _value(column: str, names: list[str]) -> pl.Expr:
    """A column's trimmed text ("" when empty, missing, or not in the header)."""
    if column not in names:
        return pl.lit("", pl.String)
    return pl.col(column).fill_null("").str.strip_chars()


def _text_problem(column: str, utf8: bool) -> pl.Expr:
    """A NUL byte or a byte that is not UTF-8: named before the column's own rule."""
    value = pl.col(column)
    when = pl.when(value.str.contains("\x00", literal=True)).then(pl.lit(f"{column}: {HAS_NUL}"))
    if not utf8:
        return (
            pl.when(value.str.contains(_MARK, literal=True))
            .then(pl.lit(f"{column}: {NOT_UTF8}"))
            .otherwise(when.otherwise(None))
        )
    return when.otherwise(None)


def _money(column: str) -> tuple[pl.Expr, pl.Expr]:
    """(micro-units, the error) of a decimal ≥ 0 with at most 6 places (trailing zeros of the
    fraction do not count); empty is left to the caller."""
    value = pl.col(column)
    # A match and a split: twice as fast as extract_groups (the deck's costliest column).
    shaped = value.str.contains(r"^[0-9]*(?:\.[0-9]*)?$") & value.str.contains("[0-9]")
    parts = value.str.split_exact(".", 1).struct
    whole = parts.field("field_0").str.strip_chars_start("0")
    fraction = parts.field("field_1").fill_null("").str.strip_chars_end("0")
    ok = shaped & (fraction.str.len_chars() <= 6) & (whole.str.len_chars() <= 12)
    micros = pl.when(ok).then(
        pl.when(whole == "").then(pl.lit("0")).otherwise(whole).cast(pl.Int64, strict=False)
        * MICROS
        + fraction.str.pad_end(6, "0").cast(pl.Int64, strict=False)
    )
    error = (
        pl.when(~shaped | (fraction.str.len_chars() > 6))
        .then(pl.lit(f"{column}: {MONEY_RULE}"))
        .when(whole.str.len_chars() > 12)
        .then(pl.lit(f"{column}: {MONEY_TOO_LARGE}"))
    )
    return micros, error


def _seconds(column: str, low: int, rule: str) -> tuple[pl.Expr, pl.Expr]:
    value = pl.col(column)
    number = pl.when(value.str.contains(r"^[0-9]{1,5}$")).then(value.cast(pl.Int64, strict=False))
    ok = number.is_between(low, MAX_SECONDS)
    return pl.when(ok).then(number), pl.when(~ok.fill_null(False)).then(pl.lit(f"{column}: {rule}"))


def _time(column: str) -> tuple[pl.Expr, pl.Expr]:
    """(µs since the epoch, the error) of ISO 8601 with Z or an offset, or a date."""
    parts = pl.col(column).str.extract_groups(_TIME)
    field = parts.struct.field
    zone = field("8").str.to_uppercase()
    offset = (
        pl.when(zone.is_null() | (zone == "Z"))
        .then(pl.lit("+00:00"))
        .otherwise(
            zone.str.slice(0, 3)
            + ":"
            + zone.str.slice(3).str.strip_chars_start(":").str.pad_end(2, "0")
        )
    )
    normal = pl.concat_str(
        field("1"),
        pl.lit("-"),
        field("2"),
        pl.lit("-"),
        field("3"),
        pl.lit("T"),
        field("4").fill_null("00"),
        pl.lit(":"),
        field("5").fill_null("00"),
        pl.lit(":"),
        field("6").fill_null("00"),
        pl.lit("."),
        field("7").fill_null("0").str.pad_end(6, "0"),
        offset,
    )
    parsed = normal.str.to_datetime(
        "%Y-%m-%dT%H:%M:%S%.f%:z", strict=False, time_unit="us", time_zone="UTC"
    )
    # chrono reads second 60 as a leap second (the next minute): not a time a deck means.
    real = parsed.is_not_null() & (field("6").fill_null("00") != "60")
    micros = parsed.dt.epoch("us")
    in_range = micros.is_between(_EPOCH_1970, _EPOCH_10000, closed="left")
    error = (
        pl.when(field("1").is_null())
        .then(pl.lit(f"{column}: {TIME_RULE}"))
        .when(~real)
        .then(pl.lit(f"{column}: {TIME_INVALID}"))
        .when(~in_range)
        .then(pl.lit(f"{column}: {TIME_RANGE}"))
    )
    return pl.when(real & in_range).then(micros), error


def _check(frame: pl.DataFrame, names: list[str], utf8: bool, now: datetime) -> Deck:
    rows = frame.height
    frame = frame.filter(~_blank(names))
    given = {c: _value(c, names) for c in COLUMNS}
    text = frame.select(ROW, EXTRA, **given)
    now_us = _epoch_us(now)

    rate_micros, rate_error = _money("rate")
    fee_micros, fee_error = _money("connection_fee")
    initial, initial_error = _seconds("initial_increment", 0, INITIAL_RULE)
    following, next_error = _seconds("next_increment", 1, NEXT_RULE)
    # A deck has few distinct times (often one): each is parsed once and joined back.
    times = text.select(pl.col("effective_from").unique())
    micros, problem = _time("effective_from")
    times = times.with_columns(micros.alias("_effective_us"), problem.alias("_time_error"))
    text = text.join(times, on="effective_from", how="left", nulls_equal=True)
    effective, time_error = pl.col("_effective_us"), pl.col("_time_error")
    empty = {c: pl.col(c) == "" for c in COLUMNS}
    checked = text.with_columns(
        pl.when(pl.col("prefix").str.contains(r"^[0-9]{1,20}$"))
        .then(None)
        .otherwise(pl.lit(f"prefix: {PREFIX_RULE}"))
        .alias("_prefix"),
        pl.when(pl.col("destination").str.len_chars() > MAX_DESTINATION)
        .then(pl.lit(f"destination: must be at most {MAX_DESTINATION} characters"))
        .when(pl.col("destination").str.contains(_CONTROLS))
        .then(pl.lit(f"destination: {CONTROL}"))
        .alias("_destination"),
        pl.when(empty["rate"])
        .then(pl.lit(f"rate: is required ({MONEY_RULE})"))
        .otherwise(rate_error)
        .alias("_rate"),
        pl.when(empty["connection_fee"]).then(None).otherwise(fee_error).alias("_connection_fee"),
        pl.when(empty["initial_increment"])
        .then(None)
        .otherwise(initial_error)
        .alias("_initial_increment"),
        pl.when(empty["next_increment"]).then(None).otherwise(next_error).alias("_next_increment"),
        pl.when(empty["effective_from"]).then(None).otherwise(time_error).alias("_effective_from"),
        pl.when(pl.col(EXTRA).is_not_null())
        .then(pl.lit(f"row: has more values than the header's {len(names)} columns"))
        .alias("_extra"),
        rate_micros.alias("rate_micros"),
        pl.when(empty["connection_fee"])
        .then(pl.lit(0, pl.Int64))
        .otherwise(fee_micros)
        .alias("fee_micros"),
        pl.when(empty["initial_increment"])
        .then(pl.lit(1, pl.Int64))
        .otherwise(initial)
        .alias("initial_us"),
        pl.when(empty["next_increment"])
        .then(pl.lit(1, pl.Int64))
        .otherwise(following)
        .alias("next_us"),
        pl.when(empty["effective_from"])
        .then(pl.lit(now_us, pl.Int64))
        .otherwise(effective)
        .alias("effective_us"),
    )
    # A NUL or a non-UTF-8 byte is what a column is told first (its own rule would only confuse).
    checked = checked.with_columns(
        pl.coalesce(_text_problem(c, utf8), pl.col(f"_{c}")).alias(f"_{c}") for c in COLUMNS
    )
    checked = _duplicates(checked)
    messages = [f"_{c}" for c in COLUMNS] + ["_extra", "_duplicate"]
    checked = checked.with_columns(pl.concat_list(messages).list.drop_nulls().alias("_errors"))
    bad = checked.filter(pl.col("_errors").list.len() > 0)
    rejected = [Rejection(row, errors) for row, errors in bad.select(ROW, "_errors").iter_rows()]
    rates = checked.filter(pl.col("_errors").list.len() == 0).select(
        ROW,
        "prefix",
        "destination",
        "rate_micros",
        "fee_micros",
        pl.col("initial_us").alias("initial_increment"),
        pl.col("next_us").alias("next_increment"),
        pl.col("effective_us").alias("effective_from"),
    )
    return Deck(rates.cast(RATE_SCHEMA), rejected, rows)  # type: ignore[arg-type]


def _duplicates(checked: pl.DataFrame) -> pl.DataFrame:
    """A (prefix, effective_from) given again is an error of the later row, naming the first."""
    keyed = pl.col("_prefix").is_null() & pl.col("_effective_from").is_null()
    key = ["prefix", "effective_us"]
    first = pl.col(ROW).filter(keyed).min().over(key)
    when = iso_text(pl.col("effective_us"))
    message = pl.format("prefix: {} from {} is already in row {}", pl.col("prefix"), when, first)
    return checked.with_columns(
        pl.when(keyed & (pl.col(ROW) != first)).then(message).alias("_duplicate")
    )


def _epoch_us(moment: datetime) -> int:
    delta = moment.astimezone(UTC) - datetime(1970, 1, 1, tzinfo=UTC)
    return (delta.days * 86_400 + delta.seconds) * MICROS + delta.microseconds


def iso_text(micros: pl.Expr) -> pl.Expr:
    """µs since the epoch as the deck writes it: 2026-12-01T00:00:00Z (…:00.250000Z)."""
    moment = pl.from_epoch(micros, "us")
    return (
        pl.when(micros % MICROS == 0)
        .then(moment.dt.strftime("%Y-%m-%dT%H:%M:%SZ"))
        .otherwise(moment.dt.strftime("%Y-%m-%dT%H:%M:%S%.6fZ"))
    )


def money_text(micros: pl.Expr) -> pl.Expr:
    """Micro-units as a decimal with 6 places (0.012300)."""
    whole = (micros // MICROS).cast(pl.String)
    return whole + "." + (micros % MICROS).cast(pl.String).str.zfill(6)


def deck_csv(rates: pl.DataFrame) -> bytes:
    """deck_rows' frame of one card as the upload format (the same header; round-trips)."""
    return (
        rates.select(
            "prefix",
            "destination",
            money_text(pl.col("rate_micros")).alias("rate"),
            money_text(pl.col("fee_micros")).alias("connection_fee"),
            "initial_increment",
            "next_increment",
            iso_text(pl.col("effective_from")).alias("effective_from"),
        )
        .write_csv()
        .encode()
    )
