"""The period an invoice covers: a whole UTC day, ISO week or calendar month, [start, end)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

from carrierdesk.summaries import periods


@dataclass(frozen=True)
class Period:
    timeframe: str
    start: datetime
    end: datetime

    @classmethod
    def starting(cls, timeframe: str, start: datetime) -> Period:
        return cls(timeframe, start, periods.step(start, timeframe))

    def label(self) -> str:
        last = (self.end - timedelta(days=1)).date()
        first = self.start.date()
        return first.isoformat() if first == last else f"{first.isoformat()} – {last.isoformat()}"
