"""Numbering at realistic size: 2,000 customers holding one block of 1,000 each and 200,000
SIP users. Prints the p95 of assigning a block, validating an extension and listing free
extensions, against a primary-key lookup measured in the same run.

    python -m bench numbering -- [--backend sqlite|postgres|both] [--repeat 200]
"""

from __future__ import annotations

import argparse
import random
import statistics
from collections.abc import Callable, Iterator
from decimal import Decimal
from typing import Any

from sqlalchemy import insert, select, text
from sqlalchemy.orm import Session

from bench.common import fresh_postgres, fresh_sqlite, p95, report, timings_ms
from carrierdesk.auth.principals import CLI
from carrierdesk.db import get_sessionmaker, is_postgres, transaction
from carrierdesk.models import Customer, Extension, NumberBlock, OptionRow, SipUser
from carrierdesk.models.base import utcnow
from carrierdesk.numbering.extensions import check_extension, free_extensions
from carrierdesk.numbering.service import assign_block

RANGE_START, BLOCK_SIZE = 100_000, 1_000
TARGET = "target < 20 ms"


def batches(rows: Iterator[dict[str, Any]], size: int = 10_000) -> Iterator[list[dict[str, Any]]]:
    batch: list[dict[str, Any]] = []
    for row in rows:
        batch.append(row)
        if len(batch) == size:
            yield batch
            batch = []
    if batch:
        yield batch


def build(url: str, customers: int, users: int) -> None:
    now = utcnow()
    per_customer = users // customers
    with transaction(url) as session:
        session.add_all(
            [
                OptionRow(key="number_range_start", value=RANGE_START),
                OptionRow(key="block_size", value=BLOCK_SIZE),
            ]
        )
        session.execute(
            insert(Customer),
            [
                {
                    "id": i + 1,
                    "name": f"Customer {i + 1:05d}",
                    "status": "active",
                    "currency": "USD",
                    "tax_rate": Decimal("0"),
                    "invoice_schedule": "none",
                    "invoice_due_days": 30,
                    "created_at": now,
                    "updated_at": now,
                }
                for i in range(customers)
            ],
        )
        session.execute(
            insert(NumberBlock),
            [
                {
                    "id": i + 1,
                    "customer_id": i + 1,
                    "start": RANGE_START + i * BLOCK_SIZE,
                    "end": RANGE_START + (i + 1) * BLOCK_SIZE - 1,
                    "created_at": now,
                    "updated_at": now,
                }
                for i in range(customers)
            ],
        )

    def numbered() -> Iterator[tuple[int, int, int]]:
        for i in range(customers * per_customer):
            customer = i // per_customer
            yield i + 1, customer + 1, RANGE_START + customer * BLOCK_SIZE + i % per_customer

    for chunk in batches({"id": n, "customer_id": c, "number": x} for n, c, x in numbered()):
        with transaction(url) as session:
            session.execute(
                insert(Extension),
                [
                    {**r, "name": str(r["number"]), "name_key": str(r["number"]), "kind": "sip"}
                    for r in chunk
                ],
            )
            session.execute(
                insert(SipUser),
                [
                    {
                        "id": r["id"],
                        "customer_id": r["customer_id"],
                        "extension_id": r["id"],
                        "username": str(r["number"]),
                        "ha1": "0" * 32,
                        "ha1b": "0" * 32,
                        "realm": "bench",
                        "channels": None,
                        "cps": None,
                        "protocol": "udp",
                        "ip_whitelist": [],
                        "enabled": True,
                        "created_at": now,
                        "updated_at": now,
                    }
                    for r in chunk
                ],
            )
    _advance_sequences(url)


def _advance_sequences(url: str) -> None:
    """Rows were inserted with explicit ids; PostgreSQL's sequences must follow them."""
    with transaction(url) as session:
        if not is_postgres(session):
            return
        for table in ("customers", "number_blocks", "extensions", "sip_users"):
            session.execute(
                text(
                    f"SELECT setval(pg_get_serial_sequence('{table}', 'id'), "
                    f"(SELECT max(id) FROM {table}))"
                )
            )


def rolled_back(url: str, work: Callable[[Session], object]) -> Callable[[], None]:
    """One transaction per call, rolled back, so that every run sees the same data."""

    def run() -> None:
        session = get_sessionmaker(url)()
        try:
            work(session)
        finally:
            session.rollback()
            session.close()

    return run


def measure(label: str, url: str, customers: int, repeat: int) -> None:
    rng = random.Random(7)
    per = BLOCK_SIZE

    def customer() -> int:
        return rng.randint(1, customers)

    def pk_lookup(session: Session) -> object:
        return session.scalar(select(Customer.name).where(Customer.id == customer()))

    def validate_free(session: Session) -> None:
        c = customer()
        number = RANGE_START + (c - 1) * per + rng.randint(per // 2, per - 1)
        check_extension(session, c, str(number), "username")

    def validate_name_without_blocks(session: Session) -> None:
        number = RANGE_START + rng.randint(0, customers * per - 1)
        try:
            check_extension(session, loose_id, str(number), "username")
        except Exception:  # refused: inside another's block or taken, the expected answer
            return

    def assign(session: Session) -> None:
        assign_block(session, CLI, customer())

    def free(session: Session) -> None:
        free_extensions(session, CLI, customer(), 100)

    with transaction(url) as session:  # a customer with no block for the "no block" case
        loose = Customer(name="No block Ltd")
        session.add(loose)
        session.flush()
        loose_id = loose.id

    cases: list[tuple[str, Callable[[Session], object]]] = [
        ("assign the next block", assign),
        ("validate an extension inside own block", validate_free),
        ("validate a name for a customer without blocks", validate_name_without_blocks),
        ("list 100 free extensions", free),
    ]
    for work in [pk_lookup, *(w for _, w in cases)] * 50:  # warm caches, pool and WAL
        rolled_back(url, work)()
    # Each run of an operation is paired with a run of the baseline, so that a load spike
    # on the (shared) machine weighs on both figures alike.
    for name, work in cases:
        baseline: list[float] = []
        figures: list[float] = []
        for _ in range(repeat):
            baseline += timings_ms(rolled_back(url, pk_lookup), 1)
            figures += timings_ms(rolled_back(url, work), 1)
        report(f"{label}: {name} p95", p95(figures), "ms", p95(baseline), TARGET)
        report(
            f"{label}: {name} median", statistics.median(figures), "ms", statistics.median(baseline)
        )


def main(argv: list[str]) -> None:
    parser = argparse.ArgumentParser(prog="bench numbering")
    parser.add_argument("--backend", choices=["sqlite", "postgres", "both"], default="both")
    parser.add_argument("--customers", type=int, default=2_000)
    parser.add_argument("--users", type=int, default=200_000)
    parser.add_argument("--repeat", type=int, default=200)
    args = parser.parse_args(argv)
    backends = ["sqlite", "postgres"] if args.backend == "both" else [args.backend]
    for backend in backends:
        url = fresh_sqlite("numbering") if backend == "sqlite" else fresh_postgres("numbering")
        build(url, args.customers, args.users)
        print(f"{backend}: {args.customers} customers, 1 block of {BLOCK_SIZE} each, ", end="")
        print(f"{args.users} SIP users")
        measure(backend, url, args.customers, args.repeat)
