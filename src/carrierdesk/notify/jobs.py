"""The notify worker job: deliver the outbox over SMTP.

Convention: every feature with background work has a `jobs.py` holding one function,
`run(session) -> int`, the worker's entry point (listed, in order, in `worker/loop.py` `JOBS`).
The worker runs it in a transaction of its own; it is idempotent, safe with several workers at
once, and returns how much it did. It is thin: it calls the feature's rule functions.
Rules: `notify/delivery.py` `deliver_due` (claims due messages with SKIP LOCKED on PostgreSQL;
batches, retries, backoff, masking after delivery).
"""

from __future__ import annotations

from sqlalchemy.orm import Session

from carrierdesk.notify.delivery import deliver_due


def run(session: Session) -> int:
    """Send the due pending messages (none when no SMTP server is configured); returns how
    many were sent."""
    return deliver_due(session)
