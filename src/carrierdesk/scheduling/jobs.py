"""The scheduling worker job: apply the Delay and Save changes that are due.

Convention: every feature with background work has a `jobs.py` holding one function,
`run(session) -> int`, the worker's entry point (listed, in order, in `worker/loop.py` `JOBS`).
The worker runs it in a transaction of its own; it is idempotent, safe with several workers at
once, and returns how much it did. It is thin: it calls the feature's rule functions.
Rules: `scheduling/service.py` `apply_due` (claims due rows with SKIP LOCKED on PostgreSQL).
A job whose rules read the clock may take `now=` (keyword only, for tests); the worker never
passes it.
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy.orm import Session

from carrierdesk.scheduling.service import apply_due


def run(session: Session, *, now: datetime | None = None) -> int:
    """Apply every pending change due by `now` (default: the clock), each in its own
    savepoint, at most 100 a pass, oldest first; returns how many were applied or failed."""
    return apply_due(session, now=now)
