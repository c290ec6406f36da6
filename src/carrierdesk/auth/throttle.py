"""Failed logins: a growing delay per account and per IP, then a block.

Each failure counts against the email tried (whether or not it exists: same behaviour either
way) and against the client's IP. A failed answer is held back a little longer each time
(`delay_seconds`, applied after the transaction commits), and after `max_auth_failures`
failures in the window both keys are blocked for BLOCK_FOR: every attempt answers 429.
"""

from __future__ import annotations

from datetime import timedelta

from sqlalchemy import delete, select
from sqlalchemy.orm import Session

from carrierdesk.db import insert_ignore, is_postgres
from carrierdesk.errors import TooManyAttempts
from carrierdesk.models import LoginThrottle
from carrierdesk.models.base import utcnow
from carrierdesk.settings.service import get_options

WINDOW = timedelta(minutes=15)
BLOCK_FOR = timedelta(minutes=15)
DELAY_STEP = 0.1  # seconds added per failure
MAX_DELAY = 1.0


def keys(email: str, ip: str | None) -> list[str]:
    found = [f"account:{email.strip().casefold()[:320]}"]
    if ip:
        found.append(f"ip:{ip}")
    return found


def check(session: Session, email: str, ip: str | None) -> None:
    """429 with Retry-After while the account or the IP is blocked."""
    now = utcnow()
    rows = session.scalars(select(LoginThrottle).where(LoginThrottle.key.in_(keys(email, ip))))
    until = max(
        (r.blocked_until for r in rows if r.blocked_until and r.blocked_until > now), default=None
    )
    if until:
        retry = max(1, int((until - now).total_seconds()) + 1)
        raise TooManyAttempts(
            f"Too many failed logins. Try again in {_minutes(retry)}.", retry_after=retry
        )


def record_failure(session: Session, email: str, ip: str | None) -> float:
    """Count a failure; returns how long the answer should be held back, in seconds."""
    now = utcnow()
    limit = get_options(session).max_auth_failures
    worst = 0
    for key in keys(email, ip):
        insert_ignore(session, LoginThrottle, {"key": key, "failures": 0, "last_failure_at": now})
        row = _row_for_update(session, key)
        if now - row.last_failure_at > WINDOW:
            row.failures, row.blocked_until = 0, None
        row.failures += 1
        row.last_failure_at = now
        if row.failures >= limit:
            row.blocked_until = now + BLOCK_FOR
        worst = max(worst, row.failures)
    session.flush()
    return min(worst * DELAY_STEP, MAX_DELAY)


def record_success(session: Session, email: str) -> None:
    """A correct login clears its account's count (never the IP's: that would let one valid
    account reset the counter of an IP guessing at others)."""
    session.execute(delete(LoginThrottle).where(LoginThrottle.key == keys(email, None)[0]))


def _row_for_update(session: Session, key: str) -> LoginThrottle:
    stmt = select(LoginThrottle).where(LoginThrottle.key == key)
    if is_postgres(session):
        stmt = stmt.with_for_update()
    return session.scalars(stmt).one()


def _minutes(seconds: int) -> str:
    minutes = -(-seconds // 60)
    return f"{minutes} minute{'s' if minutes != 1 else ''}"
