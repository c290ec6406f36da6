"""E-invoices against the official EN 16931 rules (CEN/TC 434 validation artifacts, run with
Saxon): the UBL 2.1 Invoice and CreditNote and the CII XML a Factur-X PDF embeds break no fatal
rule, for 0-, 2- and 3-decimal currencies, lines per day and per destination, standard rate,
reverse charge, exempt and outside scope; and the XML states the invoice's amounts, to the cent,
as the PDF does."""

from __future__ import annotations

import io
from decimal import Decimal
from typing import Any

import facturx
import pytest
from lxml import etree
from pypdf import PdfReader

from carrierdesk.errors import Conflict
from carrierdesk.invoices.einvoice.document import amount
from invoices.einvoice_helpers import assert_valid, configure_seller, make_buyer
from invoices.invoice_helpers import call, calls, generate
from support import Api

UBL_NS = {
    "cbc": "urn:oasis:names:specification:ubl:schema:xsd:CommonBasicComponents-2",
    "cac": "urn:oasis:names:specification:ubl:schema:xsd:CommonAggregateComponents-2",
}
CII_NS = {
    "ram": "urn:un:unece:uncefact:data:standard:ReusableAggregateBusinessInformationEntity:100"
}


def issue(operator: Api, cid: int, currency: str, charges: list[str], **over: Any) -> dict:
    rows = [
        call(f"{cid}-{i}", cid, f"2026-10-0{1 + i % 3}", charge, currency=currency, **over)
        for i, charge in enumerate(charges)
    ]
    calls(operator, rows)
    answer = generate(operator, cid, "monthly", "2026-10-01")
    assert answer.status_code == 201, answer.text
    [invoice] = answer.json()["items"]
    return dict(invoice)


def ubl_of(api: Api, invoice: dict, path: str = "ubl") -> bytes:
    answer = api.get(f"/invoices/{invoice['id']}/{path}")
    assert answer.status_code == 200, answer.text
    assert answer.headers["content-type"] == "application/xml"
    return bytes(answer.content)


def facturx_of(api: Api, invoice: dict) -> tuple[bytes, bytes]:
    """(the PDF, the CII XML it embeds), after factur-x's own checks of both."""
    answer = api.get(f"/invoices/{invoice['id']}/pdf")
    assert answer.status_code == 200, answer.text
    pdf = bytes(answer.content)
    filename, xml = facturx.get_xml_from_pdf(pdf, check_xsd=True)
    assert filename == "factur-x.xml"
    assert facturx.get_flavor(etree.fromstring(xml)) == "factur-x"
    assert facturx.get_level(etree.fromstring(xml)) == "en16931"
    assert facturx.xml_check_xsd(xml, flavor="factur-x", level="en16931")
    assert_pdfa3_facturx(pdf)
    return pdf, bytes(xml)


def assert_pdfa3_facturx(pdf: bytes) -> None:
    """What factur-x writes to make the PDF a Factur-X PDF/A-3: its XMP metadata (PDF/A-3B,
    the Factur-X extension naming the XML and the EN 16931 level), the XML as an associated
    file (AF) of relationship Data, and an output intent."""
    root = PdfReader(io.BytesIO(pdf)).trailer["/Root"]
    xmp = etree.fromstring(root["/Metadata"].get_object().get_data())
    values = {etree.QName(e).localname: e.text for e in xmp.iter() if e.text and e.text.strip()}
    assert (values["part"], values["conformance"]) == ("3", "B")
    assert values["DocumentFileName"] == "factur-x.xml"
    assert values["ConformanceLevel"] == "EN 16931" and values["DocumentType"] == "INVOICE"
    [attached] = [a.get_object() for a in root["/AF"]]
    assert (attached["/F"], attached["/AFRelationship"]) == ("factur-x.xml", "/Data")
    assert root["/OutputIntents"][0].get_object()["/S"] == "/GTS_PDFA1"


def ubl_totals(xml: bytes) -> dict[str, Decimal]:
    tree = etree.fromstring(xml)
    total = "cac:LegalMonetaryTotal/cbc:"
    return {
        "subtotal": Decimal(tree.findtext(total + "TaxExclusiveAmount", namespaces=UBL_NS)),
        "tax": Decimal(tree.findtext("cac:TaxTotal/cbc:TaxAmount", namespaces=UBL_NS)),
        "total": Decimal(tree.findtext(total + "PayableAmount", namespaces=UBL_NS)),
        "lines": [
            Decimal(x.text)
            for x in tree.iterfind("cac:InvoiceLine/cbc:LineExtensionAmount", UBL_NS)
        ],
    }


