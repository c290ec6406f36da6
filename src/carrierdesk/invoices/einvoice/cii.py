"""UN/CEFACT Cross Industry Invoice (D16B), EN 16931's second syntax: the XML a Factur-X PDF
embeds (profile EN 16931, "Comfort")."""

from __future__ import annotations

from datetime import date
from typing import Any

from lxml import etree

from carrierdesk.invoices.einvoice.document import SPECIFICATION, Document
from carrierdesk.invoices.einvoice.tax import VatCategory

RSM = "urn:un:unece:uncefact:data:standard:CrossIndustryInvoice:100"
RAM = "urn:un:unece:uncefact:data:standard:ReusableAggregateBusinessInformationEntity:100"
UDT = "urn:un:unece:uncefact:data:standard:UnqualifiedDataType:100"
QDT = "urn:un:unece:uncefact:data:standard:QualifiedDataType:100"
NSMAP = {"rsm": RSM, "ram": RAM, "udt": UDT, "qdt": QDT}


def _el(parent: etree._Element, name: str, value: object = None, **attrs: str) -> etree._Element:
    prefix, local = name.split(":")
    element = etree.SubElement(parent, f"{{{NSMAP[prefix]}}}{local}", attrs)
    if value is not None:
        element.text = str(value)
    return element


def _opt(parent: etree._Element, name: str, value: object) -> None:
    if value is not None and value != "":
        _el(parent, name, value)


def _date(parent: etree._Element, name: str, day: date, kind: str = "udt") -> None:
    _el(_el(parent, name), f"{kind}:DateTimeString", day.strftime("%Y%m%d"), format="102")


def render_cii(document: Document) -> bytes:
    d = document
    root = etree.Element(f"{{{RSM}}}CrossIndustryInvoice", nsmap=NSMAP)
    context = _el(root, "rsm:ExchangedDocumentContext")
    _el(_el(context, "ram:GuidelineSpecifiedDocumentContextParameter"), "ram:ID", SPECIFICATION)
    header = _el(root, "rsm:ExchangedDocument")
    _el(header, "ram:ID", d.number)
    _el(header, "ram:TypeCode", d.type_code)
    _date(header, "ram:IssueDateTime", d.issue_date)
    if d.note:
        _el(_el(header, "ram:IncludedNote"), "ram:Content", d.note)
    trade = _el(root, "rsm:SupplyChainTradeTransaction")
    for line in d.lines:
        item = _el(trade, "ram:IncludedSupplyChainTradeLineItem")
        _el(_el(item, "ram:AssociatedDocumentLineDocument"), "ram:LineID", line.position)
        product = _el(item, "ram:SpecifiedTradeProduct")
        _el(product, "ram:Name", line.name)
        _el(product, "ram:Description", f"Voice calls: {line.name}")
        for label, value in (("Calls", line.calls), ("Billed minutes", line.billed_minutes)):
            characteristic = _el(product, "ram:ApplicableProductCharacteristic")
            _el(characteristic, "ram:Description", label)
            _el(characteristic, "ram:Value", value)
        agreement = _el(item, "ram:SpecifiedLineTradeAgreement")
        _el(_el(agreement, "ram:NetPriceProductTradePrice"), "ram:ChargeAmount", line.net)
        delivery = _el(item, "ram:SpecifiedLineTradeDelivery")
        _el(delivery, "ram:BilledQuantity", "1", unitCode="C62")
        settlement = _el(item, "ram:SpecifiedLineTradeSettlement")
        _tax(settlement, d, d.vat, header_level=False)
        summation = _el(settlement, "ram:SpecifiedTradeSettlementLineMonetarySummation")
        _el(summation, "ram:LineTotalAmount", line.net)
    agreement = _el(trade, "ram:ApplicableHeaderTradeAgreement")
    _opt(agreement, "ram:BuyerReference", d.buyer.get("reference"))
    _party(agreement, "ram:SellerTradeParty", d.seller, d.vat, seller=True)
    _party(agreement, "ram:BuyerTradeParty", d.buyer, d.vat, seller=False)
    _el(trade, "ram:ApplicableHeaderTradeDelivery")
    settlement = _el(trade, "ram:ApplicableHeaderTradeSettlement")
    if d.kind == "invoice":
        _el(settlement, "ram:PaymentReference", d.number)
    _el(settlement, "ram:InvoiceCurrencyCode", d.currency)
    if d.kind == "invoice":
        _payment(settlement, d.seller)
    _tax(settlement, d, d.vat, header_level=True)
    period = _el(settlement, "ram:BillingSpecifiedPeriod")
    _date(period, "ram:StartDateTime", d.period_start)
    _date(period, "ram:EndDateTime", d.period_end)
    if d.due_date:
        _date(_el(settlement, "ram:SpecifiedTradePaymentTerms"), "ram:DueDateDateTime", d.due_date)
    totals = _el(settlement, "ram:SpecifiedTradeSettlementHeaderMonetarySummation")
    _el(totals, "ram:LineTotalAmount", d.subtotal)
    _el(totals, "ram:TaxBasisTotalAmount", d.subtotal)
    _el(totals, "ram:TaxTotalAmount", d.tax, currencyID=d.currency)
    _el(totals, "ram:GrandTotalAmount", d.total)
    _el(totals, "ram:DuePayableAmount", d.total)
    if d.kind == "credit_note":
        reference = _el(settlement, "ram:InvoiceReferencedDocument")
        _el(reference, "ram:IssuerAssignedID", d.invoice_number)
        _date(reference, "ram:FormattedIssueDateTime", d.invoice_date, kind="qdt")
    return bytes(etree.tostring(root, xml_declaration=True, encoding="UTF-8", pretty_print=True))


