"""The baseline of bench/bench_load.py: a minimal ASGI app that runs, for each GET it knows,
the statements carrierdesk ran for that request (recorded in the benchmark process), in
order, in one transaction on a pooled psycopg connection, and answers the last result as
JSON. No framework, no ORM, no validation: the ceiling of this machine for that SQL.

Served by uvicorn (`python -m uvicorn bench.load_baseline:app --workers N`), configured by
the environment:
- LOAD_BASELINE_STATEMENTS: a JSON file {"/path?query": {"read_only": true|false|null,
  "statements": [{"sql": …, "params": …}, …]}} (parameters tagged by `encode`, decoded here
  by `decode`; read_only: psycopg's connection attribute, as carrierdesk had it set);
- LOAD_BASELINE_DSN: the libpq connection string;
- LOAD_BASELINE_POOL: connections per process (default 10);
- LOAD_BASELINE_MODE: "async" (default: async psycopg, one event loop, no threads) or "sync"
  (sync psycopg in the thread pool, as carrierdesk runs its endpoints).
"""

from __future__ import annotations

import asyncio
import json
import os
import queue
from collections.abc import Awaitable, Callable
from datetime import date, datetime, time, timedelta
from decimal import Decimal
from typing import Any
from uuid import UUID

Scope = dict[str, Any]
Message = dict[str, Any]
Receive = Callable[[], Awaitable[Message]]
Send = Callable[[Message], Awaitable[None]]
Statement = tuple[str, Any]
Recorded = tuple[bool | None, list[Statement]]


def encode(value: Any) -> Any:
    """A statement parameter as JSON, with the Python type kept (see `decode`)."""
    if isinstance(value, datetime):
        return {"$t": "datetime", "v": value.isoformat()}
    if isinstance(value, date):
        return {"$t": "date", "v": value.isoformat()}
    if isinstance(value, time):
        return {"$t": "time", "v": value.isoformat()}
    if isinstance(value, timedelta):
        return {"$t": "timedelta", "v": value.total_seconds()}
    if isinstance(value, Decimal):
        return {"$t": "decimal", "v": str(value)}
    if isinstance(value, UUID):
        return {"$t": "uuid", "v": str(value)}
    if isinstance(value, bytes | bytearray | memoryview):
        return {"$t": "bytes", "v": bytes(value).hex()}
    if isinstance(value, dict) or hasattr(value, "items"):
        return {"$t": "dict", "v": {str(k): encode(v) for k, v in value.items()}}
    if isinstance(value, list | tuple):
        return {"$t": "list", "v": [encode(v) for v in value]}
    if value is None or isinstance(value, bool | int | float | str):
        return value
    raise TypeError(f"cannot record a parameter of type {type(value).__name__}")


def decode(value: Any) -> Any:
    if not isinstance(value, dict):
        return value
    kind, raw = value["$t"], value["v"]
    if kind == "dict":
        return {k: decode(v) for k, v in raw.items()}
    if kind == "list":
        return [decode(v) for v in raw]
    return {
        "datetime": datetime.fromisoformat,
        "date": date.fromisoformat,
        "time": time.fromisoformat,
        "timedelta": lambda s: timedelta(seconds=float(s)),
        "decimal": Decimal,
        "uuid": UUID,
        "bytes": bytes.fromhex,
    }[kind](raw)


def load_statements(path: str) -> dict[str, Recorded]:
    with open(path, encoding="utf-8") as handle:
        recorded = json.load(handle)
    return {
        target: (one["read_only"], [(s["sql"], decode(s["params"])) for s in one["statements"]])
        for target, one in recorded.items()
    }


HEALTH = b'{"status":"ok"}'
STATEMENTS: dict[str, Recorded] = {}  # filled at startup, from the environment


