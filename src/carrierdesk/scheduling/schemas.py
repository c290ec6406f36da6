from __future__ import annotations

from datetime import datetime
from typing import Any

from pydantic import BaseModel, ConfigDict


class ScheduledChangeOut(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    id: int
    kind: str
    target_id: int | None
    customer_id: int | None
    summary: str
    payload: dict[str, Any]
    apply_at: datetime
    status: str
    created_by: str
    created_at: datetime
    applied_at: datetime | None
    result_id: int | None
    error: str | None

    @classmethod
    def of(cls, change: Any) -> ScheduledChangeOut:
        out = cls.model_validate(change)
        out.payload = {k: v for k, v in out.payload.items() if "password" not in k}
        return out


class ScheduledChangeList(BaseModel):
    items: list[ScheduledChangeOut]
    total: int
