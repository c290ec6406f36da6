"""Invoices: the frozen, numbered statement of one customer's summary for one period.

Money is kept exact (Money6: numeric(18,6) on PostgreSQL, integer micro-units on SQLite) and is
already rounded to the currency's minor unit wherever the invoice shows it.
"""

from __future__ import annotations

from datetime import date, datetime
from decimal import Decimal
from typing import Any

from sqlalchemy import Date, ForeignKey, Index, Integer, String, text
from sqlalchemy.orm import Mapped, mapped_column, relationship

from carrierdesk.models.base import Base, JSONType, Timestamps
from carrierdesk.models.cdrs import Money6

INVOICE_STATUSES = ("issued", "paid", "void")


class Invoice(Timestamps, Base):
    __tablename__ = "invoices"
    __table_args__ = (
        # The database's own guard against invoicing one period twice (two workers at once).
        Index(
            "uq_invoices_open_period",
            "customer_id",
            "period_start",
            "period_end",
            unique=True,
            sqlite_where=text("status != 'void'"),
            postgresql_where=text("status != 'void'"),
        ),
        Index("ix_invoices_customer_period", "customer_id", "period_start"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    number: Mapped[str] = mapped_column(String(40), unique=True)
    sequence: Mapped[int] = mapped_column(Integer, unique=True)
    customer_id: Mapped[int] = mapped_column(ForeignKey("customers.id", ondelete="RESTRICT"))
    timeframe: Mapped[str] = mapped_column(String(10))
    invoice_date: Mapped[date] = mapped_column(Date, index=True)
    due_date: Mapped[date] = mapped_column(Date)
    period_start: Mapped[datetime]
    period_end: Mapped[datetime]
    currency: Mapped[str] = mapped_column(String(3))
    line_grouping: Mapped[str] = mapped_column(String(12))
    tax_name: Mapped[str] = mapped_column(String(40))
    tax_rate: Mapped[Decimal] = mapped_column(Money6())
    subtotal: Mapped[Decimal] = mapped_column(Money6())
    tax: Mapped[Decimal] = mapped_column(Money6())
    total: Mapped[Decimal] = mapped_column(Money6())
    # The summary's figures when issued: a later difference is shown on the Summary row.
    summary_charge: Mapped[Decimal] = mapped_column(Money6())
    summary_connected: Mapped[int] = mapped_column(Integer)
    summary_billed_duration: Mapped[int] = mapped_column(Integer)
    status: Mapped[str] = mapped_column(String(10), default="issued", index=True)
    paid_at: Mapped[datetime | None]  # when it was marked paid
    paid_on: Mapped[date | None] = mapped_column(Date)  # the payment's date, as told
    payment_reference: Mapped[str | None] = mapped_column(String(100))
    voided_at: Mapped[datetime | None]
    void_reason: Mapped[str | None] = mapped_column(String(500))
    # As issued (issue 15): the customer's tax category and the parties' details then, so a
    # later edit of the customer or of Settings › Invoicing never changes this invoice.
    tax_category: Mapped[str] = mapped_column(
        String(20), default="standard", server_default="standard"
    )
    tax_exemption_reason: Mapped[str | None] = mapped_column(String(200))
    seller: Mapped[dict[str, Any] | None] = mapped_column(JSONType)
    buyer: Mapped[dict[str, Any] | None] = mapped_column(JSONType)

    lines: Mapped[list[InvoiceLine]] = relationship(
        order_by="InvoiceLine.position", cascade="all, delete-orphan"
    )


class InvoiceLine(Base):
    __tablename__ = "invoice_lines"

    id: Mapped[int] = mapped_column(primary_key=True)
    invoice_id: Mapped[int] = mapped_column(
        ForeignKey("invoices.id", ondelete="CASCADE"), index=True
    )
    position: Mapped[int] = mapped_column(Integer)
    description: Mapped[str] = mapped_column(String(200))
    calls: Mapped[int] = mapped_column(Integer)
    billed_seconds: Mapped[int] = mapped_column(Integer)
    billed_minutes: Mapped[Decimal] = mapped_column(Money6())
    net: Mapped[Decimal] = mapped_column(Money6())


class InvoiceCounter(Base):
    """The account's invoice sequence: one row, locked by each generation until it commits, so
    numbers are gapless (a rolled-back generation rolls its number back) and never shared."""

    __tablename__ = "invoice_counters"

    name: Mapped[str] = mapped_column(String(20), primary_key=True)
    last_value: Mapped[int] = mapped_column(Integer)


class InvoiceAutoState(Base):
    """The summary refresh the worker's auto-generation last ran after (it runs once per
    refresh: nothing can have become invoiceable in between, except a voided period)."""

    __tablename__ = "invoice_auto_state"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    summary_refreshed_at: Mapped[datetime | None]


class InvoiceScheduleCheck(Base):
    """How far auto-generation has examined a customer's schedule: every period ending at or
    before `checked_through` is invoiced, refused or without charges. The next run starts there
    (constant work per invoice, however long the history); a void moves it back to the voided
    period, and a changed schedule starts again from the first CDR."""

    __tablename__ = "invoice_schedule_checks"

    customer_id: Mapped[int] = mapped_column(
        ForeignKey("customers.id", ondelete="CASCADE"), primary_key=True
    )
    schedule: Mapped[str] = mapped_column(String(10))
    checked_through: Mapped[datetime]
