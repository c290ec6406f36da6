"""Factur-X: the invoice PDF (pdf.py) made PDF/A-3 with its CII XML embedded (factur-x.xml,
profile EN 16931), by the factur-x library, which checks the XML against its XSD first."""

from __future__ import annotations

import facturx

from carrierdesk.invoices.einvoice.cii import render_cii
from carrierdesk.invoices.einvoice.document import Document

FLAVOR, LEVEL = "factur-x", "en16931"


def facturx_pdf(pdf: bytes, document: Document) -> bytes:
    xml = render_cii(document)
    metadata = {
        "author": document.seller.get("legal_name") or "",
        "keywords": "Factur-X, Invoice",
        "title": f"Invoice {document.number}",
        "subject": f"Factur-X invoice {document.number} dated {document.issue_date.isoformat()}",
    }
    made = facturx.generate_from_binary(
        pdf, xml, flavor=FLAVOR, level=LEVEL, check_xsd=True, pdf_metadata=metadata, lang="en-GB"
    )
    return bytes(made)
