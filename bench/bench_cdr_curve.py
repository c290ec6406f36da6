"""Issue 11: the import's rate as the table grows, 10,000,000 CDRs by default over a year (one
partition a month), generated here on the first run (cached in the temp directory).

Prints rows/s of each tenth of the file beside the rate of the first tenth (the baseline: it
should stay flat), and the partitions the import created. PostgreSQL only.
"""

from __future__ import annotations

import argparse
import csv
import tempfile
import time
from datetime import UTC, datetime
from itertools import islice
from pathlib import Path

from sqlalchemy import create_engine, text

from bench.cdrgen import CUSTOMERS, make_customers
from bench.common import fresh_postgres, report
from carrierdesk.auth.principals import CLI
from carrierdesk.cdrs.csvblocks import csv_batches
from carrierdesk.cdrs.fields import CANONICAL
from carrierdesk.cdrs.service import BATCH, IngestResult, import_stream
from carrierdesk.cdrs.synthetic import canonical, profiles, synthetic_cdrs

START = datetime(2025, 11, 1, tzinfo=UTC)
DAYS = 365


def year_file(count: int) -> Path:
    path = Path(tempfile.gettempdir()) / f"carrierdesk-bench-year-{count}.csv"
    if not path.exists():
        people = profiles(list(range(1, CUSTOMERS + 1)), seed=2026)
        calls = synthetic_cdrs(people, START, DAYS * 24, int(count * 1.02) + 10, 2026, "year")
        partial = path.with_suffix(".partial")
        with partial.open("w", newline="", encoding="utf-8") as handle:
            writer = csv.writer(handle)
            writer.writerow(CANONICAL)
            writer.writerows(canonical(r) for r in islice(calls, count))
        partial.rename(path)
    return path


def main(argv: list[str]) -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--curve-rows", type=int, default=10_000_000)
    args, _ = parser.parse_known_args(argv)
    started = time.perf_counter()
    path = year_file(args.curve_rows)
    print(
        f"data: {path} ({path.stat().st_size / 1e9:.1f} GB, {time.perf_counter() - started:.0f} s)"
    )
    url = fresh_postgres("cdr_curve")
    make_customers(url)
    tenth = args.curve_rows // 10
    marks: list[tuple[int, float]] = []
    done = 0
    began = time.perf_counter()

    def on_batch(rows: int, _result: IngestResult) -> None:
        nonlocal done
        done += rows
        if done >= (len(marks) + 1) * tenth:
            marks.append((done, time.perf_counter() - began))

    with path.open(encoding="utf-8-sig", errors="surrogateescape", newline="") as handle:
        total = import_stream(url, CLI, csv_batches(handle, BATCH), str(path), on_batch)
    assert total.accepted == args.curve_rows, total
    engine = create_engine(url)
    with engine.connect() as conn:
        partitions = conn.scalar(
            text("SELECT count(*) FROM pg_inherits WHERE inhparent = 'cdrs'::regclass")
        )
    engine.dispose()
    first = marks[0][0] / marks[0][1]
    previous = (0, 0.0)
    for rows, seconds in marks:
        rate = (rows - previous[0]) / (seconds - previous[1])
        report(f"import, rows {previous[0]:,}–{rows:,}", rate, "rows/s", first, "flat")
        previous = (rows, seconds)
    print(f"partitions: {partitions}; {args.curve_rows / marks[-1][1]:,.0f} rows/s overall")
