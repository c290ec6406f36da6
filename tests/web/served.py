"""A real `carrierdesk serve` in a process of its own, and a way to send many requests at once.

Importable by any test (`from web.served import serving, all_at_once`).
"""

from __future__ import annotations

import asyncio
import os
import signal
import subprocess
import sys
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import httpx

from fixtures.server import free_port

CARRIERDESK = str(Path(sys.executable).with_name("carrierdesk"))


@dataclass
class Served:
    base: str
    process: subprocess.Popen[bytes]

    @property
    def api(self) -> str:
        return f"{self.base}/api/v1"


@contextmanager
def serving(db_url: str, *args: str, **env: str) -> Iterator[Served]:
    """`carrierdesk serve --no-worker` on a free port (migrated database); SIGTERM at the end."""
    port = free_port()
    environment = {
        **os.environ,
        "CARRIERDESK_DATABASE_URL": db_url,
        **{f"CARRIERDESK_{k.upper()}": v for k, v in env.items()},
    }
    command = [CARRIERDESK, "serve", "--host", "127.0.0.1", "--port", str(port), "--no-worker"]
    process = subprocess.Popen(
        [*command, *args],
        env=environment,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
        start_new_session=True,
    )
    served = Served(f"http://127.0.0.1:{port}", process)
    try:
        _wait_until_healthy(served)
        yield served
    finally:
        if process.poll() is None:
            os.killpg(process.pid, signal.SIGKILL)
        process.wait(timeout=10)
        assert process.stderr is not None
        process.stderr.close()


def _wait_until_healthy(served: Served) -> None:
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        if served.process.poll() is not None:
            assert served.process.stderr is not None
            raise RuntimeError(served.process.stderr.read().decode()[-2000:])
        try:
            if httpx.get(f"{served.api}/health", timeout=1).status_code == 200:
                return
        except httpx.HTTPError:
            pass
        time.sleep(0.2)
    raise RuntimeError("carrierdesk serve did not answer its health check within 60 s")


@dataclass
class Answer:
    status: int  # 0: no answer at all (timeout or connection error)
    body: Any
    headers: dict[str, str]


def all_at_once(base: str, requests: list[dict[str, Any]], timeout: float = 60) -> list[Answer]:
    """Send every request at the same moment, each on its own connection; every answer."""

    async def send_all() -> list[Answer]:
        limits = httpx.Limits(max_connections=len(requests) + 10)
        async with httpx.AsyncClient(base_url=base, timeout=timeout, limits=limits) as client:
            start = asyncio.Event()

            async def send(request: dict[str, Any]) -> Answer:
                await start.wait()
                try:
                    response = await client.request(**request)
                except httpx.HTTPError:
                    return Answer(0, None, {})
                body = (
                    response.json() if "json" in response.headers.get("content-type", "") else None
                )
                return Answer(response.status_code, body, dict(response.headers))

            tasks = [asyncio.create_task(send(r)) for r in requests]
            await asyncio.sleep(0.05)
            start.set()
            return await asyncio.gather(*tasks)

    return asyncio.run(send_all())


@contextmanager
def health_watch(api: str, every: float = 0.1) -> Iterator[list[float]]:
    """Poll GET /health from a thread while the block runs; yields the list of the latencies
    (seconds; a failed or non-200 poll counts as infinity)."""
    import threading

    latencies: list[float] = []
    stop = threading.Event()

    def poll() -> None:
        with httpx.Client(timeout=5) as client:
            while not stop.is_set():
                began = time.monotonic()
                try:
                    ok = client.get(f"{api}/health").status_code == 200
                except httpx.HTTPError:
                    ok = False
                latencies.append(time.monotonic() - began if ok else float("inf"))
                stop.wait(every)

    thread = threading.Thread(target=poll, daemon=True)
    thread.start()
    try:
        yield latencies
    finally:
        stop.set()
        thread.join(timeout=10)
