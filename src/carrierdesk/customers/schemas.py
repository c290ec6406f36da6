from __future__ import annotations

from datetime import datetime
from decimal import Decimal
from typing import Annotated, Literal

from pydantic import AfterValidator, BaseModel, ConfigDict, Field, field_serializer

from carrierdesk.validation import Input, normalise_currency

Status = Literal["active", "inactive", "penalty", "pending_approval"]
Schedule = Literal["none", "daily", "weekly", "monthly"]
STATUSES: tuple[str, ...] = Status.__args__  # type: ignore[attr-defined]
SCHEDULES: tuple[str, ...] = Schedule.__args__  # type: ignore[attr-defined]
Currency = Annotated[str, AfterValidator(normalise_currency)]
Name = Annotated[str, Field(min_length=1, max_length=200)]
Reference = Annotated[str, Field(max_length=100)]
TaxRate = Annotated[Decimal, Field(ge=0, le=100, max_digits=7, decimal_places=4)]


def _strip(value: str | None) -> str | None:
    return value.strip() or None if isinstance(value, str) else value


class CustomerFields(Input):
    model_config = ConfigDict(extra="forbid", str_strip_whitespace=True)


class CustomerCreate(CustomerFields):
    name: Name
    reference: Annotated[Reference | None, AfterValidator(_strip)] = None
    status: Status = "active"
    currency: Currency = "USD"
    tax_rate: TaxRate = Decimal("0")
    invoice_schedule: Schedule = "none"
    invoice_due_days: int = Field(default=30, ge=0, le=365)
    channels: int | None = Field(default=None, ge=0, le=1_000_000)
    apply_at: datetime | None = None


class CustomerUpdate(CustomerFields):
    name: Name | None = None
    reference: Annotated[Reference | None, AfterValidator(_strip)] = None
    status: Status | None = None
    currency: Currency | None = None  # accepted only when unchanged: see the service
    tax_rate: TaxRate | None = None
    invoice_schedule: Schedule | None = None
    invoice_due_days: int | None = Field(default=None, ge=0, le=365)
    channels: int | None = Field(default=None, ge=0, le=1_000_000)
    apply_at: datetime | None = None


class CustomerOut(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    id: int
    name: str
    reference: str | None
    status: Status
    currency: str
    tax_rate: Decimal
    channels: int | None
    invoice_schedule: Schedule
    invoice_due_days: int
    contact_count: int = 0
    created_at: datetime
    updated_at: datetime

    @field_serializer("tax_rate")
    def _money(self, value: Decimal) -> str:
        return format(value.normalize(), "f")


class CustomerList(BaseModel):
    items: list[CustomerOut]
    total: int
