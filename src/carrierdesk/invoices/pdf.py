"""The printable A4 invoice (fpdf2, pure Python): a Factur-X PDF (PDF/A-3 with its EN 16931 CII
XML embedded) when the invoice has an e-invoice (invoices/einvoice/), else the plain PDF."""

from __future__ import annotations

from datetime import timedelta
from pathlib import Path
from typing import Any

from fpdf import FPDF
from sqlalchemy.orm import Session

from carrierdesk.config import get_settings
from carrierdesk.errors import Conflict
from carrierdesk.invoices.amounts import to_minor
from carrierdesk.invoices.einvoice.document import Document, of_invoice
from carrierdesk.invoices.einvoice.facturx import facturx_pdf
from carrierdesk.invoices.einvoice.parties import parties
from carrierdesk.invoices.einvoice.tax import vat_category
from carrierdesk.models import Customer, Invoice
from carrierdesk.settings.service import get_options

# A Unicode font when the system has one (customer names in any script); otherwise the PDF
# core font, with characters outside Latin-1 replaced.
UNICODE_FONT = Path("/usr/share/fonts/truetype/dejavu/DejaVuSans.ttf")
UNICODE_BOLD = Path("/usr/share/fonts/truetype/dejavu/DejaVuSans-Bold.ttf")
WIDTHS = (94, 22, 32, 26)  # description, calls, billed minutes, net (mm; 174 = A4 - margins)


class InvoicePdf(FPDF):
    def __init__(self) -> None:
        unicode = UNICODE_FONT.exists() and UNICODE_BOLD.exists()
        # PDF/A-3B (fonts embedded, an sRGB output intent) so Factur-X can attach its XML; the
        # core font is not embedded, so without the Unicode font the PDF is a plain one.
        compliance = "PDF/A-3B" if unicode else None
        super().__init__(orientation="P", unit="mm", format="A4", enforce_compliance=compliance)
        self.set_margins(18, 18, 18)
        self.set_auto_page_break(auto=True, margin=18)
        self.unicode = unicode
        if self.unicode:
            self.add_font("Body", "", str(UNICODE_FONT))
            self.add_font("Body", "B", str(UNICODE_BOLD))
        self.family = "Body" if self.unicode else "Helvetica"

    def text_of(self, value: str) -> str:
        if self.unicode:
            return value
        value = value.replace("–", "-").replace("—", "-").replace("›", ">")
        return value.encode("latin-1", "replace").decode("latin-1")

    def use(self, size: float, bold: bool = False) -> None:
        self.set_font(self.family, "B" if bold else "", size)

    def put(self, width: float, text: str, align: str = "L", border: str = "") -> None:
        # fpdf2 takes 0 for "no border"
        self.cell(width, 6, self.text_of(text), border=border or 0, align=align)

    def lines_of(self, text: str, width: float = 0) -> None:
        self.multi_cell(width, 5, self.text_of(text), new_x="LMARGIN", new_y="NEXT")


def render_pdf(session: Session, invoice: Invoice) -> bytes:
    plain = render_plain_pdf(session, invoice)
    try:
        document: Document = of_invoice(session, invoice)
    except Conflict:  # no e-invoice (what is missing: GET /invoices/{id}/ubl says)
        return plain
    return facturx_pdf(plain, document)


def render_plain_pdf(session: Session, invoice: Invoice) -> bytes:
    options = get_options(session)
    customer = session.get(Customer, invoice.customer_id)
    assert customer is not None
    seller, buyer = parties(invoice, customer, options)
    pdf = InvoicePdf()
    pdf.set_title(f"Invoice {invoice.number}")
    pdf.set_author(get_settings().carrier_name)
    pdf.add_page()
    company = (
        options.invoice_company_text or seller.get("legal_name") or get_settings().carrier_name
    )
    _header(pdf, invoice, company, seller)
    _parties(pdf, invoice, customer, buyer)
    _lines(pdf, invoice)
    _totals(pdf, invoice)
    if options.invoice_payment_text:
        pdf.ln(8)
        pdf.use(10, bold=True)
        pdf.put(0, "Payment details")
        pdf.ln(6)
        pdf.use(9)
        pdf.lines_of(options.invoice_payment_text)
    return bytes(pdf.output())


