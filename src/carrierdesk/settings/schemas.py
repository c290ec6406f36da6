from __future__ import annotations

from typing import Annotated, Literal

from pydantic import BaseModel, ConfigDict, Field, WithJsonSchema

from carrierdesk.invoices.einvoice.fields import (
    COUNTRIES,
    Bic,
    Country,
    Email,
    Iban,
    PartyText,
    Postcode,
    ShortText,
    VatId,
)
from carrierdesk.validation import Input, OptionalEmailSchema, optional_code_schema

# Invoice options (issue 5): printed on every invoice and its number.
# The first invoice number, up to numbering.service.MAX_NUMBER (18 nines). FastAPI's OpenAPI
# model keeps bounds as floats, and 999999999999999999 as a float is 1e18, one above the real
# bound; the document states it as exclusiveMaximum 1e18 instead, which a float holds exactly.
RangeStart = Annotated[
    int,
    Field(ge=0, le=999_999_999_999_999_999),
    WithJsonSchema({"type": "integer", "minimum": 0, "exclusiveMaximum": 10**18}),
]
NumberPrefix = Annotated[str, Field(max_length=20, pattern=r"^[A-Za-z0-9/_.#-]*$")]
NumberPadding = Annotated[int, Field(ge=1, le=12)]
TaxName = Annotated[str, Field(min_length=1, max_length=40)]
InvoiceText = Annotated[str, Field(max_length=1000)]


class Options(BaseModel):
    """Settings › Options: account-wide, stored in the options table, defaults when unset."""

    number_range_start: RangeStart | None = None
    block_size: int | None = Field(default=None, ge=1, le=1_000_000)
    invoice_line_grouping: Literal["day", "destination"] = "day"
    summary_refresh_seconds: int = Field(default=60, ge=5, le=3600)
    audit_comment_required: bool = False
    auto_logout_minutes: int = Field(default=60, ge=1, le=7 * 24 * 60)
    max_auth_failures: int = Field(default=10, ge=1, le=1000)
    totp_required_for_admins: bool = False
    invoice_number_prefix: NumberPrefix = "INV-"
    invoice_number_padding: NumberPadding = 6
    invoice_tax_name: TaxName = "Tax"
    invoice_company_text: InvoiceText = ""
    invoice_payment_text: InvoiceText = ""
    # Settings › Invoicing: the seller of every e-invoice (EN 16931 BG-4), unset by default.
    seller_legal_name: PartyText = None
    seller_address_line1: PartyText = None
    seller_address_line2: PartyText = None
    seller_city: ShortText = None
    seller_postcode: Postcode = None
    seller_country: Annotated[Country, optional_code_schema(COUNTRIES)] = None
    seller_vat_id: VatId = None
    seller_registration_id: ShortText = None
    seller_iban: Iban = None
    seller_bic: Bic = None
    seller_email: Annotated[Email, OptionalEmailSchema] = None


class OptionsPatch(Input):
    model_config = ConfigDict(extra="forbid")

    number_range_start: RangeStart | None = None
    block_size: int | None = Field(default=None, ge=1, le=1_000_000)
    invoice_line_grouping: Literal["day", "destination"] | None = None
    summary_refresh_seconds: int | None = Field(default=None, ge=5, le=3600)
    audit_comment_required: bool | None = None
    auto_logout_minutes: int | None = Field(default=None, ge=1, le=7 * 24 * 60)
    max_auth_failures: int | None = Field(default=None, ge=1, le=1000)
    totp_required_for_admins: bool | None = None
    invoice_number_prefix: NumberPrefix | None = None
    invoice_number_padding: NumberPadding | None = None
    invoice_tax_name: TaxName | None = None
    invoice_company_text: InvoiceText | None = None
    invoice_payment_text: InvoiceText | None = None
    seller_legal_name: PartyText = None
    seller_address_line1: PartyText = None
    seller_address_line2: PartyText = None
    seller_city: ShortText = None
    seller_postcode: Postcode = None
    seller_country: Annotated[Country, optional_code_schema(COUNTRIES)] = None
    seller_vat_id: VatId = None
    seller_registration_id: ShortText = None
    seller_iban: Iban = None
    seller_bic: Bic = None
    seller_email: Annotated[Email, OptionalEmailSchema] = None


SELLER_FIELDS = tuple(name for name in Options.model_fields if name.startswith("seller_"))
