"""Helpers shared by the benchmarks: fresh databases and timing."""

from __future__ import annotations

import os
import statistics
import tempfile
import time
from collections.abc import Callable
from pathlib import Path

from sqlalchemy import create_engine, text
from sqlalchemy.engine import make_url

from carrierdesk.migrate import upgrade

PG_ADMIN_URL = os.environ.get(
    "CARRIERDESK_BENCH_POSTGRES_URL", "postgresql+psycopg://postgres@127.0.0.1:5432/postgres"
)


def fresh_sqlite(name: str) -> str:
    path = Path(tempfile.mkdtemp(prefix="carrierdesk-bench-")) / f"{name}.db"
    url = f"sqlite:///{path}"
    upgrade(url)
    return url


def fresh_postgres(name: str) -> str:
    database = f"carrierdesk_bench_{name}"
    admin = create_engine(PG_ADMIN_URL, isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        conn.execute(text(f'DROP DATABASE IF EXISTS "{database}" WITH (FORCE)'))
        conn.execute(text(f'CREATE DATABASE "{database}"'))
    admin.dispose()
    url = make_url(PG_ADMIN_URL).set(database=database).render_as_string(hide_password=False)
    upgrade(url)
    return url


def timings_ms(fn: Callable[[], object], repeat: int) -> list[float]:
    result = []
    for _ in range(repeat):
        start = time.perf_counter()
        fn()
        result.append((time.perf_counter() - start) * 1000)
    return result


def p95(values: list[float]) -> float:
    return statistics.quantiles(values, n=20)[-1] if len(values) >= 20 else max(values)


def report(
    label: str, figure: float, unit: str, baseline: float | None = None, target: str = ""
) -> None:
    ratio = f"  ratio {figure / baseline:.2f}x baseline ({baseline:.2f} {unit})" if baseline else ""
    print(f"{label:<55} {figure:10.2f} {unit}{ratio}  {target}", flush=True)
