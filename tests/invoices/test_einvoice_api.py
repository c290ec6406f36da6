"""The e-invoice downloads: who may have them (API, Control Panel, Customer Portal), what an
invoice lacking the details EN 16931 needs answers, and that an issued invoice keeps the parties
and the tax category it was issued with."""

from __future__ import annotations

from typing import Any

import facturx
from fastapi.testclient import TestClient
from lxml import etree

from fixtures.builders import contact_api, make_contact, make_customer
from fixtures.panel import Panel
from invoices.einvoice_helpers import BUYER, assert_valid, configure_seller, make_buyer
from invoices.invoice_helpers import call, calls, generate
from portal.portal_helpers import PASSWORD, Portal
from support import Api

CBC = {"cbc": "urn:oasis:names:specification:ubl:schema:xsd:CommonBasicComponents-2"}


def issued(operator: Api, cid: int, day: str = "2026-10-01") -> dict[str, Any]:
    calls(operator, [call(f"c{cid}-{day}", cid, day, "12.5")])
    answer = generate(operator, cid, "daily", day)
    assert answer.status_code == 201, answer.text
    return dict(answer.json()["items"][0])


def test_staff_tokens_and_own_contacts_get_the_ubl(
    admin: Api, operator: Api, viewer: Api, client: TestClient
) -> None:
    configure_seller(admin)
    acme = make_buyer(operator, "Acme", tax_rate="20")
    beta = make_buyer(operator, "Beta", tax_rate="20")
    mine, theirs = issued(operator, acme), issued(operator, beta)
    for api in (admin, operator, viewer):
        answer = api.get(f"/invoices/{mine['id']}/ubl")
        assert answer.status_code == 200 and answer.headers["content-type"] == "application/xml"
        assert f'filename="{mine["number"]}.xml"' in answer.headers["content-disposition"]
    ann = contact_api(operator, acme, "ann@acme.example", name="Ann")
    assert ann.get(f"/invoices/{mine['id']}/ubl").status_code == 200
    for path in ("ubl", "credit-note/ubl", "pdf"):
        assert ann.get(f"/invoices/{theirs['id']}/{path}").status_code == 404
    assert client.get(f"/api/v1/invoices/{mine['id']}/ubl").status_code == 401
    assert operator.get("/invoices/999999/ubl").status_code == 404


def test_openapi_declares_the_xml_files(client: TestClient) -> None:
    paths = client.get("/api/v1/openapi.json").json()["paths"]
    for path, name in (
        ("/invoices/{invoice_id}/ubl", "get_invoice_ubl"),
        ("/invoices/{invoice_id}/credit-note/ubl", "get_credit_note_ubl"),
    ):
        operation = paths[path]["get"]
        content = operation["responses"]["200"]["content"]
        assert content == {"application/xml": {"schema": {"type": "string", "format": "binary"}}}
        assert "409" in operation["responses"]
        # FastAPI's default id or a short camelCase one: both start with the function's name
        assert operation["operationId"].replace("_", "").lower().startswith(name.replace("_", ""))


def test_without_seller_details_no_e_invoice_and_a_plain_pdf(admin: Api, operator: Api) -> None:
    cid = make_customer(operator, "Acme", tax_rate="20")
    invoice = issued(operator, cid)
    refused = operator.get(f"/invoices/{invoice['id']}/ubl")
    assert refused.status_code == 409
    problem = refused.json()
    assert problem["missing"] == [
        "Settings › Invoicing: the seller's legal name",
        "Settings › Invoicing: the seller's country",
        "Settings › Invoicing: the seller's VAT id (EN 16931 BR-S-02)",
        "the customer's country",
    ]
    assert f"Invoice {invoice['number']} has no e-invoice yet" in problem["detail"]
    pdf = operator.get(f"/invoices/{invoice['id']}/pdf")
    assert pdf.status_code == 200 and pdf.content[:4] == b"%PDF"
    assert facturx.get_xml_from_pdf(pdf.content, check_xsd=False) == (False, False)


