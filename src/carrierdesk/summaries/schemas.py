"""The Summary as the API answers it: seconds for durations, decimal strings for money."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from pydantic import BaseModel, Field, field_serializer

from carrierdesk.cdrs.schemas import UtcTime
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
    period_start: UtcTime
    period_end: UtcTime
    invoice_id: int | None = None
    # Issue 14: Generate Invoice can make an invoice of this period (it has ended, has
    # charges and no invoice covers it): the Summary's checkbox is on these rows only.
    invoiceable: bool = False
    # Issue 5: present only on invoiced rows (carrierdesk.invoices.coverage); left out, not
    # null, on the others. A field's own rule, so the OpenAPI document still shows every field
    # (a model serializer would publish the row as an untyped object).
    invoice: InvoiceMarkOut | None = Field(None, exclude_if=lambda value: value is None)


class SummaryOut(BaseModel):
    customer_id: int
    currency: str
    timeframe: str
    items: list[SummaryRowOut]
    totals: Figures
    refreshed_at: UtcTime | None

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
                    invoiceable=r.invoiceable,
                )
                for r in summary.rows
            ],
            totals=Figures(**_figures(summary.totals)),
            refreshed_at=summary.refreshed_at,
        )


def _figures(sums: Sums) -> dict[str, Any]:
    return sums.figures()


class RefreshOut(BaseModel):
    refreshed_at: UtcTime | None