def cii_totals(xml: bytes) -> dict[str, Decimal]:
    tree = etree.fromstring(xml)
    sums = ".//ram:SpecifiedTradeSettlementHeaderMonetarySummation/ram:"
    return {
        "subtotal": Decimal(tree.findtext(sums + "TaxBasisTotalAmount", namespaces=CII_NS)),
        "tax": Decimal(tree.findtext(sums + "TaxTotalAmount", namespaces=CII_NS)),
        "total": Decimal(tree.findtext(sums + "DuePayableAmount", namespaces=CII_NS)),
        "lines": [
            Decimal(x.text)
            for x in tree.iterfind(".//ram:LineTotalAmount", CII_NS)
            if x.getparent().tag.endswith("SpecifiedTradeSettlementLineMonetarySummation")
        ],
    }


def invoice_totals(invoice: dict) -> dict[str, Decimal]:
    return {
        "subtotal": Decimal(invoice["subtotal"]),
        "tax": Decimal(invoice["tax"]),
        "total": Decimal(invoice["total"]),
        "lines": [Decimal(line["net"]) for line in invoice["lines"]],
    }


def pdf_text(pdf: bytes) -> str:
    return "\n".join(page.extract_text() for page in PdfReader(io.BytesIO(pdf)).pages)


CASES = [
    # currency, tax fields, charges: lines per day (3 days), half-up rounding on each line
    pytest.param("EUR", {"tax_rate": "20"}, ["10.005", "1234.5", "0.004999"], id="EUR-standard"),
    pytest.param("JPY", {"tax_rate": "10"}, ["100.5", "2001", "7.25"], id="JPY-standard"),
    pytest.param("KWD", {"tax_rate": "5"}, ["1.0005", "12.3456", "0.0149"], id="KWD-standard"),
    pytest.param(
        "BHD",
        {"tax_category": "reverse_charge"},
        ["3.3333", "0.995", "7"],
        id="BHD-reverse-charge",
    ),
    pytest.param(
        "EUR", {"tax_category": "reverse_charge"}, ["1.10", "2.20"], id="EUR-reverse-charge"
    ),
    pytest.param(
        "EUR",
        {"tax_category": "exempt", "tax_exemption_reason": "Exempt under Article 135(1)(d)"},
        ["5.55"],
        id="EUR-exempt",
    ),
    pytest.param("USD", {"tax_category": "outside_scope"}, ["9.99", "0.01"], id="USD-outside"),
    pytest.param("GBP", {"tax_rate": "0"}, ["4.20"], id="GBP-zero-rated"),
]


@pytest.mark.parametrize(("currency", "tax", "charges"), CASES)
def test_invoice_ubl_and_facturx_pass_en16931(
    admin: Api, operator: Api, currency: str, tax: dict[str, str], charges: list[str]
) -> None:
    configure_seller(admin)
    cid = make_buyer(operator, currency=currency, **tax)
    invoice = issue(operator, cid, currency, charges)
    days = sorted({f"2026-10-0{1 + i % 3}" for i in range(len(charges))})
    assert [line["description"] for line in invoice["lines"]] == days  # a line a day
    ubl = ubl_of(operator, invoice)
    assert_valid(ubl, "UBL")
    pdf, cii = facturx_of(operator, invoice)
    assert_valid(cii, "CII")
    expected = invoice_totals(invoice)
    assert ubl_totals(ubl) == expected
    assert cii_totals(cii) == expected
    text = pdf_text(pdf)
    shown = [line["net"] for line in invoice["lines"]]
    for figure in (*shown, invoice["subtotal"], invoice["tax"], invoice["total"]):
        assert f"{Decimal(figure):,}" in text, (figure, text)


def test_destination_lines_pass_en16931(admin: Api, operator: Api) -> None:
    assert admin.patch("/settings/options", {"invoice_line_grouping": "destination"}).is_success
    configure_seller(admin)
    cid = make_buyer(operator, currency="JPY", tax_category="reverse_charge")
    destinations = [("United Kingdom Mobile", "447"), ("Germany Fixed", "49")]
    charges = ["150.5", "20", "999", "31.25", "7"]
    calls(
        operator,
        [
            call(f"{cid}-{i}", cid, f"2026-10-0{1 + i % 3}", charge, currency="JPY",
                 dest_name=destinations[i % 2][0], dest_code=destinations[i % 2][1])
            for i, charge in enumerate(charges)
        ],
    )  # fmt: skip
    answer = generate(operator, cid, "monthly", "2026-10-01")
    assert answer.status_code == 201, answer.text
    [invoice] = answer.json()["items"]
    assert sorted(line["description"] for line in invoice["lines"]) == [
        "Germany Fixed (49)",
        "United Kingdom Mobile (447)",
    ]
    assert sorted(line["calls"] for line in invoice["lines"]) == [2, 3]
    ubl = ubl_of(operator, invoice)
    assert_valid(ubl, "UBL")
    _pdf, cii = facturx_of(operator, invoice)
    assert_valid(cii, "CII")
    assert ubl_totals(ubl) == cii_totals(cii) == invoice_totals(invoice)
    assert len(etree.fromstring(ubl).findall("cac:InvoiceLine", UBL_NS)) == 2
    category = etree.fromstring(ubl).find(".//cac:TaxSubtotal/cac:TaxCategory", UBL_NS)
    assert category.findtext("cbc:ID", namespaces=UBL_NS) == "AE"
    assert category.findtext("cbc:TaxExemptionReasonCode", namespaces=UBL_NS) == "VATEX-EU-AE"


