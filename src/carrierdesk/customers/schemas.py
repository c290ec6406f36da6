from __future__ import annotations

from datetime import datetime
from decimal import Decimal
from typing import Annotated, Literal

from pydantic import AfterValidator, BaseModel, ConfigDict, Field, WithJsonSchema, field_serializer

from carrierdesk.invoices.einvoice.fields import (
    COUNTRIES,
    Country,
    Email,
    PartyText,
    Postcode,
    ShortText,
    VatId,
)
from carrierdesk.invoices.einvoice.tax import TaxCategoryName
from carrierdesk.validation import (
    Currency,
    Input,
    NotClearable,
    OptionalEmailSchema,
    optional_code_schema,
)

Status = Literal["active", "inactive", "penalty", "pending_approval"]
Schedule = Literal["none", "daily", "weekly", "monthly"]
STATUSES: tuple[str, ...] = Status.__args__  # type: ignore[attr-defined]
SCHEDULES: tuple[str, ...] = Schedule.__args__  # type: ignore[attr-defined]
Name = Annotated[str, Field(min_length=1, max_length=200)]
Reference = Annotated[str, Field(max_length=100)]
# A percentage, as a JSON number or a decimal string. The string's pattern states the range and
# the 4 decimal places (trailing zeros do not count: Pydantic normalises the decimal first);
# the server also reads a sign, an exponent or spaces around the digits.
TAX_RATE_TEXT = r"^0*(100(\.0*)?|[0-9]{1,2}(\.[0-9]{0,4}0*)?|\.[0-9]{1,4}0*)$"
TaxRate = Annotated[
    Decimal,
    Field(ge=0, le=100, max_digits=7, decimal_places=4),
    WithJsonSchema(
        {
            "anyOf": [
                {"type": "number", "minimum": 0, "maximum": 100},
                {"type": "string", "pattern": TAX_RATE_TEXT},
            ]
        }
    ),
]
RateCardId = Annotated[int, Field(ge=1, le=2**31 - 1)]


def _strip(value: str | None) -> str | None:
    return value.strip() or None if isinstance(value, str) else value


class CustomerFields(Input):
    model_config = ConfigDict(extra="forbid", str_strip_whitespace=True)

    # The buyer on its e-invoices (EN 16931 BG-7) and its tax category (invoices/einvoice/tax.py)
    legal_name: PartyText = None
    address_line1: PartyText = None
    address_line2: PartyText = None
    city: ShortText = None
    postcode: Postcode = None
    country: Annotated[Country, optional_code_schema(COUNTRIES)] = None
    vat_id: VatId = None
    invoice_email: Annotated[Email, OptionalEmailSchema] = None
    tax_exemption_reason: PartyText = None


BUYER_FIELDS = (
    "legal_name",
    "address_line1",
    "address_line2",
    "city",
    "postcode",
    "country",
    "vat_id",
    "invoice_email",
    "tax_exemption_reason",
)


class CustomerCreate(CustomerFields):
    name: Name
    reference: Annotated[Reference | None, AfterValidator(_strip)] = None
    status: Status = "active"
    currency: Currency = "USD"
    tax_rate: TaxRate = Decimal("0")
    tax_category: TaxCategoryName = "standard"
    invoice_schedule: Schedule = "none"
    invoice_due_days: int = Field(default=30, ge=0, le=365)
    email_invoices: bool = True  # issued invoices emailed to the billing contacts
    channels: int | None = Field(default=None, ge=0, le=1_000_000)
    rate_card_id: RateCardId | None = None  # a card in the customer's currency
    apply_at: datetime | None = None


class CustomerUpdate(CustomerFields):
    # NotClearable[X]: may be left out, not cleared (null is "cannot be empty")
    name: NotClearable[Name] = None
    reference: Annotated[Reference | None, AfterValidator(_strip)] = None
    status: NotClearable[Status] = None
    # accepted only when unchanged: see the service
    currency: NotClearable[Currency] = None
    tax_rate: NotClearable[TaxRate] = None
    tax_category: NotClearable[TaxCategoryName] = None
    invoice_schedule: NotClearable[Schedule] = None
    invoice_due_days: NotClearable[int] = Field(default=None, ge=0, le=365)
    email_invoices: NotClearable[bool] = None
    channels: int | None = Field(default=None, ge=0, le=1_000_000)
    rate_card_id: RateCardId | None = None  # null: no rate card
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
    email_invoices: bool = True
    rate_card_id: int | None = None
    legal_name: str | None = None
    address_line1: str | None = None
    address_line2: str | None = None
    city: str | None = None
    postcode: str | None = None
    country: str | None = None
    vat_id: str | None = None
    invoice_email: str | None = None
    tax_category: TaxCategoryName = "standard"
    tax_exemption_reason: str | None = None
    contact_count: int = 0
    created_at: datetime
    updated_at: datetime

    @field_serializer("tax_rate")
    def _money(self, value: Decimal) -> str:
        return format(value.normalize(), "f")


class CustomerList(BaseModel):
    items: list[CustomerOut]
    total: int
