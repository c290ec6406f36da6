"""The invoice endpoints of API.md: what the Control Panel and a billing system call."""

from __future__ import annotations

from datetime import date

from fastapi import APIRouter, Query, Response
from sqlalchemy.orm import Session

from carrierdesk.invoices import auto, service
from carrierdesk.invoices.einvoice.document import Kind, of_invoice
from carrierdesk.invoices.einvoice.ubl import render_ubl
from carrierdesk.invoices.pdf import render_pdf
from carrierdesk.invoices.schemas import (
    GeneratedOut,
    GenerateIn,
    InvoiceList,
    InvoiceOut,
    MarkPaidIn,
    Refusal,
    VoidIn,
)
from carrierdesk.models import Invoice
from carrierdesk.models.invoices import INVOICE_STATUSES
from carrierdesk.web.downloads import file_answer
from carrierdesk.web.http import (
    ApiReader,
    ApiWriter,
    Db,
    IdFilter,
    Paging,
    RecordId,
    TransactionRoute,
)
from carrierdesk.web.problems import READ, WRITE, responses

router = APIRouter(tags=["invoices"], route_class=TransactionRoute)


def invoice_out(db: Session, invoice: Invoice) -> InvoiceOut:
    return InvoiceOut.of(invoice, service.customer_name(db, invoice))


@router.get(
    "/customers/{customer_id}/invoices",
    response_model=InvoiceList,
    responses=READ,
    summary="List a customer's invoices",
)
def list_customer_invoices(
    customer_id: RecordId,
    page: Paging,
    principal: ApiReader,
    db: Db,
    status: str | None = Query(None, json_schema_extra={"enum": list(INVOICE_STATUSES)}),
) -> InvoiceList:
    rows, total = service.list_invoices(
        db, principal, customer_id=customer_id, status=status, limit=page.limit, offset=page.offset
    )
    return InvoiceList(items=[InvoiceOut.of(i, name) for i, name in rows], total=total)


@router.post(
    "/customers/{customer_id}/invoices",
    status_code=201,
    response_model=GeneratedOut,
    responses=WRITE,
    summary="Generate a customer's invoices for given periods",
)
def generate_invoices(
    customer_id: RecordId, body: GenerateIn, principal: ApiWriter, db: Db
) -> GeneratedOut:
    """One invoice per period start; 409 naming the invoice when a period overlaps one."""
    created = service.generate(db, principal, customer_id, body)
    return GeneratedOut(items=[invoice_out(db, i) for i in created])


@router.post(
    "/customers/{customer_id}/invoices/auto-generate",
    response_model=GeneratedOut,
    responses=WRITE,
    summary="Generate every invoice missing under the customer's schedule",
)
def auto_generate_invoices(customer_id: RecordId, principal: ApiWriter, db: Db) -> GeneratedOut:
    """Every invoice missing under the customer's schedule; `refused` says what and why not."""
    outcome = auto.auto_generate(db, principal, customer_id)
    return GeneratedOut(
        items=[invoice_out(db, i) for i in outcome.created],
        refused=[
            Refusal(
                period_start=p.start,
                period_end=p.end,
                reason=reason,
                invoice_id=clash.id if clash else None,
            )
            for p, reason, clash in outcome.refused
        ],
    )


@router.get(
    "/invoices",
    response_model=InvoiceList,
    responses=READ,
    summary="List invoices (what a billing system polls)",
)
def list_invoices(
    page: Paging,
    principal: ApiReader,
    db: Db,
    customer_id: IdFilter = None,
    status: str | None = Query(None, json_schema_extra={"enum": list(INVOICE_STATUSES)}),
    issued_from: date | None = None,
    issued_to: date | None = None,
) -> InvoiceList:
    """What a billing system polls: filter by customer, status and invoice date (inclusive)."""
    rows, total = service.list_invoices(
        db,
        principal,
        customer_id=customer_id,
        status=status,
        issued_from=issued_from,
        issued_to=issued_to,
        limit=page.limit,
        offset=page.offset,
    )
    return InvoiceList(items=[InvoiceOut.of(i, name) for i, name in rows], total=total)


@router.get(
    "/invoices/{invoice_id}", response_model=InvoiceOut, responses=READ, summary="Get an invoice"
)
def get_invoice(invoice_id: RecordId, principal: ApiReader, db: Db) -> InvoiceOut:
    return invoice_out(db, service.get_invoice(db, principal, invoice_id))


@router.get(
    "/invoices/{invoice_id}/pdf",
    response_class=Response,
    responses={**READ, **file_answer("application/pdf", "The invoice as PDF")},
    summary="Download an invoice as PDF",
)
def get_invoice_pdf(invoice_id: RecordId, principal: ApiReader, db: Db) -> Response:
    invoice = service.get_invoice(db, principal, invoice_id)
    return pdf_response(db, invoice)


def pdf_response(db: Session, invoice: Invoice) -> Response:
    return Response(
        render_pdf(db, invoice),
        media_type="application/pdf",
        headers={"Content-Disposition": f'attachment; filename="{invoice.number}.pdf"'},
    )


@router.post(
    "/invoices/{invoice_id}/void",
    response_model=InvoiceOut,
    responses=WRITE,
    summary="Void an invoice",
)
def void_invoice(invoice_id: RecordId, body: VoidIn, principal: ApiWriter, db: Db) -> InvoiceOut:
    """Void with a reason (audited): frees the period; the invoice keeps its number."""
    return invoice_out(db, service.void(db, principal, invoice_id, body.reason))


@router.post(
    "/invoices/{invoice_id}/mark-paid",
    response_model=InvoiceOut,
    responses=WRITE,
    summary="Mark an invoice paid",
)
def mark_invoice_paid(
    invoice_id: RecordId, principal: ApiWriter, db: Db, body: MarkPaidIn | None = None
) -> InvoiceOut:
    """Record the payment (audited): `paid_on` defaults to today and may be neither in the
    future nor before the invoice date; `reference` is optional (one line, ≤ 100 characters).
    The body may be left out."""
    return invoice_out(db, service.mark_paid(db, principal, invoice_id, body))


# E-invoices (issue 15): UBL 2.1; the PDF above is Factur-X when the invoice has an e-invoice.
XML_FILE = file_answer("application/xml", "The e-invoice")


@router.get(
    "/invoices/{invoice_id}/ubl",
    response_class=Response,
    responses={**READ, **responses(409), **XML_FILE},
    summary="Download an invoice as UBL 2.1 (EN 16931)",
)
def get_invoice_ubl(invoice_id: RecordId, principal: ApiReader, db: Db) -> Response:
    """409 naming what EN 16931 needs and the invoice lacks (seller or buyer details)."""
    return ubl_response(db, service.get_invoice(db, principal, invoice_id), "invoice")


@router.get(
    "/invoices/{invoice_id}/credit-note/ubl",
    response_class=Response,
    responses={**READ, **responses(409), **XML_FILE},
    summary="Download the UBL credit note of a voided invoice",
)
def get_credit_note_ubl(invoice_id: RecordId, principal: ApiReader, db: Db) -> Response:
    """The UBL CreditNote that cancels a voided invoice, referencing it; 409 when not void."""
    return ubl_response(db, service.get_invoice(db, principal, invoice_id), "credit_note")


def ubl_response(db: Session, invoice: Invoice, kind: Kind) -> Response:
    document = of_invoice(db, invoice, kind)
    return Response(
        render_ubl(document),
        media_type="application/xml",
        headers={"Content-Disposition": f'attachment; filename="{document.number}.xml"'},
    )
