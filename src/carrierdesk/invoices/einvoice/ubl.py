"""UBL 2.1 Invoice and CreditNote (OASIS), EN 16931's first syntax."""

from __future__ import annotations

from typing import Any

from lxml import etree

from carrierdesk.invoices.einvoice.document import SPECIFICATION, Document
from carrierdesk.invoices.einvoice.tax import VatCategory

ROOT = {
    "invoice": "urn:oasis:names:specification:ubl:schema:xsd:Invoice-2",
    "credit_note": "urn:oasis:names:specification:ubl:schema:xsd:CreditNote-2",
}
CAC = "urn:oasis:names:specification:ubl:schema:xsd:CommonAggregateComponents-2"
CBC = "urn:oasis:names:specification:ubl:schema:xsd:CommonBasicComponents-2"
PAYMENT_MEANS = {True: "58", False: "30"}  # SEPA credit transfer (with an IBAN), credit transfer


class Writer:
    def __init__(self, document: Document) -> None:
        self.document = document

    def cac(self, parent: etree._Element, name: str) -> etree._Element:
        return etree.SubElement(parent, f"{{{CAC}}}{name}")

    def cbc(
        self, parent: etree._Element, name: str, value: object, **attributes: str
    ) -> etree._Element | None:
        if value is None or value == "":
            return None
        element = etree.SubElement(parent, f"{{{CBC}}}{name}", attributes)
        element.text = str(value)
        return element

    def money(self, parent: etree._Element, name: str, value: str) -> None:
        self.cbc(parent, name, value, currencyID=self.document.currency)


def render_ubl(document: Document) -> bytes:
    d, w = document, Writer(document)
    invoice = d.kind == "invoice"
    root_name = "Invoice" if invoice else "CreditNote"
    root = etree.Element(
        f"{{{ROOT[d.kind]}}}{root_name}", nsmap={None: ROOT[d.kind], "cac": CAC, "cbc": CBC}
    )
    w.cbc(root, "CustomizationID", SPECIFICATION)
    w.cbc(root, "ID", d.number)
    w.cbc(root, "IssueDate", d.issue_date.isoformat())
    if invoice and d.due_date:
        w.cbc(root, "DueDate", d.due_date.isoformat())
    w.cbc(root, "InvoiceTypeCode" if invoice else "CreditNoteTypeCode", d.type_code)
    w.cbc(root, "Note", d.note)
    w.cbc(root, "DocumentCurrencyCode", d.currency)
    w.cbc(root, "BuyerReference", d.buyer.get("reference"))
    period = w.cac(root, "InvoicePeriod")
    w.cbc(period, "StartDate", d.period_start.isoformat())
    w.cbc(period, "EndDate", d.period_end.isoformat())
    if not invoice:
        reference = w.cac(w.cac(root, "BillingReference"), "InvoiceDocumentReference")
        w.cbc(reference, "ID", d.invoice_number)
        w.cbc(reference, "IssueDate", d.invoice_date.isoformat())
    _party(w, w.cac(root, "AccountingSupplierParty"), d.seller, d.vat, seller=True)
    _party(w, w.cac(root, "AccountingCustomerParty"), d.buyer, d.vat, seller=False)
    if invoice:
        _payment(w, root)
    tax_total = w.cac(root, "TaxTotal")
    w.money(tax_total, "TaxAmount", d.tax)
    subtotal = w.cac(tax_total, "TaxSubtotal")
    w.money(subtotal, "TaxableAmount", d.subtotal)
    w.money(subtotal, "TaxAmount", d.tax)
    _category(w, subtotal, "TaxCategory", d.vat, reasons=True)
    totals = w.cac(root, "LegalMonetaryTotal")
    w.money(totals, "LineExtensionAmount", d.subtotal)
    w.money(totals, "TaxExclusiveAmount", d.subtotal)
    w.money(totals, "TaxInclusiveAmount", d.total)
    w.money(totals, "PayableAmount", d.total)
    for line in d.lines:
        row = w.cac(root, "InvoiceLine" if invoice else "CreditNoteLine")
        w.cbc(row, "ID", line.position)
        w.cbc(row, "InvoicedQuantity" if invoice else "CreditedQuantity", "1", unitCode="C62")
        w.money(row, "LineExtensionAmount", line.net)
        item = w.cac(row, "Item")
        w.cbc(item, "Description", f"Voice calls: {line.name}")
        w.cbc(item, "Name", line.name)
        _category(w, item, "ClassifiedTaxCategory", d.vat, reasons=False)
        for label, value in (("Calls", line.calls), ("Billed minutes", line.billed_minutes)):
            prop = w.cac(item, "AdditionalItemProperty")
            w.cbc(prop, "Name", label)
            w.cbc(prop, "Value", value)
        w.money(w.cac(row, "Price"), "PriceAmount", line.net)
    return bytes(etree.tostring(root, xml_declaration=True, encoding="UTF-8", pretty_print=True))


def _party(
    w: Writer, role: etree._Element, details: dict[str, Any], vat: VatCategory, *, seller: bool
) -> None:
    party = w.cac(role, "Party")
    w.cbc(w.cac(party, "PartyName"), "Name", details.get("legal_name"))
    address = w.cac(party, "PostalAddress")
    w.cbc(address, "StreetName", details.get("address_line1"))
    w.cbc(address, "AdditionalStreetName", details.get("address_line2"))
    w.cbc(address, "CityName", details.get("city"))
    w.cbc(address, "PostalZone", details.get("postcode"))
    w.cbc(w.cac(address, "Country"), "IdentificationCode", details.get("country"))
    if vat.names_vat_ids and details.get("vat_id"):
        scheme = w.cac(party, "PartyTaxScheme")
        w.cbc(scheme, "CompanyID", details["vat_id"])
        w.cbc(w.cac(scheme, "TaxScheme"), "ID", "VAT")
    legal = w.cac(party, "PartyLegalEntity")
    w.cbc(legal, "RegistrationName", details.get("legal_name"))
    if seller:
        w.cbc(legal, "CompanyID", details.get("registration_id"))
    email = details.get("email") if seller else details.get("invoice_email")
    if email:
        w.cbc(w.cac(party, "Contact"), "ElectronicMail", email)


def _payment(w: Writer, root: etree._Element) -> None:
    seller = w.document.seller
    means = w.cac(root, "PaymentMeans")
    w.cbc(means, "PaymentMeansCode", PAYMENT_MEANS[bool(seller.get("iban"))])
    w.cbc(means, "PaymentID", w.document.number)
    if seller.get("iban"):
        account = w.cac(means, "PayeeFinancialAccount")
        w.cbc(account, "ID", seller["iban"])
        if seller.get("bic"):
            w.cbc(w.cac(account, "FinancialInstitutionBranch"), "ID", seller["bic"])


def _category(
    w: Writer, parent: etree._Element, name: str, vat: VatCategory, *, reasons: bool
) -> None:
    category = w.cac(parent, name)
    w.cbc(category, "ID", vat.code)
    w.cbc(category, "Percent", w.document.rate)
    if reasons:
        w.cbc(category, "TaxExemptionReasonCode", vat.reason_code)
        w.cbc(category, "TaxExemptionReason", vat.reason)
    w.cbc(w.cac(category, "TaxScheme"), "ID", "VAT")
