"""The background worker: every job is idempotent, runs in its own transaction, and claims its
rows with SKIP LOCKED on PostgreSQL, so any number of workers can run against one database."""

from __future__ import annotations

import logging
import threading
from collections.abc import Callable

from sqlalchemy.orm import Session

from carrierdesk.db import transaction
from carrierdesk.invoices.auto import auto_generate_job
from carrierdesk.notify.delivery import deliver_due
from carrierdesk.scheduling.service import apply_due
from carrierdesk.summaries.refresh import refresh_job

log = logging.getLogger("carrierdesk.worker")

Job = Callable[[Session], int]
JOBS: list[tuple[str, Job]] = [
    ("scheduled changes", apply_due),
    ("outbox delivery", deliver_due),
    ("summary refresh", refresh_job),
    ("invoice schedules", auto_generate_job),
]


def run_once(database_url: str | None = None) -> dict[str, int]:
    """One pass over every job; returns how much each did."""
    done: dict[str, int] = {}
    for name, job in JOBS:
        try:
            with transaction(database_url) as session:
                done[name] = job(session)
        except Exception:
            log.exception("worker job %s failed; it will be retried", name)
            done[name] = 0
    return done


def run_forever(
    stop: threading.Event, poll_seconds: float, database_url: str | None = None
) -> None:
    log.info("worker started (every %.1fs)", poll_seconds)
    while not stop.is_set():
        run_once(database_url)
        stop.wait(poll_seconds)


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
