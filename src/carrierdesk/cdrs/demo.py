"""`carrierdesk demo`: a month of realistic CDRs for the demo customers, so the Summary is full.

Written through the bulk path (`storage.store`) in large batches, then summarised once.
"""

from __future__ import annotations

from datetime import timedelta
from itertools import islice

from sqlalchemy import select
from sqlalchemy.orm import Session

from carrierdesk.cdrs.storage import store
from carrierdesk.cdrs.synthetic import profiles, synthetic_cdrs
from carrierdesk.models import Customer
from carrierdesk.models.base import utcnow
from carrierdesk.summaries.refresh import refresh

DEMO_ROWS = 210_000
DAYS = 31
BATCH = 20_000


def add_demo_cdrs(session: Session, rows: int | None = None, days: int = DAYS) -> int:
    """About `rows` (default DEMO_ROWS) CDRs over the last `days` days up to now."""
    rows = DEMO_ROWS if rows is None else rows
    active = session.scalars(
        select(Customer.id).where(Customer.status.in_(("active", "penalty"))).order_by(Customer.id)
    ).all()
    if not active:
        return 0
    now = utcnow()
    end = now.replace(minute=0, second=0, microsecond=0) + timedelta(hours=1)
    start = end - timedelta(days=days)
    calls = synthetic_cdrs(profiles(active), start, days * 24, rows, prefix="demo")
    stored = 0
    while batch := list(islice(calls, BATCH)):
        stored += store(session, [call for call in batch if call.start_time <= now])
    refresh(session)
    return stored
