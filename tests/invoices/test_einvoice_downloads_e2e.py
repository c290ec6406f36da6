"""Issue 15: the Control Panel and the Customer Portal offer both downloads of an invoice, in a
real browser: Download PDF gives the Factur-X PDF (factur-x.xml embedded), Download UBL the UBL
2.1 Invoice, and a voided invoice's Credit note (UBL) the CreditNote referencing it; each
carries the invoice's number and total. The portal offers them for the contact's own invoices."""

from __future__ import annotations

import re
from decimal import Decimal
from pathlib import Path
from typing import Any

import facturx
import pytest
from lxml import etree
from playwright.sync_api import Page, expect

from fixtures.browser import NewPage, submit_login
from fixtures.builders import make_contact, make_user
from invoices.einvoice_helpers import configure_seller, make_buyer
from invoices.invoice_helpers import call, calls, generate
from portal.portal_helpers import PASSWORD
from support import Api

pytestmark = [pytest.mark.e2e, pytest.mark.xdist_group("browser")]
UBL = {
    "cbc": "urn:oasis:names:specification:ubl:schema:xsd:CommonBasicComponents-2",
    "cac": "urn:oasis:names:specification:ubl:schema:xsd:CommonAggregateComponents-2",
}
CII = {
    "rsm": "urn:un:unece:uncefact:data:standard:CrossIndustryInvoice:100",
    "ram": "urn:un:unece:uncefact:data:standard:ReusableAggregateBusinessInformationEntity:100",
}
STAFF = "billing@carrier.example"
CONTACT = "ann@acme.example"


def issued(operator: Api, cid: int, day: str) -> dict[str, Any]:
    calls(operator, [call(f"{cid}-{day}", cid, day, "12.345")])
    answer = generate(operator, cid, "daily", day)
    assert answer.status_code == 201, answer.text
    return dict(answer.json()["items"][0])


def download(page: Page, button: str, tmp_path: Path) -> tuple[str, bytes]:
    """Click the button; the downloaded file's suggested name and bytes."""
    with page.expect_download() as started:
        page.click(button)
    file = started.value
    saved = tmp_path / file.suggested_filename
    file.save_as(saved)
    return file.suggested_filename, saved.read_bytes()


def check_downloads(page: Page, invoice: dict[str, Any], tmp_path: Path) -> None:
    """The invoice page's Download PDF and Download UBL, and no credit note (not voided)."""
    expect(page.locator("#download-credit-note")).to_have_count(0)
    name, pdf = download(page, "#download-pdf", tmp_path)
    assert name == f"{invoice['number']}.pdf" and pdf.startswith(b"%PDF")
    embedded, xml = facturx.get_xml_from_pdf(pdf, check_xsd=True)
    assert embedded == "factur-x.xml"
    cii = etree.fromstring(xml)
    assert cii.findtext("rsm:ExchangedDocument/ram:ID", namespaces=CII) == invoice["number"]
    due = ".//ram:SpecifiedTradeSettlementHeaderMonetarySummation/ram:DuePayableAmount"
    assert Decimal(cii.findtext(due, namespaces=CII)) == Decimal(invoice["total"])

    name, ubl = download(page, "#download-ubl", tmp_path)
    assert name == f"{invoice['number']}.xml"
    check_ubl(ubl, "Invoice", invoice["number"], invoice)


def check_credit_note(page: Page, invoice: dict[str, Any], tmp_path: Path) -> None:
    name, note = download(page, "#download-credit-note", tmp_path)
    assert name == f"{invoice['number']}-CN.xml"
    tree = check_ubl(note, "CreditNote", f"{invoice['number']}-CN", invoice)
    reference = "cac:BillingReference/cac:InvoiceDocumentReference/cbc:ID"
    assert tree.findtext(reference, namespaces=UBL) == invoice["number"]


def check_ubl(xml: bytes, root: str, number: str, invoice: dict[str, Any]) -> Any:
    tree = etree.fromstring(xml)
    assert etree.QName(tree).localname == root
    assert tree.findtext("cbc:ID", namespaces=UBL) == number
    payable = "cac:LegalMonetaryTotal/cbc:PayableAmount"
    assert Decimal(tree.findtext(payable, namespaces=UBL)) == Decimal(invoice["total"])
    assert tree.find(payable, UBL).get("currencyID") == invoice["currency"]
    return tree


def void(operator: Api, invoice: dict[str, Any]) -> None:
    answer = operator.post(f"/invoices/{invoice['id']}/void", {"reason": "re-rated"})
    assert answer.status_code == 200, answer.text


def test_control_panel_downloads(
    served_app: str, page: Page, admin: Api, operator: Api, db_url: str, tmp_path: Path
) -> None:
    configure_seller(admin)
    cid = make_buyer(operator, "Acme", currency="EUR", tax_rate="20")
    invoice = issued(operator, cid, "2026-10-01")
    make_user(db_url, STAFF, "viewer", PASSWORD)  # downloads are read-only: a viewer has them
    submit_login(page, served_app, STAFF, PASSWORD)
    expect(page).not_to_have_url(re.compile(r"/login"))

    page.goto(f"{served_app}/invoices/{invoice['id']}")
    check_downloads(page, invoice, tmp_path)
    void(operator, invoice)
    page.reload()
    check_downloads_of_void(page, invoice, tmp_path)


def check_downloads_of_void(page: Page, invoice: dict[str, Any], tmp_path: Path) -> None:
    check_credit_note(page, invoice, tmp_path)
    _name, ubl = download(page, "#download-ubl", tmp_path)  # the invoice it cancels, still
    check_ubl(ubl, "Invoice", invoice["number"], invoice)


def test_portal_downloads_of_own_invoices(
    served_app: str, new_page: NewPage, admin: Api, operator: Api, tmp_path: Path
) -> None:
    configure_seller(admin)
    acme = make_buyer(operator, "Acme", currency="EUR", tax_rate="20")
    beta = make_buyer(operator, "Beta", currency="EUR", tax_rate="20")
    mine, theirs = issued(operator, acme, "2026-10-01"), issued(operator, beta, "2026-10-01")
    make_contact(operator, acme, "Ann", CONTACT, password=PASSWORD)
    page = new_page(accept_downloads=True)
    page.goto(f"{served_app}/portal/login")
    page.fill("#email", CONTACT)
    page.fill("#password", PASSWORD)
    page.click("button:has-text('Log in')")
    expect(page.locator("h1.customer-name")).to_have_text("Acme")

    page.goto(f"{served_app}/portal/invoices")
    page.click(f"a:has-text('{mine['number']}')")
    expect(page).to_have_url(f"{served_app}/portal/invoices/{mine['id']}")
    check_downloads(page, mine, tmp_path)
    void(operator, mine)
    page.reload()
    check_downloads_of_void(page, mine, tmp_path)

    # another customer's invoice: not found, and none of its files
    for path in ("", "/pdf", "/ubl", "/credit-note/ubl"):
        answer = page.request.get(f"{served_app}/portal/invoices/{theirs['id']}{path}")
        assert answer.status == 404, path
