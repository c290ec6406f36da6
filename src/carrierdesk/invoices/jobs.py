"""The invoices worker job: Auto Generate under the customers' invoice schedules.

Convention: every feature with background work has a `jobs.py` holding one function,
`run(session) -> int`, the worker's entry point (listed, in order, in `worker/loop.py` `JOBS`).
The worker runs it in a transaction of its own; it is idempotent, safe with several workers at
once, and returns how much it did. It is thin: it calls the feature's rule functions.
Rules: `invoices/auto.py` `auto_generate_job` (the invoice counter's row lock makes concurrent
runs take turns; each invoice is created once).
"""

from __future__ import annotations

from sqlalchemy.orm import Session

from carrierdesk.invoices.auto import auto_generate_job


def run(session: Session) -> int:
    """Once after each summary refresh, create every invoice missing under the schedules
    (under the invoice counter's lock); returns how many were created."""
    return auto_generate_job(session)
