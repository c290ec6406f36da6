"""Control Panel: the global Invoices page, the customer's Invoices tab, the invoice page (view,
PDF, mark paid, void with a reason) and Auto Generate Invoice from the tab."""

from __future__ import annotations

from datetime import date
from decimal import Decimal
from typing import Any
from urllib.parse import urlencode

from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse, Response
from sqlalchemy import select
from sqlalchemy.orm import Session

from carrierdesk.customers.service import get_customer
from carrierdesk.errors import Invalid
from carrierdesk.invoices import auto, service
from carrierdesk.invoices.amounts import to_minor
from carrierdesk.invoices.api import pdf_response, ubl_response
from carrierdesk.invoices.schemas import InvoiceOut, MarkPaidIn, VoidIn
from carrierdesk.models import Customer, Invoice
from carrierdesk.models.base import utcnow
from carrierdesk.models.invoices import INVOICE_STATUSES
from carrierdesk.notify.invoices import emails_of
from carrierdesk.web.forms import (
    SubmittedForm,
    act,
    page,
    redirect,
    save_form,
    text,
)
from carrierdesk.web.http import Db, RecordId, TransactionRoute, WebReader, WebWriter

router = APIRouter(route_class=TransactionRoute, include_in_schema=False)
PAGE_SIZE = 50


def _rows(rows: list[tuple[Invoice, str]]) -> list[tuple[Invoice, str, Decimal]]:
    return [(i, name, to_minor(i.total, i.currency)) for i, name in rows]


def _day(value: str, field: str) -> date | None:
    if not value:
        return None
    try:
        return date.fromisoformat(value)
    except ValueError:
        raise Invalid.field(field, "is not a date (YYYY-MM-DD)") from None


@router.get("/invoices", response_class=HTMLResponse)
def invoice_list(
    request: Request,
    principal: WebReader,
    db: Db,
    customer_id: str = "",
    status: str = "",
    issued_from: str = "",
    issued_to: str = "",
    offset: int = 0,
) -> Response:
    filters = {
        "customer_id": customer_id,
        "status": status,
        "issued_from": issued_from,
        "issued_to": issued_to,
    }
    rows: list[tuple[Invoice, str]] = []
    total, errors = 0, {}
    try:
        rows, total = service.list_invoices(
            db,
            principal,
            customer_id=int(customer_id) if customer_id.isdigit() else None,
            status=status or None,
            issued_from=_day(issued_from, "issued_from"),
            issued_to=_day(issued_to, "issued_to"),
            limit=PAGE_SIZE,
            offset=max(offset, 0),
        )
    except Invalid as exc:
        errors = {e.field: e.message for e in exc.errors}
    customers = db.execute(
        select(Customer.id, Customer.name)
        .where(Customer.id.in_(select(Invoice.customer_id).distinct()))
        .order_by(Customer.name)
    ).all()
    context = {
        "section": "invoices",
        "rows": _rows(rows),
        "total": total,
        "filters": filters,
        "errors": errors,
        "customers": customers,
        "statuses": INVOICE_STATUSES,
        "limit": PAGE_SIZE,
        "offset": max(offset, 0),
        "query": urlencode(filters),
    }
    return page(request, db, "invoices/list.html", context, 422 if errors else 200)


@router.get("/customers/{customer_id}/invoices", response_class=HTMLResponse)
def customer_invoices(
    request: Request, customer_id: RecordId, principal: WebReader, db: Db, offset: int = 0
) -> Response:
    customer = get_customer(db, principal, customer_id)
    rows, total = service.list_invoices(
        db, principal, customer_id=customer_id, limit=PAGE_SIZE, offset=max(offset, 0)
    )
    context = {
        "section": "customers",
        "customer": customer,
        "rows": _rows(rows),
        "total": total,
        "limit": PAGE_SIZE,
        "offset": max(offset, 0),
        "query": "",
    }
    return page(request, db, "invoices/customer_tab.html", context)


