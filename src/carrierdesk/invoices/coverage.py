"""What the Summary shows about invoices (issue 5): which invoice covers each row, and, when the
invoice covers exactly that period, whether the summary's figures have changed since it was
issued (CDRs that arrived later never change an invoice: an operator voids and regenerates)."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from decimal import Decimal
from typing import Any, Protocol

from pydantic import BaseModel, field_serializer
from sqlalchemy.orm import Session

from carrierdesk.invoices.service import overlapping


class Figures(Protocol):
    @property
    def charge(self) -> Decimal: ...
    @property
    def connected(self) -> int: ...
    @property
    def billed_duration(self) -> int: ...


class Row(Protocol):
    """A Summary row (carrierdesk.summaries.service.SummaryRow)."""

    invoice: InvoiceMark | None

    @property
    def period_start(self) -> datetime: ...
    @property
    def period_end(self) -> datetime: ...
    @property
    def sums(self) -> Figures: ...


@dataclass(frozen=True)
class InvoiceMark:
    invoice_id: int
    number: str
    invoiced_charge: Decimal | None  # the summary's charge when issued (same period only)
    differs: bool


def mark_invoiced(session: Session, customer_id: int, timeframe: str, rows: Sequence[Row]) -> None:
    """Set `row.invoice` on every row that a non-void invoice overlaps (one query)."""
    if timeframe == "24h" or not rows:
        return
    first = min(r.period_start for r in rows)
    last = max(r.period_end for r in rows)
    invoices = overlapping(session, customer_id, first, last)
    for row in rows:
        hit = next(
            (
                i
                for i in invoices
                if i.period_start < row.period_end and i.period_end > row.period_start
            ),
            None,
        )
        if hit is None:
            continue
        exact = (hit.period_start, hit.period_end) == (row.period_start, row.period_end)
        now = (row.sums.charge, row.sums.connected, row.sums.billed_duration)
        then = (hit.summary_charge, hit.summary_connected, hit.summary_billed_duration)
        row.invoice = InvoiceMark(
            hit.id, hit.number, hit.summary_charge if exact else None, exact and now != then
        )


def can_invoice(timeframe: str, row: Row, now: datetime) -> bool:
    """Whether Generate Invoice can make an invoice of the row: a day, week or month that has
    ended, has charges (Auto Generate's rule of a billable period) and that no non-void invoice
    overlaps (call mark_invoiced first). The Summary offers a checkbox on these rows only."""
    return (
        timeframe != "24h" and row.invoice is None and row.period_end <= now and row.sums.charge > 0
    )


class InvoiceMarkOut(BaseModel):
    """On a Summary row: the invoice covering it; with `summary_differs`, the figures changed
    since it was issued (then `invoiced_charge` is what the invoice was built from)."""

    number: str
    invoiced_charge: Decimal | None = None
    summary_differs: bool = False

    @field_serializer("invoiced_charge")
    def _money(self, value: Decimal | None) -> str | None:
        return f"{value:.6f}" if value is not None else None

    @classmethod
    def fields(cls, mark: InvoiceMark | None) -> dict[str, Any]:
        """The row's invoice_id and invoice, as SummaryRowOut takes them."""
        if mark is None:
            return {}
        out = cls(
            number=mark.number, invoiced_charge=mark.invoiced_charge, summary_differs=mark.differs
        )
        return {"invoice_id": mark.invoice_id, "invoice": out}
