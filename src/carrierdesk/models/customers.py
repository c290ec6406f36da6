from __future__ import annotations

from decimal import Decimal
from typing import TYPE_CHECKING

from sqlalchemy import ForeignKey, Index, Numeric, String, func
from sqlalchemy.orm import Mapped, mapped_column, relationship

from carrierdesk.models.base import Base, Timestamps

if TYPE_CHECKING:
    from carrierdesk.models.rating import RateCard


class Customer(Timestamps, Base):
    __tablename__ = "customers"

    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(200), index=True)
    reference: Mapped[str | None] = mapped_column(String(100), unique=True)
    status: Mapped[str] = mapped_column(String(20), default="active", index=True)
    currency: Mapped[str] = mapped_column(String(3), default="USD")
    tax_rate: Mapped[Decimal] = mapped_column(Numeric(7, 4), default=Decimal("0"))
    channels: Mapped[int | None]
    invoice_schedule: Mapped[str] = mapped_column(String(10), default="none")
    invoice_due_days: Mapped[int] = mapped_column(default=30)
    # Issued invoices are emailed, with their PDF, to the billing contacts (notify/invoices.py).
    email_invoices: Mapped[bool] = mapped_column(default=True)
    # The card its calls are rated from: in the customer's currency (customers/service.py).
    rate_card_id: Mapped[int | None] = mapped_column(ForeignKey("rate_cards.id"), index=True)
    # For the pages (the customer header names it); set rate_card_id, never this.
    rate_card: Mapped[RateCard | None] = relationship(viewonly=True)
    # The buyer of its e-invoices (EN 16931 BG-7) and how its invoices are taxed (issue 15).
    legal_name: Mapped[str | None] = mapped_column(String(200))
    address_line1: Mapped[str | None] = mapped_column(String(200))
    address_line2: Mapped[str | None] = mapped_column(String(200))
    city: Mapped[str | None] = mapped_column(String(100))
    postcode: Mapped[str | None] = mapped_column(String(20))
    country: Mapped[str | None] = mapped_column(String(2))
    vat_id: Mapped[str | None] = mapped_column(String(20))
    invoice_email: Mapped[str | None] = mapped_column(String(320))
    tax_category: Mapped[str] = mapped_column(
        String(20), default="standard", server_default="standard"
    )
    tax_exemption_reason: Mapped[str | None] = mapped_column(String(200))


# A reference is unique whatever its case ("acme-001" and "ACME-001" are one reference).
Index("uq_customers_reference_lower", func.lower(Customer.reference), unique=True)
