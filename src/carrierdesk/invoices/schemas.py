"""Invoices as the API takes and answers them: money as decimal strings in the currency's minor
unit, periods as ISO 8601 UTC."""

from __future__ import annotations

from datetime import date
from decimal import Decimal
from typing import Annotated, Literal

from pydantic import BaseModel, ConfigDict, Field, field_validator

from carrierdesk.cdrs.schemas import UtcTime
from carrierdesk.invoices.amounts import to_minor
from carrierdesk.models import Invoice
from carrierdesk.validation import Input, at_most

Timeframe = Literal["daily", "weekly", "monthly"]
Status = Literal["issued", "paid", "void"]
MAX_PERIODS = 366  # a year of daily invoices in one request
MAX_PAYMENT_REFERENCE = 100  # a bank transfer's reference, a cheque number


class GenerateIn(Input):
    """POST /customers/{id}/invoices: one invoice per period start."""

    model_config = ConfigDict(extra="forbid")

    timeframe: Timeframe
    period_starts: Annotated[
        list[date],
        at_most(MAX_PERIODS, "period starts"),
        Field(min_length=1, max_length=MAX_PERIODS),
    ]


class VoidIn(Input):
    model_config = ConfigDict(extra="forbid", str_strip_whitespace=True)

    reason: Annotated[str, Field(min_length=1, max_length=500)]


class MarkPaidIn(Input):
    """POST /invoices/{id}/mark-paid (every field optional): the payment's date (today when
    omitted; neither in the future nor before the invoice date) and its reference."""

    model_config = ConfigDict(extra="forbid", str_strip_whitespace=True)

    paid_on: date | None = None
    reference: Annotated[str | None, Field(max_length=MAX_PAYMENT_REFERENCE)] = None

    @field_validator("reference")
    @classmethod
    def _one_line(cls, value: str | None) -> str | None:
        if value and ("\n" in value or "\r" in value):
            raise ValueError("must be one line")
        return value or None


class LineOut(BaseModel):
    description: str
    calls: int
    billed_minutes: str
    net: str


class InvoiceOut(BaseModel):
    id: int
    number: str
    customer_id: int
    customer_name: str
    timeframe: Timeframe
    invoice_date: date
    due_date: date
    period_start: UtcTime
    period_end: UtcTime
    currency: str
    lines: list[LineOut]
    subtotal: str
    tax_name: str
    tax_rate: str
    tax: str
    total: str
    status: Status
    paid_at: UtcTime | None = None
    paid_on: date | None = None
    payment_reference: str | None = None
    voided_at: UtcTime | None = None
    void_reason: str | None = None
    created_at: UtcTime

    @classmethod
    def of(cls, invoice: Invoice, customer_name: str) -> InvoiceOut:
        money = invoice.currency
        return cls(
            id=invoice.id,
            number=invoice.number,
            customer_id=invoice.customer_id,
            customer_name=customer_name,
            timeframe=invoice.timeframe,
            invoice_date=invoice.invoice_date,
            due_date=invoice.due_date,
            period_start=invoice.period_start,
            period_end=invoice.period_end,
            currency=money,
            lines=[
                LineOut(
                    description=line.description,
                    calls=line.calls,
                    billed_minutes=f"{line.billed_minutes:.2f}",
                    net=str(to_minor(line.net, money)),
                )
                for line in invoice.lines
            ],
            subtotal=str(to_minor(invoice.subtotal, money)),
            tax_name=invoice.tax_name,
            tax_rate=_rate(invoice.tax_rate),
            tax=str(to_minor(invoice.tax, money)),
            total=str(to_minor(invoice.total, money)),
            status=invoice.status,
            paid_at=invoice.paid_at,
            paid_on=invoice.paid_on,
            payment_reference=invoice.payment_reference,
            voided_at=invoice.voided_at,
            void_reason=invoice.void_reason,
            created_at=invoice.created_at,
        )


def _rate(value: Decimal) -> str:
    text = format(value.normalize(), "f")
    return text


class InvoiceList(BaseModel):
    items: list[InvoiceOut]
    total: int


class Refusal(BaseModel):
    period_start: UtcTime
    period_end: UtcTime
    reason: str
    invoice_id: int | None = None


class GeneratedOut(BaseModel):
    """What a generation created (and, for auto-generation, what it refused and why)."""

    items: list[InvoiceOut]
    refused: list[Refusal] = []
