"""Issue 4, speed 2: `POST /api/v1/cdrs` with JSON batches of 5,000 over HTTP on loopback, on
PostgreSQL (target ≥ 20,000 CDRs/s). Baseline: the same batches through the same service
function in-process (no HTTP, no JSON), into a fresh database of their own.
"""

from __future__ import annotations

import argparse
import json
import os
import socket
import subprocess
import sys
import time
from datetime import UTC
from itertools import islice
from pathlib import Path
from typing import Any

import httpx

from bench.cdrgen import make_customers, rows
from bench.common import fresh_postgres, report
from carrierdesk.auth.principals import CLI
from carrierdesk.auth.service import create_api_token
from carrierdesk.cdrs.fields import StoredColumns
from carrierdesk.cdrs.service import ingest
from carrierdesk.db import transaction

CARRIERDESK = str(Path(sys.executable).with_name("carrierdesk"))
BATCH = 5_000


def as_json(row: StoredColumns) -> dict[str, Any]:
    out: dict[str, Any] = {}
    for key, value in row._asdict().items():
        if value is None:
            continue
        if hasattr(value, "astimezone"):
            value = value.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")
        elif not isinstance(value, int | str):
            value = str(value)
        out[key] = value
    return out


def batches(count: int) -> list[list[dict[str, Any]]]:
    data = iter(rows(count))
    out = []
    while chunk := list(islice(data, BATCH)):
        out.append([as_json(r) for r in chunk])
    return out


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port: int = sock.getsockname()[1]
        return port


def serve(url: str, port: int) -> subprocess.Popen[bytes]:
    env = {**os.environ, "CARRIERDESK_DATABASE_URL": url}
    server = subprocess.Popen(
        [CARRIERDESK, "serve", "--no-worker", "--port", str(port)],
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        try:
            if httpx.get(f"http://127.0.0.1:{port}/api/v1/health").status_code == 200:
                return server
        except httpx.HTTPError:
            time.sleep(0.2)
    server.kill()
    raise RuntimeError("the server did not start")


def main(argv: list[str]) -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--post-rows", type=int, default=200_000)
    args, _ = parser.parse_known_args(argv)
    payload = batches(args.post_rows)
    bodies = [json.dumps(b).encode() for b in payload]

    baseline_url = fresh_postgres("cdr_post_baseline")
    make_customers(baseline_url)
    started = time.perf_counter()
    for batch in payload:
        with transaction(baseline_url) as session:
            ingest(session, CLI, list(enumerate(batch)))
    baseline = args.post_rows / (time.perf_counter() - started)

    url = fresh_postgres("cdr_post")
    make_customers(url)
    with transaction(url) as session:
        _token, token = create_api_token(session, CLI, "bench", "operator")
    port = free_port()
    server = serve(url, port)
    try:
        headers = {"Authorization": f"Bearer {token}", "Content-Type": "application/json"}
        with httpx.Client(base_url=f"http://127.0.0.1:{port}/api/v1", timeout=120) as client:
            started = time.perf_counter()
            accepted = 0
            for body in bodies:
                answer = client.post("/cdrs", content=body, headers=headers)
                answer.raise_for_status()
                accepted += answer.json()["accepted"]
            seconds = time.perf_counter() - started
    finally:
        server.terminate()
        server.wait(timeout=30)
    assert accepted == args.post_rows, accepted
    report(
        "POST /cdrs, 5,000 a batch, PostgreSQL",
        args.post_rows / seconds,
        "CDRs/s",
        baseline,
        "target ≥ 20,000 CDRs/s",
    )
