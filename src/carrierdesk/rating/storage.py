"""Decks in and out in bulk: one COPY on PostgreSQL, one executemany on SQLite, never a row at a
time; and a card's deck read back as one Polars frame (for rating and for the CSV download).

An upload is added to the card's deck: a stored rate of the same prefix and effective_from is
replaced; `replace` makes the upload the whole deck. The upload goes into a temporary table
(COPY on PostgreSQL, one executemany on SQLite), then three set-based statements: delete what
the upload replaces (with `replace`, every rate it does not hold as it is), insert what is not
stored yet. A rate uploaded again as it is stays as it is (its id too), so uploading the
download of a deck changes nothing. All of it in the request's one transaction: a failure leaves
the deck as it was. (Plain inserts after the deletes, not an upsert: INSERT … ON CONFLICT DO
UPDATE took 2 s more at 250,000 rows on PostgreSQL.)
"""

from __future__ import annotations

import io
from collections.abc import Sequence
from typing import Any

import polars as pl
from psycopg import sql
from sqlalchemy.orm import Session

from carrierdesk.db import is_postgres
from carrierdesk.rating.deck import money_text

# deck_rows' columns: what the rating engine computes with (money in µ-units, times in µs).
DECK_SCHEMA: dict[str, Any] = {
    "rate_card_id": pl.Int64,
    "prefix": pl.String,
    "destination": pl.String,
    "rate_micros": pl.Int64,
    "fee_micros": pl.Int64,
    "initial_increment": pl.Int64,
    "next_increment": pl.Int64,
    "effective_from": pl.Int64,
}
ORDER = ["rate_card_id", "prefix", "effective_from"]
_STORED = (
    "prefix, destination, rate, connection_fee, initial_increment, next_increment, effective_from"
)
_VALUES = ("destination", "rate", "connection_fee", "initial_increment", "next_increment")
# The same values in read_deck's and read_decks' frames (money in micro-units).
_FRAME_VALUES = tuple(
    {"rate": "rate_micros", "connection_fee": "fee_micros"}.get(c, c) for c in _VALUES
)
NEW, CHANGED, UNCHANGED = "new", "changed", "unchanged"


def _same_key(stored: str) -> str:
    return f"{stored}.prefix = u.prefix AND {stored}.effective_from = u.effective_from"


def _same_values(stored: str) -> str:
    return " AND ".join(f"{stored}.{column} = u.{column}" for column in _VALUES)


# {card} is the driver's placeholder (%s or ?): the same statements on both databases.
_REPLACED = f"""
DELETE FROM rates WHERE rate_card_id = {{card}} AND EXISTS (
    SELECT 1 FROM rates_upload u
    WHERE {_same_key("rates")} AND NOT ({_same_values("rates")})
)
"""
_NOT_KEPT = f"""
DELETE FROM rates WHERE rate_card_id = {{card}} AND NOT EXISTS (
    SELECT 1 FROM rates_upload u
    WHERE {_same_key("rates")} AND {_same_values("rates")}
)
"""
_NEW = f"""
INSERT INTO rates (rate_card_id, {_STORED})
SELECT {{card}}, {_STORED} FROM rates_upload u WHERE NOT EXISTS (
    SELECT 1 FROM rates r WHERE r.rate_card_id = {{card}} AND {_same_key("r")}
)
"""


def store_deck(session: Session, card_id: int, rates: pl.DataFrame, replace: bool) -> None:
    """Store deck.read_deck's rates in the card's deck (rates unique by prefix and time)."""
    raw = session.connection().connection.driver_connection
    postgres = is_postgres(session)
    mark = "%s" if postgres else "?"
    cursor = raw.cursor()  # type: ignore[union-attr]
    try:
        if postgres:
            _stage_postgres(cursor, rates)
        else:
            _stage_sqlite(cursor, rates)
        delete = _NOT_KEPT if replace else _REPLACED
        cursor.execute(delete.format(card=mark), (card_id,))
        cursor.execute(_NEW.format(card=mark), (card_id, card_id))
        cursor.execute("DROP TABLE rates_upload")
    finally:
        cursor.close()


def compare_deck(rates: pl.DataFrame, stored: pl.DataFrame) -> pl.DataFrame:
    """What store_deck would do with each uploaded rate, by the rule its statements apply (the
    same key, the same values), in one join: `rates` with `change` (NEW: no stored rate of its
    prefix and effective_from; CHANGED: one with other values, replaced; UNCHANGED: one just
    like it, kept) and `was_rate_micros` (the stored rate, when there is one)."""
    key = ["prefix", "effective_from"]
    was = stored.select(*key, *(pl.col(c).alias(f"was_{c}") for c in _FRAME_VALUES))
    joined = rates.join(was, on=key, how="left")
    same = pl.all_horizontal(pl.col(c) == pl.col(f"was_{c}") for c in _FRAME_VALUES)
    change = (
        pl.when(pl.col("was_rate_micros").is_null())
        .then(pl.lit(NEW))
        .when(same)
        .then(pl.lit(UNCHANGED))
        .otherwise(pl.lit(CHANGED))
    )
    kept = [c for c in joined.columns if not c.startswith("was_")]
    return joined.select(*kept, change.alias("change"), "was_rate_micros")


