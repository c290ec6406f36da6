"""Auto-generation at size: 5,000 monthly-scheduled customers, each with a month of calls in
every hour already summarised (720 hourly rollup rows per customer, 3.6 million in all), then
every monthly invoice generated in one run, as the worker and `carrierdesk invoices
auto-generate` do. Baseline: one plain INSERT … SELECT of as many rows, in the same database.
A second, smaller account shows that the time per invoice does not grow with the account.

    python -m bench invoices -- [--customers 5000] [--small 1000]
"""

from __future__ import annotations

import argparse
import os
import time
from datetime import UTC, datetime

from sqlalchemy import text

from bench.common import fresh_postgres, report
from carrierdesk.auth.principals import CLI
from carrierdesk.db import get_engine, transaction
from carrierdesk.invoices.auto import auto_generate_all
from carrierdesk.models.base import utcnow

MONTH = datetime(2026, 10, 1, tzinfo=UTC)
TARGET = "target ≤ 30 s for 5,000 invoices"

_CUSTOMERS = """
INSERT INTO customers (id, name, status, currency, tax_rate, invoice_schedule, invoice_due_days,
                       created_at, updated_at)
SELECT g, 'Customer ' || lpad(g::text, 5, '0'), 'active', 'USD', 20, 'monthly', 30, now(), now()
FROM generate_series(1, :n) g
"""
# What a summary refresh leaves for a month of calls in every hour of every customer.
_ROLLUP = """
INSERT INTO cdr_hourly (customer_id, hour, attempts, connected, ner_calls, pdd_sum, pdd_count,
                        duration, billed_duration, charge, cost)
SELECT c, :month + h * interval '1 hour', 20, 12, 14, 24000, 20, 1500, 1560,
       round((0.4 + (c * 7 + h) % 13 / 100.0)::numeric, 6), 0.3
FROM generate_series(1, :n) c, generate_series(0, 743) h
"""
_BASELINE = """
CREATE TEMP TABLE baseline_invoices AS SELECT * FROM invoices WITH NO DATA;
INSERT INTO baseline_invoices (id, number, sequence, customer_id, timeframe, invoice_date,
    due_date, period_start, period_end, currency, line_grouping, tax_name, tax_rate, subtotal,
    tax, total, summary_charge, summary_connected, summary_billed_duration, status, created_at,
    updated_at)
SELECT id, 'B' || id, id, id, 'monthly', current_date, current_date + 30, :month,
       :month + interval '1 month', 'USD', 'day', 'Tax', 20, 1, 0.2, 1.2, 1, 1, 1, 'issued',
       now(), now()
FROM customers
"""


def build(name: str, customers: int) -> str:
    url = fresh_postgres(name)
    with transaction(url) as session:
        params = {"n": customers, "month": MONTH}
        session.execute(text(_CUSTOMERS), params)
        session.execute(text(_ROLLUP), params)
        session.execute(
            text("INSERT INTO summary_state (id, refreshed_at) VALUES (1, :at)"), {"at": utcnow()}
        )
    with get_engine(url).connect() as conn:
        conn.execution_options(isolation_level="AUTOCOMMIT").execute(text("ANALYZE"))
    return url


def auto_generate(url: str) -> tuple[int, float]:
    started = time.perf_counter()
    with transaction(url) as session:
        created = len(auto_generate_all(session, CLI).created)
    return created, time.perf_counter() - started


def baseline(url: str) -> float:
    started = time.perf_counter()
    with transaction(url) as session:
        for statement in _BASELINE.strip().split(";\n"):
            session.execute(text(statement), {"month": MONTH})
    return time.perf_counter() - started


def main(argv: list[str]) -> None:
    parser = argparse.ArgumentParser(prog="bench invoices")
    parser.add_argument("--customers", type=int, default=5000)
    parser.add_argument("--small", type=int, default=1000)
    args = parser.parse_args(argv)

    small = build("invoices_small", args.small)
    made_small, seconds_small = auto_generate(small)
    per_small = seconds_small / made_small * 1000

    url = build("invoices", args.customers)
    base = baseline(url)
    made, seconds = auto_generate(url)
    again_made, again = auto_generate(url)
    assert made == args.customers and again_made == 0, (made, again_made)
    per_invoice = seconds / made * 1000
    report(f"auto-generate {made:,} monthly invoices (PostgreSQL)", seconds, "s", base, TARGET)
    report(f"  per invoice at {args.customers:,} customers", per_invoice, "ms")
    report(f"  per invoice at {args.small:,} customers", per_small, "ms", None, "constant: ~equal")
    report("  second run (nothing left to invoice)", again, "s")
    report(f"baseline: INSERT … SELECT of {args.customers:,} invoice rows", base, "s")
    print(f"load average (1 min) at the end: {os.getloadavg()[0]:.2f}", flush=True)
