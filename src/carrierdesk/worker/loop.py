"""The background worker: every job is idempotent, runs in its own transaction, and claims its
rows with SKIP LOCKED on PostgreSQL (or takes a lock so that workers take turns), so any number
of workers can run against one database. The jobs are `JOBS` below: one `<feature>/jobs.py`
`run(session) -> int` each, a thin entry point over the feature's rules.

When the database cannot be reached the worker says so in one line per attempt (no traceback:
nothing in carrierdesk is wrong), waits longer after each failed attempt (doubling, up to
MAX_BACKOFF seconds), and says so again when the database is back. A job that fails while the
database answers is a bug: its traceback is logged the first time, and a repeat of the same
failure is one line.
"""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field

from sqlalchemy import text
from sqlalchemy.exc import DBAPIError, DisconnectionError, InterfaceError, OperationalError
from sqlalchemy.exc import TimeoutError as PoolTimeout
from sqlalchemy.orm import Session

from carrierdesk.cdrs import jobs as cdrs_jobs
from carrierdesk.db import get_engine, transaction
from carrierdesk.invoices import jobs as invoices_jobs
from carrierdesk.notify import jobs as notify_jobs
from carrierdesk.scheduling import jobs as scheduling_jobs
from carrierdesk.summaries import jobs as summaries_jobs
from carrierdesk.webhooks import jobs as webhooks_jobs

log = logging.getLogger("carrierdesk.worker")

Job = Callable[[Session], int]
# Every background job, in the order of a pass: each is `<feature>/jobs.py` `run(session) -> int`.
# A new job is a `run` in its feature's jobs.py and one line here.
JOBS: list[tuple[str, Job]] = [
    ("scheduled changes", scheduling_jobs.run),
    ("outbox delivery", notify_jobs.run),
    ("switch CDRs", cdrs_jobs.run),
    ("summary refresh", summaries_jobs.run),
    ("invoice schedules", invoices_jobs.run),
    ("webhook delivery", webhooks_jobs.run),
]
# Jobs waiting on other systems (a webhook receiver may take up to delivery.DEADLINE): a lane of
# their own in run_forever, so that a slow or dead receiver never holds up the other jobs.
OWN_LANE = frozenset({"webhook delivery"})
MAX_BACKOFF = 60.0  # seconds between attempts while the database is unreachable


def one_line(exc: BaseException) -> str:
    """`Type: first line of the message` (a driver's message runs over several lines)."""
    orig = getattr(exc, "orig", None) or exc
    lines = str(orig).strip().splitlines()
    return f"{type(orig).__name__}: {lines[0][:300]}" if lines else type(orig).__name__


def is_database_failure(exc: BaseException) -> bool:
    """The database failed (connection lost, locked, out of space), not the job's code."""
    if isinstance(exc, OperationalError | InterfaceError | DisconnectionError | PoolTimeout):
        return True
    return isinstance(exc, DBAPIError) and exc.connection_invalidated


def database_problem(database_url: str | None) -> str | None:
    """Why the database cannot be reached (one line), or None when it answers."""
    try:
        with get_engine(database_url).connect() as conn:
            conn.execute(text("SELECT 1"))
    except Exception as exc:  # whatever stops a connection: refused, no such file, bad URL
        return one_line(exc)
    return None


@dataclass
class Worker:
    """One worker's passes over the jobs, and what it remembers between them."""

    database_url: str | None = None
    poll_seconds: float = 5.0
    max_backoff: float = MAX_BACKOFF
    down_attempts: int = 0  # consecutive passes that found the database unreachable
    down_since: float = 0.0
    failing: dict[str, str] = field(default_factory=dict)  # job → its last failure, one line
    lane: bool | None = None  # the OWN_LANE jobs only (True), the others (False), or all
    says_when_down: bool = True  # one lane says the database is down, not both

    def jobs(self) -> list[tuple[str, Job]]:
        return [(n, job) for n, job in JOBS if self.lane is None or (n in OWN_LANE) == self.lane]

    def run_once(self) -> dict[str, int]:
        """One pass over every job; returns how much each did. A pass stops at the first job
        that finds the database unreachable: the others would only fail the same way."""
        done: dict[str, int] = {}
        jobs = self.jobs()
        for name, job in jobs:
            done[name] = 0
            try:
                with transaction(self.database_url) as session:
                    done[name] = job(session)
            except Exception as exc:
                problem = database_problem(self.database_url)
                if problem is not None:
                    self._unreachable(problem)
                    return {n: done.get(n, 0) for n, _job in jobs}
                self._failed(name, exc)
            else:
                self._succeeded(name)
        self._reachable()
        return done

    def wait_seconds(self) -> float:
        """Until the next pass: the poll interval, or the backoff while the database is down."""
        if not self.down_attempts:
            return self.poll_seconds
        backoff = max(self.poll_seconds, 0.001) * 2 ** min(self.down_attempts - 1, 32)
        return float(min(backoff, max(self.max_backoff, self.poll_seconds)))

    def _unreachable(self, problem: str) -> None:
        if not self.down_attempts:
            self.down_since = time.monotonic()
        self.down_attempts += 1
        if not self.says_when_down:
            return
        log.warning(
            "worker: the database is unreachable (%s); attempt %d, next in %gs",
            problem,
            self.down_attempts,
            self.wait_seconds(),
        )

    def _reachable(self) -> None:
        if self.down_attempts and self.says_when_down:
            log.warning(
                "worker: the database is reachable again after %d failed attempts (%.0fs)",
                self.down_attempts,
                time.monotonic() - self.down_since,
            )
            self.down_attempts = 0

    def _failed(self, name: str, exc: Exception) -> None:
        failure = one_line(exc)
        if is_database_failure(exc):  # e.g. a lost connection, the database answering again
            log.warning("worker job %s: database error (%s); it will be retried", name, failure)
        elif self.failing.get(name) == failure:
            log.error("worker job %s failed again: %s (traceback logged before)", name, failure)
        else:
            log.exception("worker job %s failed; it will be retried", name)
        self.failing[name] = failure

    def _succeeded(self, name: str) -> None:
        if self.failing.pop(name, None) is not None:
            log.info("worker job %s succeeded again", name)


def run_once(database_url: str | None = None) -> dict[str, int]:
    """One pass over every job; returns how much each did."""
    return Worker(database_url).run_once()


def run_forever(
    stop: threading.Event,
    poll_seconds: float,
    database_url: str | None = None,
    max_backoff: float = MAX_BACKOFF,
) -> None:
    """Pass after pass until `stop`: the OWN_LANE jobs in a thread of their own."""
    log.info("worker started (every %.1fs)", poll_seconds)
    own = Worker(database_url, poll_seconds, max_backoff, lane=True, says_when_down=False)
    thread = threading.Thread(
        target=_passes, args=(stop, own), name="carrierdesk-worker-own-lane", daemon=True
    )
    thread.start()
    _passes(stop, Worker(database_url, poll_seconds, max_backoff, lane=False))
    thread.join()


def _passes(stop: threading.Event, worker: Worker) -> None:
    while not stop.is_set():
        worker.run_once()
        stop.wait(worker.wait_seconds())


def start_in_thread(poll_seconds: float, database_url: str | None = None) -> threading.Event:
    stop = threading.Event()
    thread = threading.Thread(
        target=run_forever,
        args=(stop, poll_seconds, database_url),
        name="carrierdesk-worker",
        daemon=True,
    )
    thread.start()
    return stop