def _header(pdf: InvoicePdf, invoice: Invoice, company: str, seller: dict[str, Any]) -> None:
    name, _, address = company.strip().partition("\n")
    pdf.use(14, bold=True)
    pdf.put(110, name)
    pdf.use(18, bold=True)
    pdf.put(0, "VOID INVOICE" if invoice.status == "void" else "INVOICE", align="R")
    pdf.ln(8)
    pdf.use(9)
    if address.strip():
        pdf.lines_of(address.strip(), 110)
    elif seller.get("legal_name"):
        pdf.lines_of("\n".join(_address(seller)), 110)
    ids = [
        f"{label}: {seller[key]}"
        for key, label in (("vat_id", "VAT id"), ("registration_id", "Registration"))
        if seller.get(key)
    ]
    if ids:
        pdf.lines_of("   ".join(ids), 110)
    pdf.ln(4)


def _address(details: dict[str, Any]) -> list[str]:
    town = " ".join(v for v in (details.get("postcode"), details.get("city")) if v)
    found = (details.get("address_line1"), details.get("address_line2"), town)
    return [v for v in (*found, details.get("country")) if v]


def _parties(pdf: InvoicePdf, invoice: Invoice, customer: Customer, buyer: dict[str, Any]) -> None:
    top = pdf.get_y()
    pdf.use(10, bold=True)
    pdf.put(0, "Bill to")
    pdf.ln(6)
    pdf.use(10)
    pdf.lines_of(buyer.get("legal_name") or customer.name, 90)
    pdf.use(9)
    for text in _address(buyer):
        pdf.lines_of(text, 90)
    if buyer.get("vat_id"):
        pdf.lines_of(f"VAT id: {buyer['vat_id']}", 90)
    if customer.reference:
        pdf.lines_of(f"Reference: {customer.reference}", 90)
    bottom = pdf.get_y()
    last_day = (invoice.period_end - timedelta(days=1)).date()
    facts = [
        ("Invoice number", invoice.number),
        ("Invoice date", invoice.invoice_date.isoformat()),
        ("Due date", invoice.due_date.isoformat()),
        ("Period", f"{invoice.period_start.date().isoformat()} to {last_day.isoformat()}"),
        ("Currency", invoice.currency),
    ]
    pdf.set_y(top)
    for label, value in facts:
        pdf.set_x(112)
        pdf.use(9, bold=True)
        pdf.put(30, label)
        pdf.use(9)
        pdf.put(0, value, align="R")
        pdf.ln(6)
    pdf.set_y(max(bottom, pdf.get_y()) + 6)


def _lines(pdf: InvoicePdf, invoice: Invoice) -> None:
    heads = ("Description", "Calls", "Billed minutes", f"Net ({invoice.currency})")
    pdf.use(9, bold=True)
    pdf.set_fill_color(235, 238, 242)
    for width, head, align in zip(WIDTHS, heads, "LRRR", strict=True):
        pdf.cell(width, 7, pdf.text_of(head), border="B", align=align, fill=True)
    pdf.ln(7)
    pdf.use(9)
    for line in invoice.lines:
        values = (
            line.description,
            f"{line.calls:,}",
            f"{line.billed_minutes:,.2f}",
            f"{to_minor(line.net, invoice.currency):,}",
        )
        for width, value, align in zip(WIDTHS, values, "LRRR", strict=True):
            pdf.put(width, value, align=align)
        pdf.ln(6)


def _totals(pdf: InvoicePdf, invoice: Invoice) -> None:
    money = invoice.currency
    rate = format(invoice.tax_rate.normalize(), "f")
    rows = [
        ("Subtotal", f"{to_minor(invoice.subtotal, money):,}", False),
        (f"{invoice.tax_name} ({rate}%)", f"{to_minor(invoice.tax, money):,}", False),
        (f"Total ({money})", f"{to_minor(invoice.total, money):,}", True),
    ]
    pdf.ln(2)
    left = sum(WIDTHS[:2])
    for label, value, bold in rows:
        pdf.set_x(pdf.l_margin + left)
        pdf.use(10, bold=bold)
        pdf.put(WIDTHS[2], label, border="T" if bold else "")
        pdf.put(WIDTHS[3], value, align="R", border="T" if bold else "")
        pdf.ln(7)
    vat = vat_category(invoice.tax_category, invoice.tax_rate, invoice.tax_exemption_reason)
    if vat.reason:
        pdf.use(9)
        code = f" ({vat.reason_code})" if vat.reason_code else ""
        pdf.lines_of(f"{invoice.tax_name}: {vat.reason}{code}")
