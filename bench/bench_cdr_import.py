"""Issue 4, speed 1: `carrierdesk cdr import` of the synthetic CSV (2,000,000 CDRs by default).

PostgreSQL: rows/s of the real command against rows/s of a plain `psql \\copy` of the same file
into a bare table with the same primary key and index (target ≥ 0.5×).
SQLite: against a bare `executemany` of the same, already parsed rows into a table like `cdrs`
(target ≥ 0.5×).
"""

from __future__ import annotations

import argparse
import os
import subprocess
import sys
import time
from itertools import islice
from pathlib import Path

from sqlalchemy import create_engine, text
from sqlalchemy.engine import make_url

from bench.bench_summary import GROUP_BY
from bench.cdrgen import CUSTOMERS, ROWS, csv_file, make_customers
from bench.common import fresh_postgres, fresh_sqlite, report
from carrierdesk.cdrs.csvio import csv_records
from carrierdesk.cdrs.directory import CustomerDirectory, KnownCustomer
from carrierdesk.cdrs.fastpath import recognise
from carrierdesk.cdrs.fields import STORED
from carrierdesk.cdrs.storage import COLUMNS, sqlite_rows

CARRIERDESK = str(Path(sys.executable).with_name("carrierdesk"))
BARE_PG = """
CREATE TABLE bench_bare (
    call_id varchar(128), customer_id integer, customer_ref text, sip_user text,
    start_time timestamptz, answer_time timestamptz, end_time timestamptz, duration integer,
    billed_duration integer, caller text, callee text, dest_code text, dest_name text,
    sip_code smallint, sip_reason text, release_reason text, pdd_ms integer, ring_ms integer,
    direction text, rate numeric(18,6), charge numeric(18,6), cost numeric(18,6), currency text,
    provider text,
    PRIMARY KEY (customer_id, start_time, call_id)
);
CREATE UNIQUE INDEX bench_bare_call_id ON bench_bare (call_id);
"""


def import_with_cli(url: str, path: Path) -> float:
    """Seconds taken by the real command, in its own process."""
    env = {**os.environ, "CARRIERDESK_DATABASE_URL": url}
    started = time.perf_counter()
    done = subprocess.run(
        [CARRIERDESK, "cdr", "import", str(path)], env=env, capture_output=True, text=True
    )
    seconds = time.perf_counter() - started
    if done.returncode:
        raise RuntimeError(done.stdout + done.stderr)
    print(done.stdout.strip().splitlines()[-2], flush=True)  # the summary table's row
    return seconds


def stored(url: str, table: str = "cdrs") -> int:
    engine = create_engine(url)
    with engine.connect() as conn:
        count = int(conn.scalar(text(f"SELECT count(*) FROM {table}")) or 0)
    engine.dispose()
    return count


def postgres(path: Path, rows: int) -> None:
    url = fresh_postgres("cdr_import")
    make_customers(url)
    engine = create_engine(url)
    with engine.begin() as conn:
        conn.exec_driver_sql(BARE_PG)
    engine.dispose()
    target = make_url(url)
    started = time.perf_counter()
    subprocess.run(
        [
            "psql", "-h", str(target.host), "-U", str(target.username), "-d", str(target.database),
            "-q", "-c", f"\\copy bench_bare FROM '{path}' WITH (FORMAT csv, HEADER true)",
        ],
        check=True,
    )  # fmt: skip
    baseline = rows / (time.perf_counter() - started)
    assert stored(url, "bench_bare") == rows
    seconds = import_with_cli(url, path)
    assert stored(url) == rows
    report("cdr import, PostgreSQL", rows / seconds, "rows/s", baseline, "target ≥ 0.5× \\copy")
    refresh_after_import(url)


def refresh_after_import(url: str) -> None:
    """`carrierdesk summary refresh` as a command after the import, against one GROUP BY of
    the same rows by customer and hour in psql (both with their process start-up)."""
    target = make_url(url)
    psql = ["psql", "-h", str(target.host), "-U", str(target.username), "-d", str(target.database)]
    started = time.perf_counter()
    subprocess.run([*psql, "-qAt", "-o", "/dev/null", "-c", GROUP_BY], check=True)
    baseline = time.perf_counter() - started
    env = {**os.environ, "CARRIERDESK_DATABASE_URL": url}
    started = time.perf_counter()
    subprocess.run([CARRIERDESK, "summary", "refresh"], env=env, check=True, capture_output=True)
    seconds = time.perf_counter() - started
    report("summary refresh after it, as a command", seconds, "s", baseline, "target ≤ 2× GROUP BY")


BATCH = 10_000


def sqlite(path: Path, rows: int) -> None:
    url = fresh_sqlite("cdr_import")
    make_customers(url)
    engine = create_engine(url)
    with engine.begin() as conn:
        ddl = conn.scalar(text("SELECT sql FROM sqlite_master WHERE name = 'cdrs'"))
        conn.exec_driver_sql(str(ddl).replace("CREATE TABLE cdrs", "CREATE TABLE bare", 1))
        conn.exec_driver_sql("CREATE UNIQUE INDEX bare_call_id ON bare (call_id)")
    directory = CustomerDirectory({i: KnownCustomer(i, "USD") for i in range(1, 51)}, {})
    insert = f"INSERT INTO bare ({COLUMNS}) VALUES ({', '.join('?' * len(STORED))})"
    timed = 0.0
    with open(path, encoding="utf-8", newline="") as handle:
        records = csv_records(handle)
        while batch := list(islice(records, BATCH)):
            params = sqlite_rows(recognise([raw for _n, raw in batch], directory).stored)
            raw = engine.raw_connection()
            started = time.perf_counter()
            raw.cursor().executemany(insert, params)
            raw.commit()
            timed += time.perf_counter() - started
            raw.close()
    engine.dispose()
    baseline = rows / timed
    seconds = import_with_cli(url, path)
    assert stored(url) == rows
    report("cdr import, SQLite", rows / seconds, "rows/s", baseline, "target ≥ 0.5× executemany")


def main(argv: list[str]) -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--rows", type=int, default=ROWS)
    parser.add_argument("--backend", choices=["sqlite", "postgres", "both"], default="both")
    args, _ = parser.parse_known_args(argv)
    started = time.perf_counter()
    path = csv_file(args.rows, CUSTOMERS)
    print(
        f"data: {path} ({path.stat().st_size / 1e6:.0f} MB, {time.perf_counter() - started:.0f} s)"
    )
    if args.backend in ("postgres", "both"):
        postgres(path, args.rows)
    if args.backend in ("sqlite", "both"):
        sqlite(path, args.rows)
