"""The Customer Portal's invoices (PRODUCT.md §10): the contact's customer's invoices, one
invoice with its lines, its PDF (Factur-X) and its UBL e-invoice. The invoice services scope
every read to the contact's own customer: another customer's invoice is not found."""

from __future__ import annotations

from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse, Response

from carrierdesk.invoices import service
from carrierdesk.invoices.amounts import to_minor
from carrierdesk.invoices.api import pdf_response, ubl_response
from carrierdesk.invoices.schemas import InvoiceOut
from carrierdesk.portal.web import PortalRoute, portal_page
from carrierdesk.web.http import Db, PortalContact, RecordId

router = APIRouter(prefix="/portal", route_class=PortalRoute, include_in_schema=False)
PAGE_SIZE = 50


@router.get("/invoices", response_class=HTMLResponse)
def invoices(request: Request, principal: PortalContact, db: Db, offset: int = 0) -> Response:
    """Newest first."""
    offset = max(offset, 0)
    rows, total = service.list_invoices(
        db, principal, customer_id=principal.customer_id, limit=PAGE_SIZE, offset=offset
    )
    context = {
        "section": "invoices",
        "rows": [(i, to_minor(i.total, i.currency)) for i, _ in rows],
        "total": total,
        "limit": PAGE_SIZE,
        "offset": offset,
        "query": "",
    }
    return portal_page(request, db, "portal/invoices.html", context)


@router.get("/invoices/{invoice_id}", response_class=HTMLResponse)
def invoice(request: Request, invoice_id: RecordId, principal: PortalContact, db: Db) -> Response:
    found = service.get_invoice(db, principal, invoice_id)
    context = {
        "section": "invoices",
        "invoice": found,
        "shown": InvoiceOut.of(found, service.customer_name(db, found)),
    }
    return portal_page(request, db, "portal/invoices_view.html", context)


@router.get("/invoices/{invoice_id}/pdf")
def invoice_pdf(invoice_id: RecordId, principal: PortalContact, db: Db) -> Response:
    return pdf_response(db, service.get_invoice(db, principal, invoice_id))


@router.get("/invoices/{invoice_id}/ubl")
def invoice_ubl(invoice_id: RecordId, principal: PortalContact, db: Db) -> Response:
    return ubl_response(db, service.get_invoice(db, principal, invoice_id), "invoice")


@router.get("/invoices/{invoice_id}/credit-note/ubl")
def credit_note_ubl(invoice_id: RecordId, principal: PortalContact, db: Db) -> Response:
    return ubl_response(db, service.get_invoice(db, principal, invoice_id), "credit_note")
