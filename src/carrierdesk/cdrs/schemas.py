"""The API's CDR shapes."""

from __future__ import annotations

from datetime import UTC, datetime
from decimal import Decimal
from typing import Annotated, Any

from pydantic import (
    BaseModel,
    ConfigDict,
    Field,
    PlainSerializer,
    WithJsonSchema,
    field_serializer,
)

from carrierdesk.cdrs.fields import CANONICAL, REQUIRED
from carrierdesk.validation import Input


def iso_z(value: datetime) -> str:
    return value.astimezone(UTC).isoformat().replace("+00:00", "Z")


UtcTime = Annotated[
    datetime,
    PlainSerializer(iso_z, return_type=str),
    WithJsonSchema({"type": "string", "format": "date-time"}),
]
"""A time as the API answers it: ISO 8601 in UTC with a Z, published as `format: date-time`
(a serializer annotated `-> str` alone would publish a plain string)."""


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
    start_time: UtcTime
    answer_time: UtcTime | None
    end_time: UtcTime
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
FREESWITCH_JSON: dict[str, Any] = {
    "type": "object",
    "description": "format=freeswitch-json: one CDR as mod_json_cdr posts it (encode=false), "
    "with its `variables` (docs/cdr-formats.md)",
    "properties": {"variables": {"type": "object"}},
    "required": ["variables"],
}
INGEST_BODY: dict[str, Any] = {
    "requestBody": {
        "required": True,
        "content": {
            "application/json": {
                "schema": {
                    "anyOf": [
                        {"type": "array", "maxItems": 10000, "items": CDR_IN_SCHEMA},
                        FREESWITCH_JSON,
                    ]
                }
            },
            "text/csv": {
                "schema": {
                    "type": "string",
                    "format": "binary",
                    "description": "format=canonical: a header row naming the columns, then "
                    "one CDR per line; format=kamailio, freeswitch-csv or asterisk-csv: the file "
                    "as the switch writes it (docs/cdr-formats.md)",
                }
            },
            "application/x-www-form-urlencoded": {
                "schema": {
                    "type": "object",
                    "description": "format=freeswitch-json: mod_json_cdr's form (encode=true "
                    "or encode=base64)",
                    "properties": {
                        "cdr": {
                            "type": "string",
                            "description": "the CDR's JSON, url-encoded or in base64",
                        }
                    },
                    "required": ["cdr"],
                }
            },
        },
    }
}


class RerateIn(Input):
    """The range [from, to) of call start times, each with its time zone."""

    model_config = ConfigDict(populate_by_name=True, extra="forbid")

    start: datetime = Field(alias="from")
    end: datetime = Field(alias="to")


class RerateOut(BaseModel):
    cdrs: int
    charge_before: Decimal
    charge_after: Decimal
    cost_before: Decimal
    cost_after: Decimal