@router.post("/customers/{customer_id}/invoices/auto-generate", response_class=HTMLResponse)
def auto_generate(customer_id: RecordId, principal: WebWriter, db: Db) -> Response:
    target = f"/customers/{customer_id}/invoices"
    return act(
        db,
        lambda: auto.auto_generate(db, principal, customer_id),
        lambda outcome: _generated(target, outcome),
        lambda exc, _errors: redirect(target, exc.detail, "warning"),
    )


def _generated(target: str, outcome: auto.Outcome) -> Response:
    made = ", ".join(i.number for i in outcome.created)
    message = f"Created {len(outcome.created)} invoice(s){': ' + made if made else ''}."
    if outcome.refused:
        reasons = "; ".join(f"{p.label()} {reason}" for p, reason, _ in outcome.refused)
        message += f" Not invoiced: {reasons}."
    return redirect(target, message, "success" if outcome.created else "info")


def _view(
    request: Request,
    db: Session,
    invoice: Invoice,
    errors: dict[str, str] | None = None,
    values: dict[str, Any] | None = None,
) -> Response:
    shown = InvoiceOut.of(invoice, service.customer_name(db, invoice))
    context = {
        "section": "invoices",
        "invoice": invoice,
        "lines": shown.lines,
        "totals": shown,
        "customer": db.get(Customer, invoice.customer_id),
        "errors": errors or {},
        "values": values or {},
        "today": utcnow().date(),
        "emails": emails_of(db, invoice.id),
    }
    return page(request, db, "invoices/view.html", context, 422 if errors else 200)


@router.get("/invoices/{invoice_id}", response_class=HTMLResponse)
def invoice_page(request: Request, invoice_id: RecordId, principal: WebReader, db: Db) -> Response:
    return _view(request, db, service.get_invoice(db, principal, invoice_id))


@router.get("/invoices/{invoice_id}/pdf")
def invoice_pdf(invoice_id: RecordId, principal: WebReader, db: Db) -> Response:
    return pdf_response(db, service.get_invoice(db, principal, invoice_id))


@router.get("/invoices/{invoice_id}/ubl")
def invoice_ubl(invoice_id: RecordId, principal: WebReader, db: Db) -> Response:
    return ubl_response(db, service.get_invoice(db, principal, invoice_id), "invoice")


@router.get("/invoices/{invoice_id}/credit-note/ubl")
def credit_note_ubl(invoice_id: RecordId, principal: WebReader, db: Db) -> Response:
    return ubl_response(db, service.get_invoice(db, principal, invoice_id), "credit_note")


@router.post("/invoices/{invoice_id}/mark-paid", response_class=HTMLResponse)
def mark_paid(
    request: Request, invoice_id: RecordId, form: SubmittedForm, principal: WebWriter, db: Db
) -> Response:
    """The Mark paid dialog's form: the payment date and an optional reference."""
    values = {"paid_on": text(form, "paid_on") or None, "reference": text(form, "reference")}

    def again(errors: dict[str, str]) -> Response:
        invoice = service.get_invoice(db, principal, invoice_id)
        return _view(request, db, invoice, errors, {**values, "mark_paid": True})

    return save_form(
        db,
        form,
        MarkPaidIn,
        values,
        lambda data: service.mark_paid(db, principal, invoice_id, data),
        lambda invoice: redirect(
            f"/invoices/{invoice_id}", f"Invoice {invoice.number} marked paid."
        ),
        again,
    )


@router.post("/invoices/{invoice_id}/void", response_class=HTMLResponse)
def void(
    request: Request, invoice_id: RecordId, form: SubmittedForm, principal: WebWriter, db: Db
) -> Response:
    values = {"reason": text(form, "reason")}

    def again(errors: dict[str, str]) -> Response:
        return _view(request, db, service.get_invoice(db, principal, invoice_id), errors, values)

    return save_form(
        db,
        form,
        VoidIn,
        values,
        lambda data: service.void(db, principal, invoice_id, data.reason),
        lambda invoice: redirect(f"/invoices/{invoice_id}", f"Invoice {invoice.number} voided."),
        again,
    )