def test_an_issued_invoice_keeps_its_parties_and_tax_category(admin: Api, operator: Api) -> None:
    configure_seller(admin)
    cid = make_buyer(operator, "Acme", tax_category="reverse_charge")
    invoice = issued(operator, cid)
    before = operator.get(f"/invoices/{invoice['id']}/ubl").content
    configure_seller(admin, seller_legal_name="Renamed GmbH", seller_vat_id="")
    changed = {"legal_name": "Other SA", "vat_id": "", "country": "BE", "tax_category": "standard"}
    assert operator.patch(f"/customers/{cid}", {**changed, "tax_rate": "21"}).status_code == 200
    after = operator.get(f"/invoices/{invoice['id']}/ubl").content
    assert after == before
    tree = etree.fromstring(after)
    assert tree.findtext(".//{*}TaxCategory/cbc:ID", namespaces=CBC) == "AE"
    assert BUYER["vat_id"] in after.decode() and "Northwind Voice GmbH" in after.decode()
    # the next invoice is issued with today's details: without a seller VAT id, no e-invoice,
    # and giving it later does not change what that invoice was issued with
    lacking = issued(operator, cid, "2026-10-02")
    assert operator.get(f"/invoices/{lacking['id']}/ubl").status_code == 409
    configure_seller(admin, seller_legal_name="Renamed GmbH")
    assert operator.get(f"/invoices/{lacking['id']}/ubl").status_code == 409
    fresh = issued(operator, cid, "2026-10-03")
    xml = operator.get(f"/invoices/{fresh['id']}/ubl").content
    assert_valid(xml, "UBL")
    assert "Other SA" in xml.decode() and "Renamed GmbH" in xml.decode()
    assert etree.fromstring(xml).findtext(".//{*}TaxCategory/cbc:ID", namespaces=CBC) == "S"


def test_control_panel_offers_pdf_and_ubl(admin: Api, operator: Api, panel: Panel) -> None:
    configure_seller(admin)
    cid = make_buyer(operator, "Acme", tax_rate="20")
    invoice = issued(operator, cid)
    page = panel.get(f"/invoices/{invoice['id']}")
    assert 'id="download-pdf"' in page.text and 'id="download-ubl"' in page.text
    assert 'id="download-credit-note"' not in page.text
    ubl = panel.get(f"/invoices/{invoice['id']}/ubl")
    assert ubl.status_code == 200 and ubl.headers["content-type"] == "application/xml"
    assert panel.get(f"/invoices/{invoice['id']}/credit-note/ubl").status_code == 409
    operator.post(f"/invoices/{invoice['id']}/void", {"reason": "duplicate"})
    page = panel.get(f"/invoices/{invoice['id']}")
    assert f'href="/invoices/{invoice["id"]}/credit-note/ubl"' in page.text
    note = panel.get(f"/invoices/{invoice['id']}/credit-note/ubl")
    assert note.status_code == 200
    assert_valid(note.content, "UBL")


def test_portal_offers_pdf_and_ubl_of_own_invoices_only(
    admin: Api, operator: Api, client: TestClient
) -> None:
    configure_seller(admin)
    acme = make_buyer(operator, "Acme", tax_rate="20")
    beta = make_buyer(operator, "Beta", tax_rate="20")
    mine, theirs = issued(operator, acme), issued(operator, beta)
    make_contact(operator, acme, "Ann", "ann@acme.example", password=PASSWORD)
    portal = Portal(client.app)
    assert portal.login("ann@acme.example").status_code == 200
    page = portal.get(f"/portal/invoices/{mine['id']}")
    assert f'href="/portal/invoices/{mine["id"]}/ubl"' in page.text
    assert 'id="download-pdf"' in page.text
    ubl = portal.get(f"/portal/invoices/{mine['id']}/ubl")
    assert ubl.status_code == 200 and ubl.headers["content-type"] == "application/xml"
    assert_valid(ubl.content, "UBL")
    pdf = portal.get(f"/portal/invoices/{mine['id']}/pdf")
    assert facturx.get_xml_from_pdf(pdf.content, check_xsd=True)[0] == "factur-x.xml"
    assert portal.get(f"/portal/invoices/{theirs['id']}/ubl").status_code == 404
    assert portal.get(f"/portal/invoices/{mine['id']}/credit-note/ubl").status_code == 409
