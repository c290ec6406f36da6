"""The API's shapes of rate cards, rates and providers."""

from __future__ import annotations

from datetime import datetime
from decimal import Decimal
from typing import Annotated, Any

from pydantic import BaseModel, ConfigDict, Field, field_serializer

from carrierdesk.validation import Currency, Input, NotClearable

Name = Annotated[str, Field(min_length=1, max_length=100)]
CardId = Annotated[int, Field(ge=1, le=2**31 - 1)]


class Fields(Input):
    model_config = ConfigDict(extra="forbid", str_strip_whitespace=True)


class RateCardCreate(Fields):
    name: Name
    currency: Currency


class RateCardUpdate(Fields):
    # NotClearable[X]: may be left out, not cleared (null is "cannot be empty")
    name: NotClearable[Name] = None
    # refused while customers use the card: see the service
    currency: NotClearable[Currency] = None


class RateCardOut(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    id: int
    name: str
    currency: str
    created_at: datetime
    updated_at: datetime


class RateCardList(BaseModel):
    items: list[RateCardOut]
    total: int


class RateOut(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    id: int
    rate_card_id: int
    prefix: str
    destination: str
    rate: Decimal = Field(description="per minute, 6 decimal places")
    connection_fee: Decimal
    initial_increment: int
    next_increment: int
    effective_from: datetime

    @field_serializer("rate", "connection_fee")
    def _money(self, value: Decimal) -> str:
        return f"{value:.6f}"


class RateList(BaseModel):
    items: list[RateOut]
    total: int


class RowRejection(BaseModel):
    row: int = Field(description="1 = the first row after the header")
    errors: list[str] = Field(description='"column: what is wrong", one per bad value')


class DeckAccepted(BaseModel):
    accepted: int
    rejected: list[RowRejection] = Field(description="always empty: a deck is stored whole")


class ProviderCreate(Fields):
    name: Name
    rate_card_id: CardId | None = None


class ProviderUpdate(Fields):
    name: NotClearable[Name] = None
    rate_card_id: CardId | None = None


class ProviderOut(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    id: int
    name: str
    rate_card_id: int | None
    created_at: datetime
    updated_at: datetime


class ProviderList(BaseModel):
    items: list[ProviderOut]
    total: int


DECK_BODY: dict[str, Any] = {
    "requestBody": {
        "required": True,
        "content": {
            "text/csv": {
                "schema": {
                    "type": "string",
                    "description": (
                        "A header row naming the columns (prefix, destination, rate, "
                        "connection_fee, initial_increment, next_increment, effective_from; the "
                        "last four optional; in any order), then one rate per line. Defaults: "
                        "connection_fee 0, initial_increment 1, next_increment 1, "
                        "effective_from the time of the upload. effective_from is ISO 8601 "
                        "with Z or an offset, or a date (midnight UTC)."
                    ),
                }
            }
        },
    }
}
