"""E-invoice tests' tools: the official CEN/TC 434 EN 16931 validation artifacts (read from the
shared validation directory at test time, never copied here) run with Saxon-HE (saxonche), each
XSLT compiled once per session; the seller and buyer details of a valid e-invoice."""

from __future__ import annotations

import functools
from pathlib import Path
from typing import Any

from lxml import etree
from saxonche import PySaxonProcessor, PyXsltExecutable

from fixtures.builders import make_customer
from support import Api

RULES = Path("/work/shared/validation/en16931")
SVRL = "http://purl.oclc.org/dsdl/svrl"
SELLER = {
    "seller_legal_name": "Northwind Voice GmbH",
    "seller_address_line1": "Carrierstraße 1",
    "seller_city": "Berlin",
    "seller_postcode": "10115",
    "seller_country": "DE",
    "seller_vat_id": "DE136695976",
    "seller_registration_id": "HRB 12345",
    "seller_iban": "DE89 3704 0044 0532 0130 00",
    "seller_bic": "DEUTDEFF",
    "seller_email": "billing@northwind.example",
    "invoice_tax_name": "VAT",
}
BUYER = {
    "legal_name": "Acme Télécom SAS",
    "address_line1": "1 rue de la Paix",
    "city": "Paris",
    "postcode": "75002",
    "country": "FR",
    "vat_id": "FR40303265045",
    "invoice_email": "ap@acme.example",
}


@functools.cache
def _processor() -> PySaxonProcessor:
    return PySaxonProcessor(license=False)


@functools.cache
def _stylesheet(syntax: str) -> PyXsltExecutable:
    compiler = _processor().new_xslt30_processor()
    return compiler.compile_stylesheet(
        stylesheet_file=str(RULES / f"EN16931-{syntax}-validation.xslt")
    )


def fatal_asserts(xml: bytes, syntax: str) -> list[str]:
    """The EN 16931 rules the document breaks ("[BR-…] text" of every fatal failed assert);
    syntax "UBL" or "CII"."""
    document = _processor().parse_xml(xml_text=xml.decode("utf-8"))
    report = _stylesheet(syntax).transform_to_string(xdm_node=document)
    assert report, "the validation produced no SVRL report"
    svrl = etree.fromstring(report.encode("utf-8"))
    return [
        f"{failed.get('location')}: {' '.join(failed.findtext(f'{{{SVRL}}}text', '').split())}"
        for failed in svrl.iter(f"{{{SVRL}}}failed-assert")
        if failed.get("flag") == "fatal"
    ]


def assert_valid(xml: bytes, syntax: str) -> None:
    failed = fatal_asserts(xml, syntax)
    assert failed == [], "\n".join(failed) + "\n\n" + xml.decode()


def configure_seller(admin: Api, **over: Any) -> None:
    answer = admin.patch("/settings/options", {**SELLER, **over})
    assert answer.status_code == 200, answer.text


def make_buyer(operator: Api, name: str = "Acme Telecom", **over: Any) -> int:
    return make_customer(operator, name, **{**BUYER, **over})