def _tax(parent: etree._Element, d: Document, vat: VatCategory, *, header_level: bool) -> None:
    tax = _el(parent, "ram:ApplicableTradeTax")
    if header_level:
        _el(tax, "ram:CalculatedAmount", d.tax)
    _el(tax, "ram:TypeCode", "VAT")
    if header_level:
        _opt(tax, "ram:ExemptionReason", vat.reason)
        _el(tax, "ram:BasisAmount", d.subtotal)
    _el(tax, "ram:CategoryCode", vat.code)
    if header_level:
        _opt(tax, "ram:ExemptionReasonCode", vat.reason_code)
    _opt(tax, "ram:RateApplicablePercent", d.rate)


def _party(
    parent: etree._Element, name: str, details: dict[str, Any], vat: VatCategory, *, seller: bool
) -> None:
    party = _el(parent, name)
    _el(party, "ram:Name", details.get("legal_name"))
    if seller and details.get("registration_id"):
        _el(_el(party, "ram:SpecifiedLegalOrganization"), "ram:ID", details["registration_id"])
    email = details.get("email") if seller else details.get("invoice_email")
    if email:
        contact = _el(party, "ram:DefinedTradeContact")
        _el(_el(contact, "ram:EmailURIUniversalCommunication"), "ram:URIID", email)
    address = _el(party, "ram:PostalTradeAddress")
    _opt(address, "ram:PostcodeCode", details.get("postcode"))
    _opt(address, "ram:LineOne", details.get("address_line1"))
    _opt(address, "ram:LineTwo", details.get("address_line2"))
    _opt(address, "ram:CityName", details.get("city"))
    _el(address, "ram:CountryID", details.get("country"))
    if vat.names_vat_ids and details.get("vat_id"):
        _el(_el(party, "ram:SpecifiedTaxRegistration"), "ram:ID", details["vat_id"], schemeID="VA")


def _payment(settlement: etree._Element, seller: dict[str, Any]) -> None:
    means = _el(settlement, "ram:SpecifiedTradeSettlementPaymentMeans")
    _el(means, "ram:TypeCode", "58" if seller.get("iban") else "30")
    if seller.get("iban"):
        _el(_el(means, "ram:PayeePartyCreditorFinancialAccount"), "ram:IBANID", seller["iban"])
        if seller.get("bic"):
            institution = _el(means, "ram:PayeeSpecifiedCreditorFinancialInstitution")
            _el(institution, "ram:BICID", seller["bic"])
