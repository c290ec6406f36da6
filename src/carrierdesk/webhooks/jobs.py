"""The webhooks worker job (convention: notify/jobs.py): post the due webhook deliveries.
Rules: webhooks/delivery.py `deliver_due` (claims with a lease and SKIP LOCKED on PostgreSQL,
commits the claim before posting, so no transaction is open while a receiver answers)."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy.orm import Session

from carrierdesk.webhooks.delivery import deliver_due


def run(session: Session, *, now: datetime | None = None) -> int:
    """One round of due deliveries (at most delivery.BATCH); returns how many were delivered."""
    return deliver_due(session, now)