# --- SQLite -------------------------------------------------------------------------------

_SQLITE_TIME = "%Y-%m-%d %H:%M:%S%.6f"  # as SQLAlchemy's DateTime keeps it: naive UTC, µs
_SQLITE_STAGE = """
CREATE TEMPORARY TABLE rates_upload (
    prefix TEXT, destination TEXT, rate INTEGER, connection_fee INTEGER,
    initial_increment INTEGER, next_increment INTEGER, effective_from TEXT
)
"""


def _stage_sqlite(cursor: Any, rates: pl.DataFrame) -> None:
    rows = rates.select(
        "prefix",
        "destination",
        "rate_micros",  # Money6 keeps whole micro-units on SQLite
        "fee_micros",
        "initial_increment",
        "next_increment",
        pl.from_epoch("effective_from", "us").dt.strftime(_SQLITE_TIME),
    ).rows()
    cursor.execute(_SQLITE_STAGE)
    cursor.executemany(f"INSERT INTO rates_upload ({_STORED}) VALUES (?, ?, ?, ?, ?, ?, ?)", rows)
    # The key the statements join on (a temporary index, gone with the table).
    cursor.execute("CREATE INDEX temp.rates_upload_key ON rates_upload (prefix, effective_from)")


# --- PostgreSQL -----------------------------------------------------------------------------

_PG_STAGE = """
CREATE TEMPORARY TABLE rates_upload (
    prefix text, destination text, rate numeric(18, 6), connection_fee numeric(18, 6),
    initial_increment integer, next_increment integer, effective_from timestamptz
) ON COMMIT DROP
"""
_PG_TIME = "%Y-%m-%d %H:%M:%S%.6f+00"
# An empty destination is written as nothing, which COPY would read as NULL: not here.
_PG_COPY = f"COPY rates_upload ({_STORED}) FROM STDIN (FORMAT csv, FORCE_NOT_NULL (destination))"


def _postgres_csv(rates: pl.DataFrame) -> bytes:
    return (
        rates.select(
            "prefix",
            "destination",
            money_text(pl.col("rate_micros")),
            money_text(pl.col("fee_micros")),
            "initial_increment",
            "next_increment",
            pl.from_epoch("effective_from", "us").dt.strftime(_PG_TIME),
        )
        .write_csv(include_header=False)
        .encode()
    )


def _stage_postgres(cursor: Any, rates: pl.DataFrame) -> None:
    cursor.execute(_PG_STAGE)
    with cursor.copy(_PG_COPY) as copy:
        copy.write(_postgres_csv(rates))
    cursor.execute("ANALYZE rates_upload")  # a temporary table has no statistics


# --- Reading --------------------------------------------------------------------------------


def read_decks(session: Session, card_ids: Sequence[int]) -> pl.DataFrame:
    """Every rate of the cards, as DECK_SCHEMA, sorted by card, prefix and effective_from."""
    ids = sorted({int(i) for i in card_ids})
    if not ids:
        return pl.DataFrame(schema=DECK_SCHEMA)
    frame = _read_postgres(session, ids) if is_postgres(session) else _read_sqlite(session, ids)
    return frame.sort(ORDER)


_PG_READ = """
COPY (
    SELECT rate_card_id, prefix, destination, (rate * 1000000)::bigint,
        (connection_fee * 1000000)::bigint, initial_increment, next_increment,
        (extract(epoch FROM effective_from) * 1000000)::bigint
    FROM rates WHERE rate_card_id = ANY({ids})
) TO STDOUT (FORMAT csv)
"""


def _read_postgres(session: Session, ids: list[int]) -> pl.DataFrame:
    raw = session.connection().connection.driver_connection
    statement = sql.SQL(_PG_READ).format(ids=sql.Literal(ids))
    chunks: list[bytes] = []
    with raw.cursor() as cursor, cursor.copy(statement) as copy:  # type: ignore[union-attr]
        chunks.extend(bytes(chunk) for chunk in copy)
    data = b"".join(chunks)
    if not data:
        return pl.DataFrame(schema=DECK_SCHEMA)
    frame = pl.read_csv(
        io.BytesIO(data), has_header=False, new_columns=list(DECK_SCHEMA), schema=DECK_SCHEMA
    )
    # COPY writes an empty text as "" and NULL as nothing; destination is never NULL.
    return frame.with_columns(pl.col("destination").fill_null(""))


def _read_sqlite(session: Session, ids: list[int]) -> pl.DataFrame:
    marks = ", ".join("?" * len(ids))
    raw = session.connection().connection.driver_connection
    cursor = raw.cursor()  # type: ignore[union-attr]
    try:
        cursor.execute(
            "SELECT rate_card_id, prefix, destination, rate, connection_fee, initial_increment, "
            f"next_increment, effective_from FROM rates WHERE rate_card_id IN ({marks})",
            ids,
        )
        rows = cursor.fetchall()
    finally:
        cursor.close()
    schema = {**DECK_SCHEMA, "effective_from": pl.String}
    frame = pl.DataFrame(rows, schema=schema, orient="row")
    moment = pl.col("effective_from").str.to_datetime(_SQLITE_TIME, time_unit="us")
    return frame.with_columns(moment.dt.epoch("us").alias("effective_from"))
