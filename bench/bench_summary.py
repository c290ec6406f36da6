"""Issue 4, speeds 3–5 on PostgreSQL, over the synthetic 2,000,000 CDRs (`--rows` to change):

3. a full `summary refresh` after loading them, against one plain GROUP BY of the same rows
   by customer and hour (target ≤ 2×); then 1,000 late CDRs across 3 days and an incremental
   refresh (target < 1 s);
4. GET /summary of the largest customer, each timeframe, warm, over HTTP (target p95 ≤ 20 ms),
   next to GET /health on the same server as the baseline;
5. GET cdrs.csv of the largest customer's month, against `COPY (SELECT …) TO STDOUT CSV` of the
   same rows (target ≥ 0.5×), with the server's peak memory growth (target < 100 MB).
"""

from __future__ import annotations

import argparse
import time
from datetime import timedelta
from itertools import islice
from pathlib import Path

import httpx
from sqlalchemy import create_engine, text
from sqlalchemy.engine import make_url

from bench.bench_cdr_post import free_port, serve
from bench.cdrgen import ROWS, START, make_customers, rows
from bench.common import PG_ADMIN_URL, fresh_postgres, p95, report, timings_ms
from carrierdesk.auth.principals import CLI
from carrierdesk.auth.service import create_api_token
from carrierdesk.cdrs.storage import store
from carrierdesk.cdrs.synthetic import profiles, synthetic_cdrs
from carrierdesk.db import transaction
from carrierdesk.summaries.refresh import refresh

GROUP_BY = """
SELECT customer_id, date_trunc('hour', start_time, 'UTC') AS hour, count(*),
       count(answer_time), count(pdd_ms), sum(pdd_ms), sum(duration), sum(billed_duration),
       sum(charge), sum(cost)
FROM cdrs GROUP BY 1, 2
"""
MONTH = {"from": "2026-10-01", "to": "2026-11-01"}
RANGES = {
    "24h": {"from": "2026-10-15T00:00:00Z", "to": "2026-10-16T00:00:00Z"},
    "daily": MONTH,
    "weekly": {"from": "2026-09-28", "to": "2026-11-02"},
    "monthly": MONTH,
}


def load(url: str, count: int) -> None:
    started = time.perf_counter()
    data = rows(count)
    while batch := list(islice(data, 50_000)):
        with transaction(url) as session:
            store(session, batch)
    engine = create_engine(url, isolation_level="AUTOCOMMIT")
    with engine.connect() as conn:
        conn.exec_driver_sql("VACUUM ANALYZE cdrs")
    engine.dispose()
    print(f"loaded {count:,} CDRs in {time.perf_counter() - started:.0f} s", flush=True)


def refresh_figures(url: str) -> None:
    engine = create_engine(url)
    with engine.connect() as conn:
        conn.execute(text(GROUP_BY)).all()  # warm the cache, as the refresh will find it
        started = time.perf_counter()
        groups = len(conn.execute(text(GROUP_BY)).all())
        baseline = time.perf_counter() - started
    engine.dispose()
    started = time.perf_counter()
    with transaction(url) as session:
        hours = refresh(session)
    full = time.perf_counter() - started
    assert hours == groups, (hours, groups)
    report("full summary refresh (s), PostgreSQL", full, "s", baseline, "target ≤ 2× GROUP BY")

    people = profiles(list(range(1, 51)), seed=2026)
    late_start = START + timedelta(days=10)
    late = list(synthetic_cdrs(people, late_start, 72, 1000, seed=99, prefix="late"))
    with transaction(url) as session:
        store(session, late)
    started = time.perf_counter()
    with transaction(url) as session:
        refresh(session)
    incremental = time.perf_counter() - started
    report("incremental refresh after 1,000 CDRs over 3 days", incremental, "s", None, "< 1 s")


def largest_customer(url: str) -> int:
    engine = create_engine(url)
    with engine.connect() as conn:
        found = conn.scalar(
            text("SELECT customer_id FROM cdrs GROUP BY 1 ORDER BY count(*) DESC LIMIT 1")
        )
    engine.dispose()
    return int(found)


def memory_kb(pid: int, key: str) -> int:
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith(key + ":"):
            return int(line.split()[1])
    return 0


def copy_baseline(url: str, customer: int) -> tuple[int, float]:
    engine = create_engine(url)
    query = (
        f"COPY (SELECT * FROM cdrs WHERE customer_id = {customer} AND start_time >= '2026-10-01Z' "
        "AND start_time < '2026-11-01Z' ORDER BY start_time, call_id) TO STDOUT WITH (FORMAT csv)"
    )
    with engine.connect() as conn:
        raw = conn.connection.driver_connection
        started = time.perf_counter()
        lines = 0
        with raw.cursor() as cursor, cursor.copy(query) as copy:  # type: ignore[union-attr]
            for data in copy:
                lines += bytes(data).count(b"\n")
        seconds = time.perf_counter() - started
    engine.dispose()
    return lines, seconds


def http_figures(url: str) -> None:
    customer = largest_customer(url)
    with transaction(url) as session:
        _token, token = create_api_token(session, CLI, "bench", "viewer")
    port = free_port()
    server = serve(url, port)
    headers = {"Authorization": f"Bearer {token}"}
    try:
        with httpx.Client(base_url=f"http://127.0.0.1:{port}/api/v1", headers=headers) as client:
            health = timings_ms(lambda: client.get("/health").raise_for_status(), 200)
            for timeframe, span in RANGES.items():
                params = {"timeframe": timeframe, **span}
                path = f"/customers/{customer}/summary"
                client.get(path, params=params).raise_for_status()  # warm
                times = timings_ms(lambda p=path, q=params: client.get(p, params=q), 200)
                report(f"GET /summary {timeframe}, p95", p95(times), "ms", p95(health), "≤ 20 ms")

            lines, copy_seconds = copy_baseline(url, customer)
            rss_before = memory_kb(server.pid, "VmRSS")
            started = time.perf_counter()
            received = 0
            path = f"/customers/{customer}/cdrs.csv"
            with client.stream("GET", path, params={**MONTH}, timeout=600) as answer:
                for chunk in answer.iter_bytes():
                    received += chunk.count(b"\n")
            seconds = time.perf_counter() - started
            growth_mb = (memory_kb(server.pid, "VmHWM") - rss_before) / 1024
    finally:
        server.terminate()
        server.wait(timeout=30)
    assert received - 1 == lines, (received, lines)
    report(
        f"cdrs.csv, {lines:,} CDRs of one month",
        lines / seconds,
        "rows/s",
        lines / copy_seconds,
        "target ≥ 0.5× COPY",
    )
    report("server peak memory growth during cdrs.csv", growth_mb, "MB", None, "< 100 MB")


def main(argv: list[str]) -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--rows", type=int, default=ROWS)
    parser.add_argument(
        "--reuse", action="store_true", help="reuse the data of the last run: HTTP figures only"
    )
    args, _ = parser.parse_known_args(argv)
    if args.reuse:
        url = make_url(PG_ADMIN_URL).set(database="carrierdesk_bench_summary")
        http_figures(url.render_as_string(hide_password=False))
        return
    url = fresh_postgres("summary")
    make_customers(url)
    load(url, args.rows)
    refresh_figures(url)
    http_figures(url)
