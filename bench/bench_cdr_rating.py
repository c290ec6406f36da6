"""Issue 13: `carrierdesk cdr import` of CDRs that arrive without a charge, rated at import from
the customers' rate card, against `psql \\copy` of the same file (target ≥ 0.4×) — once with a
small deck and once with a 250,000-prefix deck, to show that rating speed does not depend on
the deck's size. PostgreSQL, 500,000 CDRs by default (`--rows`, `--prefixes`)."""

from __future__ import annotations

import argparse
import random
import subprocess
import time
from pathlib import Path

import polars as pl
from sqlalchemy import create_engine, text
from sqlalchemy.engine import make_url

from bench.bench_cdr_import import BARE_PG, import_with_cli, stored
from bench.cdrgen import CUSTOMERS, csv_file, make_customers
from bench.common import fresh_postgres, report
from carrierdesk.auth.principals import CLI
from carrierdesk.db import transaction

ROWS = 500_000
PREFIXES = 250_000
SMALL_DECK = 1_000


def unrated_file(rows: int) -> Path:
    """The benchmarks' synthetic CDRs with the charge column left empty."""
    source = csv_file(rows, CUSTOMERS)
    path = source.with_name(source.stem + "-unrated.csv")
    if not path.exists():
        frame = pl.read_csv(source, infer_schema=False)
        frame.with_columns(pl.lit(None, pl.String).alias("charge")).write_csv(path)
    return path


def deck_csv(prefixes: int, seed: int = 13) -> bytes:
    """A deck of `prefixes` rates: every one-digit prefix (so that every call has a rate) and
    random longer ones, up to 9 digits, 30/6 billing."""
    chance = random.Random(seed)
    lines = [
        "prefix,destination,rate,connection_fee,initial_increment,next_increment,effective_from"
    ]
    seen = {str(d) for d in range(10)}
    lines += [f"{d},Rest of zone {d},0.0500,0,60,60,2026-01-01" for d in range(10)]
    while len(seen) < prefixes:
        prefix = str(chance.randrange(10, 10 ** chance.randint(2, 9)))
        if prefix not in seen:
            seen.add(prefix)
            rate = chance.randint(1, 99999) / 1e5
            lines.append(f"{prefix},Destination {prefix},{rate:.5f},0,30,6,2026-01-01")
    return ("\n".join(lines) + "\n").encode()


def rated_database(prefixes: int) -> str:
    """A fresh database whose 50 customers are on one card of `prefixes` rates (uploaded
    through the product's own deck upload; not timed)."""
    from carrierdesk.rating.schemas import RateCardCreate
    from carrierdesk.rating.service import create_rate_card, put_rates

    url = fresh_postgres(f"cdr_rating_{prefixes}")
    make_customers(url)
    with transaction(url) as session:
        card = create_rate_card(session, CLI, RateCardCreate(name="Bench USD", currency="USD"))
        session.flush()
        put_rates(session, CLI, card.id, deck_csv(prefixes))
        session.execute(text("UPDATE customers SET rate_card_id = :card"), {"card": card.id})
        from carrierdesk.rating.cards import bump_version

        bump_version(session)
    engine = create_engine(url)
    with engine.begin() as conn:
        conn.exec_driver_sql(BARE_PG)
    engine.dispose()
    return url


def copy_rows_per_second(url: str, path: Path, rows: int) -> float:
    target = make_url(url)
    started = time.perf_counter()
    subprocess.run(
        [
            "psql", "-h", str(target.host), "-U", str(target.username), "-d", str(target.database),
            "-q", "-c", f"\\copy bench_bare FROM '{path}' WITH (FORMAT csv, HEADER true)",
        ],
        check=True,
    )  # fmt: skip
    assert stored(url, "bench_bare") == rows
    return rows / (time.perf_counter() - started)


def run(path: Path, rows: int, prefixes: int) -> None:
    url = rated_database(prefixes)
    baseline = copy_rows_per_second(url, path, rows)
    seconds = import_with_cli(url, path)
    assert stored(url) == rows, "every CDR has a rate: none may be rejected"
    engine = create_engine(url)
    with engine.connect() as conn:
        rated = conn.scalar(text("SELECT count(*) FROM cdrs WHERE rated & 1 = 1"))
    engine.dispose()
    assert rated == rows
    report(
        f"cdr import with rating, {prefixes:,}-prefix deck",
        rows / seconds,
        "rows/s",
        baseline,
        "target ≥ 0.4× \\copy",
    )


def main(argv: list[str]) -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--rows", type=int, default=ROWS)
    parser.add_argument("--prefixes", type=int, default=PREFIXES)
    args, _ = parser.parse_known_args(argv)
    path = unrated_file(args.rows)
    print(f"data: {path} ({path.stat().st_size / 1e6:.0f} MB)")
    for prefixes in (SMALL_DECK, args.prefixes):
        run(path, args.rows, prefixes)
