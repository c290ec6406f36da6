"""Failed logins: counted per account and per IP, then a block.

Every attempt is counted against the email tried (whether or not it exists: the same
behaviour either way) and against the client's IP *before* its password is checked, in one
atomic statement per key (`reserve`), so a burst of concurrent attempts counts every one of
them and at most `max_auth_failures` of them ever reach the password hash: the rest answer
429 at once. An attempt that turns out right gives its count back (`cleared` for a login,
`returned` when only the second factor is still to come).

The count of a key starts again WINDOW after its last counted attempt; a key at the limit
stops moving its time, so a block lasts WINDOW from the attempt that reached the limit.
A failed answer is held back a little longer each time (`delay_seconds`), with nothing open.
"""

from __future__ import annotations

from datetime import datetime, timedelta

from sqlalchemy import case, delete, func, update
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
from sqlalchemy.orm import Session

from carrierdesk.db import is_postgres
from carrierdesk.errors import LoginThrottled
from carrierdesk.models import LoginThrottle
from carrierdesk.models.base import utcnow
from carrierdesk.settings.service import get_options

WINDOW = timedelta(minutes=15)
DELAY_STEP = 0.1  # seconds added per failure
MAX_DELAY = 1.0


def keys(email: str, ip: str | None) -> list[str]:
    found = [f"account:{email.strip().casefold()[:320]}"]
    if ip:
        found.append(f"ip:{ip}")
    return found


def reserve(session: Session, email: str, ip: str | None) -> int:
    """Count this attempt for the account and the IP; 429 with Retry-After when either is
    over the limit. Returns the higher of the two counts."""
    now = utcnow()
    limit = get_options(session).max_auth_failures
    counts = [_count(session, key, now, limit) for key in keys(email, ip)]
    over = [since for failures, since in counts if failures > limit]
    if over:
        retry = max(1, int((max(over) + WINDOW - now).total_seconds()) + 1)
        raise LoginThrottled(
            f"Too many failed logins. Try again in {_minutes(retry)}.", retry_after=retry
        )
    return max(failures for failures, _since in counts)


def _count(session: Session, key: str, now: datetime, limit: int) -> tuple[int, datetime]:
    """One atomic INSERT … ON CONFLICT DO UPDATE … RETURNING: (failures, since when)."""
    table = LoginThrottle.__table__
    expired = table.c.last_failure_at < now - WINDOW
    insert = (pg_insert if is_postgres(session) else sqlite_insert)(LoginThrottle)
    stmt = (
        insert.values(key=key, failures=1, last_failure_at=now)
        .on_conflict_do_update(
            index_elements=[LoginThrottle.key],
            set_={
                "failures": case((expired, 1), else_=table.c.failures + 1),
                "last_failure_at": case(
                    (expired | (table.c.failures < limit), now), else_=table.c.last_failure_at
                ),
            },
        )
        .returning(LoginThrottle.failures, LoginThrottle.last_failure_at)
    )
    failures, since = session.execute(stmt).one()
    return failures, since


def delay_seconds(failures: int) -> float:
    """How long a failed answer is held back: growing with the count, at most MAX_DELAY."""
    return min(failures * DELAY_STEP, MAX_DELAY)


def returned(session: Session, email: str, ip: str | None) -> None:
    """The attempt was not a failure (its password was right): give its counts back."""
    _give_back(session, keys(email, ip))


def cleared(session: Session, email: str, ip: str | None) -> None:
    """A correct login clears its account's count, and gives back its own count of the IP
    (never the IP's whole count: one valid account must not reset an IP guessing at others)."""
    account, *ip_key = keys(email, ip)
    session.execute(delete(LoginThrottle).where(LoginThrottle.key == account))
    _give_back(session, ip_key)


def _give_back(session: Session, which: list[str]) -> None:
    if which:
        larger = func.greatest if is_postgres(session) else func.max  # SQLite's max(a, b)
        session.execute(
            update(LoginThrottle)
            .where(LoginThrottle.key.in_(which))
            .values(failures=larger(LoginThrottle.failures - 1, 0))
        )


def _minutes(seconds: int) -> str:
    minutes = -(-seconds // 60)
    return f"{minutes} minute{'s' if minutes != 1 else ''}"
