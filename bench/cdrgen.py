"""The synthetic CDR data of the benchmarks: 2,000,000 CDRs over 31 days and 50 customers by
default, as a canonical CSV file (CDR.md) and as customers in a database.

`python -m bench.cdrgen --rows N --out FILE` writes the file alone.
"""

from __future__ import annotations

import argparse
import csv
import tempfile
from collections.abc import Iterator
from datetime import UTC, datetime
from itertools import islice
from pathlib import Path

from sqlalchemy import text

from carrierdesk.cdrs.fields import CANONICAL, StoredColumns
from carrierdesk.cdrs.synthetic import canonical, profiles, synthetic_cdrs
from carrierdesk.db import transaction

START = datetime(2026, 10, 1, tzinfo=UTC)
DAYS = 31
CUSTOMERS = 50
ROWS = 2_000_000


def rows(
    count: int = ROWS, customers: int = CUSTOMERS, seed: int = 2026
) -> Iterator[StoredColumns]:
    """Exactly `count` CDRs in time order (the last hours may be cut); customer ids 1..N."""
    people = profiles(list(range(1, customers + 1)), seed=seed)
    calls = synthetic_cdrs(people, START, DAYS * 24, int(count * 1.02) + 10, seed, "bench")
    return islice(calls, count)


def csv_file(count: int = ROWS, customers: int = CUSTOMERS) -> Path:
    """The data set as a CSV file, written once per size and reused by later runs."""
    path = Path(tempfile.gettempdir()) / f"carrierdesk-bench-cdrs-{count}-{customers}.csv"
    if not path.exists():
        partial = path.with_suffix(".partial")
        with partial.open("w", newline="", encoding="utf-8") as handle:
            writer = csv.writer(handle)
            writer.writerow(CANONICAL)
            writer.writerows(canonical(r) for r in rows(count, customers))
        partial.rename(path)
    return path


def make_customers(url: str, customers: int = CUSTOMERS) -> None:
    """Customers 1..N (ids matching the data), inserted directly: this is not what is timed."""
    with transaction(url) as session:
        session.execute(
            text(
                "INSERT INTO customers (id, name, reference, status, currency, tax_rate, "
                "invoice_schedule, invoice_due_days, created_at, updated_at) VALUES "
                "(:id, :name, :ref, 'active', 'USD', 0, 'monthly', 30, :now, :now)"
            ),
            [
                {"id": i, "name": f"Bench {i:02d}", "ref": f"B-{i:02d}", "now": START}
                for i in range(1, customers + 1)
            ],
        )
        if session.get_bind().dialect.name == "postgresql":
            session.execute(text("SELECT setval('customers_id_seq', :n)"), {"n": customers})


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--rows", type=int, default=ROWS)
    parser.add_argument("--customers", type=int, default=CUSTOMERS)
    args, _ = parser.parse_known_args(argv)
    print(csv_file(args.rows, args.customers))


if __name__ == "__main__":
    main()
