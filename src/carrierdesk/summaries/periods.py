"""The periods of a Summary (CDR.md): UTC hours, days, ISO weeks from Monday, months."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta
from typing import Literal

Timeframe = Literal["24h", "daily", "weekly", "monthly"]
TIMEFRAMES: tuple[str, ...] = ("24h", "daily", "weekly", "monthly")
DEFAULT_COUNT = {"24h": 24, "daily": 31, "weekly": 12, "monthly": 12}
MAX_PERIODS = 1000


def floor(moment: datetime, timeframe: str) -> datetime:
    """The start of the period that holds `moment`."""
    moment = moment.astimezone(UTC)
    if timeframe == "24h":
        return moment.replace(minute=0, second=0, microsecond=0)
    day = moment.replace(hour=0, minute=0, second=0, microsecond=0)
    if timeframe == "daily":
        return day
    if timeframe == "weekly":
        return day - timedelta(days=day.weekday())
    return day.replace(day=1)


def step(start: datetime, timeframe: str, count: int = 1) -> datetime:
    """The period start `count` periods after `start` (negative: before)."""
    if timeframe == "24h":
        return start + timedelta(hours=count)
    if timeframe == "daily":
        return start + timedelta(days=count)
    if timeframe == "weekly":
        return start + timedelta(weeks=count)
    months = start.year * 12 + start.month - 1 + count
    return start.replace(year=months // 12, month=months % 12 + 1)


def period_starts(first: datetime, end: datetime, timeframe: str) -> list[datetime]:
    """Every period start in [first, end), newest first."""
    starts: list[datetime] = []
    current = floor(first, timeframe)
    while current < end and len(starts) <= MAX_PERIODS:
        starts.append(current)
        current = step(current, timeframe)
    return starts[::-1]


def default_range(now: datetime, timeframe: str) -> tuple[datetime, datetime]:
    """24 Hours: the 24 whole hours ending with the current one; others: recent periods."""
    end = step(floor(now, timeframe), timeframe)
    return step(end, timeframe, -DEFAULT_COUNT[timeframe]), end


def as_utc(value: datetime | date) -> datetime:
    if isinstance(value, datetime):
        return value.replace(tzinfo=UTC) if value.tzinfo is None else value.astimezone(UTC)
    return datetime(value.year, value.month, value.day, tzinfo=UTC)