@pytest.mark.parametrize("currency", ["EUR", "JPY", "KWD"])
def test_credit_note_of_a_voided_invoice_passes_en16931(
    admin: Api, operator: Api, currency: str
) -> None:
    configure_seller(admin)
    cid = make_buyer(operator, currency=currency, tax_rate="19")
    invoice = issue(operator, cid, currency, ["10.125", "3.3"])
    refused = operator.get(f"/invoices/{invoice['id']}/credit-note/ubl")
    assert refused.status_code == 409
    assert "only a voided invoice has a credit note" in refused.json()["detail"]
    assert operator.post(f"/invoices/{invoice['id']}/void", {"reason": "re-rated"}).is_success
    note = ubl_of(operator, invoice, "credit-note/ubl")
    assert_valid(note, "UBL")
    tree = etree.fromstring(note)
    assert etree.QName(tree).localname == "CreditNote"
    assert tree.findtext("cbc:CreditNoteTypeCode", namespaces=UBL_NS) == "381"
    assert tree.findtext("cbc:ID", namespaces=UBL_NS) == f"{invoice['number']}-CN"
    reference = "cac:BillingReference/cac:InvoiceDocumentReference/cbc:ID"
    assert tree.findtext(reference, namespaces=UBL_NS) == invoice["number"]
    assert credit_note_totals(note) == invoice_totals(invoice)
    # the voided invoice itself keeps its e-invoice (it was issued), still valid, in both
    assert_valid(ubl_of(operator, invoice), "UBL")
    pdf, cii = facturx_of(operator, invoice)
    assert_valid(cii, "CII")
    assert cii_totals(cii) == invoice_totals(invoice)
    assert "VOID INVOICE" in pdf_text(pdf)


def credit_note_totals(xml: bytes) -> dict[str, Decimal]:
    tree = etree.fromstring(xml)
    total = "cac:LegalMonetaryTotal/cbc:"
    return {
        "subtotal": Decimal(tree.findtext(total + "TaxExclusiveAmount", namespaces=UBL_NS)),
        "tax": Decimal(tree.findtext("cac:TaxTotal/cbc:TaxAmount", namespaces=UBL_NS)),
        "total": Decimal(tree.findtext(total + "PayableAmount", namespaces=UBL_NS)),
        "lines": [
            Decimal(x.text)
            for x in tree.iterfind("cac:CreditNoteLine/cbc:LineExtensionAmount", UBL_NS)
        ],
    }


def test_amounts_are_written_exactly_or_not_at_all() -> None:
    assert amount(Decimal("101"), "JPY") == "101"
    assert amount(Decimal("1.050"), "KWD") == "1.05"  # 3 decimals shown, 2 in EN 16931
    assert amount(Decimal("3.350000"), "EUR") == "3.35"
    # an invoice of a 3-decimal currency issued before amounts were rounded to 0.01
    with pytest.raises(Conflict, match="more than 2 decimals, which EN 16931 does not allow"):
        amount(Decimal("1.001"), "KWD")


def test_outside_scope_names_no_vat_identifier(admin: Api, operator: Api) -> None:
    configure_seller(admin)
    cid = make_buyer(operator, currency="EUR", tax_category="outside_scope")
    invoice = issue(operator, cid, "EUR", ["2.50"])
    ubl = ubl_of(operator, invoice)
    assert_valid(ubl, "UBL")
    assert b"PartyTaxScheme" not in ubl and b"DE136695976" not in ubl  # BR-O-02
    category = etree.fromstring(ubl).find(".//cac:TaxSubtotal/cac:TaxCategory", UBL_NS)
    assert category.findtext("cbc:ID", namespaces=UBL_NS) == "O"
    assert category.find("cbc:Percent", UBL_NS) is None
