"""How many requests use the database at once, and what happens to the others.

A request takes a slot before it touches the database and gives it back after its
transaction has ended, so the pool always has a connection for a request that holds a slot
and no thread ever waits for one. There are fewer slots than pooled connections (two stay
for the in-process worker and the health check), and fewer than the threads of the
thread pool, so a request that holds a slot always gets a thread too.

A request that finds every slot taken waits, without a thread or a connection, up to
`queue_seconds`; when that passes, or when `queue_limit` requests are already waiting, it
is answered 503 with Retry-After at once: a saturated server sheds load in seconds instead
of queueing for minutes.

SQLite has one writer at a time: write requests also take the single write turn (first,
so that a waiting writer holds no slot a reader could use), and never meet SQLite's own
"database is locked".
"""

from __future__ import annotations

import asyncio
import time
from collections.abc import AsyncIterator, Callable
from contextlib import asynccontextmanager
from dataclasses import dataclass, field
from typing import Any, TypeVar
from weakref import WeakKeyDictionary

import anyio
import anyio.to_thread

from carrierdesk.errors import Overloaded

BUSY = "The server is busy; try again in a moment."
T = TypeVar("T")


@dataclass
class _Gates:
    """The semaphores of one event loop (asyncio primitives belong to the loop they wait in)."""

    slots: asyncio.Semaphore
    write_turn: asyncio.Semaphore
    spare: asyncio.Semaphore
    hashing: anyio.CapacityLimiter
    waiting: int = 0


@dataclass
class Capacity:
    slots: int
    queue_seconds: float
    queue_limit: int
    serialise_writes: bool
    hash_slots: int
    _by_loop: WeakKeyDictionary[asyncio.AbstractEventLoop, _Gates] = field(
        default_factory=WeakKeyDictionary
    )

    def _gates(self) -> _Gates:
        loop = asyncio.get_running_loop()
        if loop not in self._by_loop:
            self._by_loop[loop] = _Gates(
                asyncio.Semaphore(self.slots),
                asyncio.Semaphore(1),
                asyncio.Semaphore(1),
                anyio.CapacityLimiter(self.hash_slots),
            )
        return self._by_loop[loop]

    @asynccontextmanager
    async def slot(self, write: bool) -> AsyncIterator[None]:
        """Hold a database slot (and on SQLite, for a write, the write turn) for the block."""
        gates = self._gates()
        deadline = time.monotonic() + self.queue_seconds
        turn = gates.write_turn if write and self.serialise_writes else None
        if turn is not None:
            await self._acquire(gates, turn, deadline)
        try:
            await self._acquire(gates, gates.slots, deadline)
            try:
                yield
            finally:
                gates.slots.release()
        finally:
            if turn is not None:
                turn.release()

    @asynccontextmanager
    async def spare(self, wait_seconds: float = 0.5) -> AsyncIterator[None]:
        """The connection kept aside for the health check: never queued behind requests."""
        gates = self._gates()
        try:
            await asyncio.wait_for(gates.spare.acquire(), wait_seconds)
        except TimeoutError:
            raise Overloaded(BUSY, retry_after=1) from None
        try:
            yield
        finally:
            gates.spare.release()

    async def hashing(self, work: Callable[..., T], *args: Any) -> T:
        """Run a password hash in a thread of its own, at most `hash_slots` at once; the
        others wait here, holding no thread that a request could use."""
        return await anyio.to_thread.run_sync(work, *args, limiter=self._gates().hashing)

    async def _acquire(self, gates: _Gates, semaphore: asyncio.Semaphore, deadline: float) -> None:
        if not semaphore.locked():
            await semaphore.acquire()
            return
        if gates.waiting >= self.queue_limit:
            raise Overloaded(BUSY, retry_after=1)
        gates.waiting += 1
        try:
            await asyncio.wait_for(semaphore.acquire(), max(0.0, deadline - time.monotonic()))
        except TimeoutError:
            raise Overloaded(BUSY, retry_after=2) from None
        finally:
            gates.waiting -= 1
