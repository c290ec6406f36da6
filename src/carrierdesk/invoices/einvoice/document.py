"""One invoice, or the credit note of a voided one, as its e-invoice states it: what the UBL and
the CII writers share (the mapping to EN 16931's business terms is in docs/e-invoices.md)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, timedelta
from decimal import Decimal
from typing import Any, Literal

from sqlalchemy.orm import Session

from carrierdesk.errors import Conflict
from carrierdesk.invoices.amounts import invoice_decimals
from carrierdesk.invoices.einvoice.parties import parties
from carrierdesk.invoices.einvoice.tax import VatCategory, vat_category
from carrierdesk.models import Customer, Invoice
from carrierdesk.settings.service import get_options

Kind = Literal["invoice", "credit_note"]
SPECIFICATION = "urn:cen.eu:en16931:2017"  # BT-24: the EN 16931 core, no CIUS
TYPE_CODES = {"invoice": "380", "credit_note": "381"}  # BT-3, UNTDID 1001


@dataclass(frozen=True)
class Line:
    position: int
    name: str
    calls: int
    billed_minutes: str
    net: str


@dataclass(frozen=True)
class Document:
    kind: Kind
    number: str  # BT-1
    issue_date: date  # BT-2
    due_date: date | None  # BT-9 (an invoice's; a credit note is not due)
    currency: str  # BT-5
    period_start: date  # BG-14
    period_end: date  # the period's last day
    note: str | None  # BT-22
    seller: dict[str, Any]
    buyer: dict[str, Any]
    vat: VatCategory
    tax_name: str
    lines: list[Line]
    subtotal: str  # BT-106 = BT-109 = BT-116
    tax: str  # BT-110 = BT-117
    total: str  # BT-112 = BT-115
    invoice_number: str  # the invoice (a credit note's BT-25)
    invoice_date: date  # BT-26

    @property
    def type_code(self) -> str:
        return TYPE_CODES[self.kind]

    @property
    def rate(self) -> str | None:
        rate = self.vat.rate
        return None if rate is None else format(rate.quantize(Decimal("0.01")), "f")

    @property
    def credit_note_number(self) -> str:
        return credit_note_number(self.invoice_number)


def credit_note_number(invoice_number: str) -> str:
    return f"{invoice_number}-CN"


def of_invoice(session: Session, invoice: Invoice, kind: Kind = "invoice") -> Document:
    """The e-invoice of an invoice (any status), or the credit note of a voided one; Conflict
    naming what is missing when it cannot be a valid EN 16931 document."""
    if kind == "credit_note" and invoice.status != "void":
        raise Conflict(
            f"Invoice {invoice.number} is {invoice.status}: only a voided invoice has a credit "
            "note."
        )
    customer = session.get(Customer, invoice.customer_id)
    assert customer is not None
    options = get_options(session)
    seller, buyer = parties(invoice, customer, options)
    vat = vat_category(invoice.tax_category, invoice.tax_rate, invoice.tax_exemption_reason)
    _check_complete(invoice, seller, buyer, vat)
    money = invoice.currency
    crediting = kind == "credit_note"
    voided = invoice.voided_at.date() if invoice.voided_at else invoice.invoice_date
    return Document(
        kind=kind,
        number=credit_note_number(invoice.number) if crediting else invoice.number,
        issue_date=voided if crediting else invoice.invoice_date,
        due_date=None if crediting else invoice.due_date,
        currency=money,
        period_start=invoice.period_start.date(),
        period_end=(invoice.period_end - timedelta(days=1)).date(),
        note=f"Credit note for invoice {invoice.number}, voided: {invoice.void_reason}"
        if crediting
        else None,
        seller=seller,
        buyer=buyer,
        vat=vat,
        tax_name=invoice.tax_name,
        lines=[
            Line(
                i + 1,
                line.description,
                line.calls,
                f"{line.billed_minutes:.2f}",
                amount(line.net, money),
            )
            for i, line in enumerate(invoice.lines)
        ],
        subtotal=amount(invoice.subtotal, money),
        tax=amount(invoice.tax, money),
        total=amount(invoice.total, money),
        invoice_number=invoice.number,
        invoice_date=invoice.invoice_date,
    )


def amount(value: Decimal, currency: str) -> str:
    """An amount as the XML writes it: the currency's decimals, at most 2 (BR-DEC-*), exactly
    the invoice's (amounts.py rounds invoices so); an older invoice of a 3-decimal currency with
    an amount in thousandths has no EN 16931 form."""
    written = value.quantize(Decimal(1).scaleb(-invoice_decimals(currency)))
    if written != value:
        raise Conflict(
            f"The amount {value.normalize()} {currency} has more than 2 decimals, which EN 16931 "
            "does not allow; this invoice was issued before e-invoices rounded such amounts, "
            "so it has no e-invoice."
        )
    return format(written, "f")


def _check_complete(
    invoice: Invoice, seller: dict[str, Any], buyer: dict[str, Any], vat: VatCategory
) -> None:
    missing = [
        f"Settings › Invoicing: the seller's {label}"
        for key, label in (("legal_name", "legal name"), ("country", "country"))
        if not seller.get(key)
    ]
    if vat.names_vat_ids and not seller.get("vat_id"):
        missing.append("Settings › Invoicing: the seller's VAT id (EN 16931 BR-S-02)")
    if not buyer.get("country"):
        missing.append("the customer's country")
    if vat.code == "AE" and not buyer.get("vat_id"):
        missing.append("the customer's VAT id (reverse charge, BR-AE-02)")
    if missing:
        raise Conflict(
            f"Invoice {invoice.number} has no e-invoice yet: EN 16931 needs "
            + "; ".join(missing)
            + ". Fill them in; invoices issued from then on carry them.",
            missing=missing,
        )
