"""The Summary as the API answers it: seconds for durations, decimal strings for money."""

from __future__ import annotations

from datetime import datetime
from decimal import Decimal
from typing import Any

from pydantic import BaseModel, SerializerFunctionWrapHandler, field_serializer, model_serializer

from carrierdesk.cdrs.schemas import iso_z
from carrierdesk.invoices.coverage import InvoiceMarkOut
from carrierdesk.summaries.service import Summary, Sums


class Figures(BaseModel):
    attempts: int
    connected: int
    asr: float
    acd: float
    ner: float
    pdd_ms: float
    duration: int
    billed_duration: int
    charge: Decimal
    cost: Decimal
    profit: Decimal
    profit_pct: float

    @field_serializer("charge", "cost", "profit")
    def _money(self, value: Decimal) -> str:
        return f"{value:.6f}"


class SummaryRowOut(Figures):
    period_start: datetime
    period_end: datetime
    invoice_id: int | None = None
    # Issue 5: present only on invoiced rows (carrierdesk.invoices.coverage).
    invoice: InvoiceMarkOut | None = None

    @field_serializer("period_start", "period_end")
    def _time(self, value: datetime) -> str:
        return iso_z(value)

    @model_serializer(mode="wrap")
    def _without_empty_invoice(self, handler: SerializerFunctionWrapHandler) -> dict[str, Any]:
        data: dict[str, Any] = handler(self)
        if data.get("invoice") is None:
            data.pop("invoice", None)
        return data


class SummaryOut(BaseModel):
    customer_id: int
    currency: str
    timeframe: str
    items: list[SummaryRowOut]
    totals: Figures
    refreshed_at: datetime | None

    @field_serializer("refreshed_at")
    def _time(self, value: datetime | None) -> str | None:
        return iso_z(value) if value else None

    @classmethod
    def of(cls, summary: Summary) -> SummaryOut:
        return cls(
            customer_id=summary.customer_id,
            currency=summary.currency,
            timeframe=summary.timeframe,
            items=[
                SummaryRowOut(
                    period_start=r.period_start,
                    period_end=r.period_end,
                    **_figures(r.sums),
                    **InvoiceMarkOut.fields(r.invoice),
                )
                for r in summary.rows
            ],
            totals=Figures(**_figures(summary.totals)),
            refreshed_at=summary.refreshed_at,
        )


def _figures(sums: Sums) -> dict[str, Any]:
    return sums.figures()


class RefreshOut(BaseModel):
    refreshed_at: datetime | None

    @field_serializer("refreshed_at")
    def _time(self, value: datetime | None) -> str | None:
        return iso_z(value) if value else None
