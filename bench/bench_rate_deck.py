"""Issue 13: uploading a rate deck of 250,000 rows (`PUT /api/v1/rate-cards/{id}/rates`, through
the whole app in process: body limit, transaction, parsing and checking in Polars, storing).

Three uploads: into a new card, the card's own download uploaded again (nothing changes), and a
whole new deck with `replace=true`. Target ≤ 10 s each. Baselines measured in the same run:
PostgreSQL, `psql \\copy` of the same file into a bare table of the same columns (no index, no
key, no checks); SQLite, one executemany of the file's rows (already split by csv.reader) into
such a table.

    python -m bench rate_deck -- [--rows 250000] [--backend sqlite|postgres|both]
"""

from __future__ import annotations

import argparse
import csv
import random
import subprocess
import tempfile
import time
from pathlib import Path

from fastapi.testclient import TestClient
from sqlalchemy import create_engine
from sqlalchemy.engine import make_url

from bench.common import fresh_postgres, fresh_sqlite, report
from carrierdesk.app import create_app
from carrierdesk.auth.principals import CLI
from carrierdesk.auth.service import create_api_token
from carrierdesk.db import transaction

ROWS = 250_000
TARGET = "target ≤ 10 s"
HEADER = "prefix,destination,rate,connection_fee,initial_increment,next_increment,effective_from"
PLACES = [
    "United Kingdom",
    "United Kingdom - Mobile",
    "Germany",
    "Germany - Mobile Vodafone",
    "Korea, Republic of",
    "Congo, Democratic Republic - Mobile",
    'Côte d\'Ivoire "Orange"',
    "United States",
    "India - Mobile",
]
INCREMENTS = [(1, 1), (6, 6), (60, 60), (30, 6)]
BARE = """
CREATE TABLE bench_bare (
    prefix varchar(20), destination varchar(100), rate numeric(18, 6),
    connection_fee numeric(18, 6), initial_increment integer, next_increment integer,
    effective_from timestamptz
)
"""


def deck_file(rows: int, seed: int, path: Path) -> Path:
    """A deck as carriers send them: distinct prefixes of 3 to 12 digits, destinations with
    commas and quotes, rates of up to 6 places, a few billing increments, two dates."""
    pick = random.Random(seed)
    prefixes: set[str] = set()
    while len(prefixes) < rows:
        prefixes.add(str(pick.randint(1, 999)) + str(pick.randint(0, 10**9))[: pick.randint(0, 9)])
    with path.open("w", encoding="utf-8", newline="") as handle:
        out = csv.writer(handle, lineterminator="\n")
        out.writerow(HEADER.split(","))
        for prefix in sorted(prefixes):
            first, then = pick.choice(INCREMENTS)
            out.writerow(
                [
                    prefix,
                    pick.choice(PLACES),
                    f"{pick.randint(0, 2_000_000) / 10**6:.6f}".rstrip("0"),
                    "0" if pick.random() < 0.9 else "0.01",
                    first,
                    then,
                    pick.choice(["2026-01-01", "2026-03-01T00:00:00Z"]),
                ]
            )
    return path


def upload(client: TestClient, token: str, card: int, body: bytes, replace: bool) -> float:
    started = time.perf_counter()
    answer = client.put(
        f"/api/v1/rate-cards/{card}/rates",
        content=body,
        params={"replace": "true"} if replace else None,
        headers={"Authorization": f"Bearer {token}", "Content-Type": "text/csv"},
    )
    seconds = time.perf_counter() - started
    if answer.status_code != 200:
        raise RuntimeError(answer.text[:2000])
    return seconds


def the_three_uploads(url: str, label: str, first: Path, second: Path, baseline: float) -> None:
    with transaction(url) as session:
        token = create_api_token(session, CLI, "bench", "operator")[1]
    with TestClient(create_app(url)) as client:
        headers = {"Authorization": f"Bearer {token}"}
        card = client.post(
            "/api/v1/rate-cards", json={"name": "Bench", "currency": "EUR"}, headers=headers
        ).json()["id"]
        seconds = upload(client, token, card, first.read_bytes(), replace=False)
        report(f"deck upload, {label}, into a new card", seconds, "s", baseline, TARGET)
        started = time.perf_counter()
        download = client.get(f"/api/v1/rate-cards/{card}/rates.csv", headers=headers).content
        print(
            f"  (its download: {time.perf_counter() - started:.2f} s, {len(download) / 1e6:.1f} MB)"
        )
        seconds = upload(client, token, card, download, replace=False)
        report(f"deck upload, {label}, its download again", seconds, "s", baseline, TARGET)
        seconds = upload(client, token, card, second.read_bytes(), replace=True)
        report(f"deck upload, {label}, a new deck, replace", seconds, "s", baseline, TARGET)


def postgres(first: Path, second: Path) -> None:
    url = fresh_postgres("rate_deck")
    engine = create_engine(url)
    with engine.begin() as conn:
        conn.exec_driver_sql(BARE)
    engine.dispose()
    target = make_url(url)
    started = time.perf_counter()
    subprocess.run(
        [
            "psql", "-h", str(target.host), "-U", str(target.username), "-d", str(target.database),
            "-q", "-c", f"\\copy bench_bare FROM '{first}' WITH (FORMAT csv, HEADER true)",
        ],
        check=True,
    )  # fmt: skip
    baseline = time.perf_counter() - started
    the_three_uploads(url, "PostgreSQL", first, second, baseline)


def sqlite(first: Path, second: Path) -> None:
    url = fresh_sqlite("rate_deck")
    engine = create_engine(url)
    with first.open(encoding="utf-8", newline="") as handle:
        rows = list(csv.reader(handle))[1:]
    raw = engine.raw_connection()
    cursor = raw.cursor()
    cursor.execute(BARE.replace("timestamptz", "text"))
    started = time.perf_counter()
    cursor.executemany("INSERT INTO bench_bare VALUES (?, ?, ?, ?, ?, ?, ?)", rows)
    raw.commit()
    baseline = time.perf_counter() - started
    raw.close()
    engine.dispose()
    the_three_uploads(url, "SQLite", first, second, baseline)


def main(argv: list[str]) -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--rows", type=int, default=ROWS)
    parser.add_argument("--backend", choices=["sqlite", "postgres", "both"], default="both")
    args, _ = parser.parse_known_args(argv)
    folder = Path(tempfile.mkdtemp(prefix="carrierdesk-deck-"))
    first = deck_file(args.rows, 1, folder / "deck.csv")
    second = deck_file(args.rows, 2, folder / "deck-new.csv")
    print(f"data: {first} ({first.stat().st_size / 1e6:.1f} MB, {args.rows:,} rows)")
    if args.backend in ("postgres", "both"):
        postgres(first, second)
    if args.backend in ("sqlite", "both"):
        sqlite(first, second)
