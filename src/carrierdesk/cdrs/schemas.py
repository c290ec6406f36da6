"""The API's CDR shapes."""

from __future__ import annotations

from datetime import UTC, datetime
from decimal import Decimal
from typing import Any

from pydantic import BaseModel, ConfigDict, field_serializer

from carrierdesk.cdrs.fields import CANONICAL, REQUIRED


def iso_z(value: datetime) -> str:
    return value.astimezone(UTC).isoformat().replace("+00:00", "Z")


class RejectionOut(BaseModel):
    row: int
    call_id: str | None = None
    errors: list[str]


class IngestOut(BaseModel):
    accepted: int
    duplicates: int
    rejected: list[RejectionOut]


class CdrOut(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    call_id: str
    customer_id: int
    sip_user: str | None
    start_time: datetime
    answer_time: datetime | None
    end_time: datetime
    duration: int
    billed_duration: int
    caller: str | None
    callee: str
    dest_code: str | None
    dest_name: str | None
    sip_code: int
    sip_reason: str | None
    release_reason: str | None
    pdd_ms: int | None
    ring_ms: int | None
    direction: str
    rate: Decimal | None
    charge: Decimal
    cost: Decimal

    @field_serializer("rate", "charge", "cost")
    def _money(self, value: Decimal | None) -> str | None:
        return None if value is None else f"{value:.6f}"

    @field_serializer("start_time", "answer_time", "end_time")
    def _time(self, value: datetime | None) -> str | None:
        return None if value is None else iso_z(value)


class CdrPage(BaseModel):
    items: list[CdrOut]
    next_cursor: str | None


_TYPES: dict[str, dict[str, Any]] = {
    "customer_id": {"type": "integer"},
    "duration": {"type": "integer", "minimum": 0},
    "billed_duration": {"type": "integer", "minimum": 0},
    "sip_code": {"type": "integer", "minimum": 100, "maximum": 699},
    "pdd_ms": {"type": "integer", "minimum": 0},
    "ring_ms": {"type": "integer", "minimum": 0},
    "direction": {"type": "string", "enum": ["outbound", "inbound"]},
    "start_time": {"type": "string", "format": "date-time"},
    "answer_time": {"type": ["string", "null"], "format": "date-time"},
    "end_time": {"type": "string", "format": "date-time"},
    "rate": {"type": "string", "description": "decimal ≥ 0"},
    "charge": {"type": "string", "description": "decimal ≥ 0, up to 6 places"},
    "cost": {"type": "string", "description": "decimal ≥ 0, up to 6 places"},
}
CDR_IN_SCHEMA: dict[str, Any] = {
    "type": "object",
    "description": "One CDR in the canonical format of CDR.md (unknown keys are ignored).",
    "properties": {c: _TYPES.get(c, {"type": "string"}) for c in CANONICAL},
    "required": list(REQUIRED),
}
INGEST_BODY: dict[str, Any] = {
    "requestBody": {
        "required": True,
        "content": {
            "application/json": {
                "schema": {"type": "array", "maxItems": 10000, "items": CDR_IN_SCHEMA}
            },
            "text/csv": {
                "schema": {
                    "type": "string",
                    "description": "A header row naming the columns, then one CDR per line",
                }
            },
        },
    }
}