class AsyncRunner:
    """A fixed pool of async psycopg connections; a request waits for a free one."""

    def __init__(self) -> None:
        self.free: asyncio.Queue[Any] = asyncio.Queue()

    async def start(self, dsn: str, size: int) -> None:
        import psycopg

        for _ in range(size):
            self.free.put_nowait(await psycopg.AsyncConnection.connect(dsn))

    async def run(self, recorded: Recorded) -> list[Any]:
        read_only, statements = recorded
        conn = await self.free.get()
        try:
            if read_only is not None and conn.read_only != read_only:
                await conn.set_read_only(read_only)
            rows: list[Any] = []
            async with conn.cursor() as cur:
                for sql, params in statements:
                    await cur.execute(sql, params)
                    rows = await cur.fetchall() if cur.description else []
            await conn.commit()
            return rows
        except BaseException:
            await conn.rollback()
            raise
        finally:
            self.free.put_nowait(conn)

    async def stop(self) -> None:
        while not self.free.empty():
            await self.free.get_nowait().close()


class SyncRunner:
    """A fixed pool of sync psycopg connections used from the thread pool."""

    def __init__(self) -> None:
        self.free: queue.Queue[Any] = queue.Queue()

    async def start(self, dsn: str, size: int) -> None:
        import anyio.to_thread
        import psycopg

        limiter = anyio.to_thread.current_default_thread_limiter()
        limiter.total_tokens = max(limiter.total_tokens, size + 2)
        for _ in range(size):
            self.free.put(psycopg.Connection.connect(dsn))

    def _run(self, recorded: Recorded) -> list[Any]:
        read_only, statements = recorded
        conn = self.free.get()
        try:
            if read_only is not None and conn.read_only != read_only:
                conn.read_only = read_only
            rows: list[Any] = []
            with conn.cursor() as cur:
                for sql, params in statements:
                    cur.execute(sql, params)
                    rows = cur.fetchall() if cur.description else []
            conn.commit()
            return rows
        except BaseException:
            conn.rollback()
            raise
        finally:
            self.free.put(conn)

    async def run(self, recorded: Recorded) -> list[Any]:
        import anyio.to_thread

        return await anyio.to_thread.run_sync(self._run, recorded)

    async def stop(self) -> None:
        while not self.free.empty():
            self.free.get_nowait().close()


runner: AsyncRunner | SyncRunner = AsyncRunner()


async def startup() -> None:
    global runner
    STATEMENTS.update(load_statements(os.environ["LOAD_BASELINE_STATEMENTS"]))
    if os.environ.get("LOAD_BASELINE_MODE", "async") == "sync":
        runner = SyncRunner()
    size = int(os.environ.get("LOAD_BASELINE_POOL", "10"))
    await runner.start(os.environ["LOAD_BASELINE_DSN"], size)


async def app(scope: Scope, receive: Receive, send: Send) -> None:
    if scope["type"] == "lifespan":
        while True:
            message = await receive()
            if message["type"] == "lifespan.startup":
                await startup()
                await send({"type": "lifespan.startup.complete"})
            elif message["type"] == "lifespan.shutdown":
                await runner.stop()
                await send({"type": "lifespan.shutdown.complete"})
                return
    if scope["type"] != "http":
        return
    target = scope["path"]
    if scope["query_string"]:
        target += "?" + scope["query_string"].decode("latin-1")
    if target == "/api/v1/health":
        await _answer(send, 200, HEALTH)
        return
    recorded = STATEMENTS.get(target)
    if recorded is None:
        await _answer(send, 404, b'{"detail":"not recorded"}')
        return
    rows = await runner.run(recorded)
    body = json.dumps([list(row) for row in rows], default=str).encode()
    await _answer(send, 200, body)


async def _answer(send: Send, status: int, body: bytes) -> None:
    await send(
        {
            "type": "http.response.start",
            "status": status,
            "headers": [
                (b"content-type", b"application/json"),
                (b"content-length", str(len(body)).encode()),
            ],
        }
    )
    await send({"type": "http.response.body", "body": body})
