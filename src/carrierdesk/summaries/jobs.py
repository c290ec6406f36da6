"""The summaries worker job: refresh the summaries every `summary_refresh_seconds`.

Convention: every feature with background work has a `jobs.py` holding one function,
`run(session) -> int`, the worker's entry point (listed, in order, in `worker/loop.py` `JOBS`).
The worker runs it in a transaction of its own; it is idempotent, safe with several workers at
once, and returns how much it did. It is thin: it calls the feature's rule functions.
Rules: `summaries/refresh.py` `refresh_job` (an advisory lock on PostgreSQL makes concurrent
refreshes take turns).
"""

from __future__ import annotations

from sqlalchemy.orm import Session

from carrierdesk.summaries.refresh import refresh_job


def run(session: Session) -> int:
    """Keep this and next month's CDR partitions ready (PostgreSQL), then refresh the dirty
    hours unless the last refresh is younger than the interval; returns how many hours."""
    return refresh_job(session)
