"""Control Panel: the customer list, the customer form and the customer page (tab Main)."""

from __future__ import annotations

from typing import Any
from urllib.parse import urlencode

from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse, Response
from sqlalchemy.orm import Session
from starlette.datastructures import FormData

from carrierdesk.auth.principals import Principal
from carrierdesk.contacts.service import list_contacts
from carrierdesk.customers import service
from carrierdesk.customers.schemas import (
    BUYER_FIELDS,
    SCHEDULES,
    STATUSES,
    CustomerCreate,
    CustomerUpdate,
)
from carrierdesk.errors import AppError
from carrierdesk.invoices.einvoice.tax import TAX_CATEGORIES
from carrierdesk.models import Customer, RateCard, ScheduledChange
from carrierdesk.rating.service import list_rate_cards
from carrierdesk.summaries.schemas import SummaryOut
from carrierdesk.summaries.service import get_summary
from carrierdesk.validation import CURRENCIES
from carrierdesk.web.forms import (
    SubmittedForm,
    act,
    checkbox,
    optional,
    page,
    redirect,
    save_form,
    scheduled_time,
    text,
)
from carrierdesk.web.http import Db, RecordId, TransactionRoute, WebReader, WebWriter

router = APIRouter(route_class=TransactionRoute, include_in_schema=False)
PAGE_SIZE = 50
CONTACTS_SHOWN = 200
FIELDS = (
    "name",
    "reference",
    "status",
    "currency",
    "tax_rate",
    "channels",
    "invoice_schedule",
    "invoice_due_days",
    "email_invoices",
    "rate_card_id",
    *BUYER_FIELDS,
    "tax_category",
)
CARDS_OFFERED = 500


@router.get("/customers", response_class=HTMLResponse)
def customer_list(
    request: Request,
    principal: WebReader,
    db: Db,
    q: str = "",
    status: str = "",
    sort: str = "name",
    offset: int = 0,
) -> Response:
    rows, total = service.list_customers(
        db,
        principal,
        q=q or None,
        status=status or None,
        sort=sort,
        limit=PAGE_SIZE,
        offset=max(offset, 0),
    )
    return page(
        request,
        db,
        "customers/list.html",
        {
            "section": "customers",
            "rows": rows,
            "total": total,
            "q": q,
            "status": status,
            "statuses": STATUSES,
            "limit": PAGE_SIZE,
            "offset": max(offset, 0),
            "sort": sort,
            "query": urlencode({"q": q, "status": status, "sort": sort}),
        },
    )


def _form_context(
    customer: Customer | None,
    values: dict[str, Any],
    errors: dict[str, str],
    cards: list[RateCard],
) -> dict[str, Any]:
    return {
        "section": "customers",
        "customer": customer,
        "values": values,
        "errors": errors,
        "statuses": STATUSES,
        "schedules": SCHEDULES,
        "currencies": sorted(CURRENCIES),
        "rate_cards": cards,
        "tax_categories": TAX_CATEGORIES,
    }


def _cards(db: Session, principal: Principal, customer: Customer | None) -> list[RateCard]:
    """The rate cards the form offers: a customer's, those of its currency; a new customer
    chooses its currency on the same form, so all (the service refuses another currency's)."""
    currency = customer.currency if customer is not None else None
    cards, _total = list_rate_cards(db, principal, currency=currency, limit=CARDS_OFFERED, offset=0)
    return cards


def _values(customer: Customer) -> dict[str, Any]:
    return {f: "" if getattr(customer, f) is None else str(getattr(customer, f)) for f in FIELDS}


def _fields(form: FormData, with_currency: bool) -> dict[str, Any]:
    data: dict[str, Any] = {
        "name": text(form, "name"),
        "reference": optional(form, "reference"),
        "status": text(form, "status"),
        "tax_rate": text(form, "tax_rate"),
        "channels": optional(form, "channels"),
        "invoice_schedule": text(form, "invoice_schedule"),
        "invoice_due_days": text(form, "invoice_due_days"),
        "email_invoices": checkbox(form, "email_invoices"),
        "rate_card_id": optional(form, "rate_card_id"),
        # e-invoice fields: only those the form carries (an older form leaves them as they are)
        **{name: optional(form, name) for name in (*BUYER_FIELDS, "tax_category") if name in form},
    }
    if with_currency:
        data["currency"] = text(form, "currency")
    return data


@router.get("/customers/new", response_class=HTMLResponse)
def new_customer(request: Request, principal: WebWriter, db: Db) -> Response:
    defaults = CustomerCreate(name="x").model_dump()
    values = {k: "" if v is None else str(v) for k, v in defaults.items()} | {"name": ""}
    context = _form_context(None, values, {}, _cards(db, principal, None))
    return page(request, db, "customers/form.html", context)


@router.post("/customers/new", response_class=HTMLResponse)
def create_customer(
    request: Request, form: SubmittedForm, principal: WebWriter, db: Db
) -> Response:
    values = dict(form)

    def created(customer: Customer) -> Response:
        message = f"Customer {customer.name} created."
        if text(form, "save") == "stay":
            return redirect("/customers/new", message)
        return redirect(f"/customers/{customer.id}", message)

    def again(errors: dict[str, str]) -> Response:
        context = _form_context(None, values, errors, _cards(db, principal, None))
        return page(request, db, "customers/form.html", context, 422)

    return save_form(
        db,
        form,
        CustomerCreate,
        _fields(form, with_currency=True),
        lambda data: service.create_customer(db, principal, data),
        created,
        again,
    )


@router.get("/customers/{customer_id}", response_class=HTMLResponse)
def customer_main(
    request: Request, customer_id: RecordId, principal: WebReader, db: Db
) -> Response:
    customer = service.get_customer(db, principal, customer_id)
    contacts, total = list_contacts(
        db, principal, customer_id=customer_id, limit=CONTACTS_SHOWN, offset=0
    )
    context = {
        "section": "customers",
        "tab": "main",
        "customer": customer,
        "contacts": contacts,
        "contacts_total": total,
        # the Summary's first tab inline, so its numbers need no second request (issue 14)
        "summary_initial": SummaryOut.of(get_summary(db, principal, customer.id, "24h")).model_dump(
            mode="json"
        ),
    }
    return page(request, db, "customers/main.html", context)


@router.get("/customers/{customer_id}/contacts-panel", response_class=HTMLResponse)
def contacts_panel(
    request: Request, customer_id: RecordId, principal: WebReader, db: Db
) -> Response:
    """The Contacts panel alone, for its refresh button."""
    customer = service.get_customer(db, principal, customer_id)
    contacts, total = list_contacts(
        db, principal, customer_id=customer_id, limit=CONTACTS_SHOWN, offset=0
    )
    context = {"customer": customer, "contacts": contacts, "contacts_total": total}
    return page(request, db, "customers/_contacts_panel.html", context)


@router.get("/customers/{customer_id}/edit", response_class=HTMLResponse)
def edit_customer(
    request: Request, customer_id: RecordId, principal: WebWriter, db: Db
) -> Response:
    customer = service.get_customer(db, principal, customer_id)
    cards = _cards(db, principal, customer)
    context = _form_context(customer, _values(customer), {}, cards)
    return page(request, db, "customers/form.html", context)


@router.post("/customers/{customer_id}/edit", response_class=HTMLResponse)
def update_customer(
    request: Request, customer_id: RecordId, form: SubmittedForm, principal: WebWriter, db: Db
) -> Response:
    customer = service.get_customer(db, principal, customer_id)
    values = {**dict(form), "currency": customer.currency}

    def again(errors: dict[str, str]) -> Response:
        context = _form_context(customer, values, errors, _cards(db, principal, customer))
        return page(request, db, "customers/form.html", context, 422)

    return save_form(
        db,
        form,
        CustomerUpdate,
        # The currency field is read-only on this form; a currency sent anyway meets the rule.
        _fields(form, with_currency="currency" in form),
        lambda data: service.update_customer(db, principal, customer_id, data),
        lambda result: _after_update(customer_id, customer.name, result, text(form, "save")),
        again,
        delay=True,
        current=customer,
    )


def _after_update(
    customer_id: int, name: str, result: Customer | ScheduledChange, save: str
) -> Response:
    if isinstance(result, ScheduledChange):
        when = scheduled_time(result.apply_at)
        return redirect(f"/customers/{customer_id}", f"Change to {name} scheduled for {when}.")
    target = f"/customers/{customer_id}/edit" if save == "stay" else f"/customers/{customer_id}"
    return redirect(target, f"Customer {result.name} saved.")


@router.get("/customers/{customer_id}/delete", response_class=HTMLResponse)
def confirm_delete(
    request: Request, customer_id: RecordId, principal: WebWriter, db: Db
) -> Response:
    customer = service.get_customer(db, principal, customer_id)
    context = {"section": "customers", "customer": customer}
    return page(request, db, "customers/delete.html", context)


@router.post("/customers/{customer_id}/delete", response_class=HTMLResponse)
def delete_customer(
    request: Request, customer_id: RecordId, principal: WebWriter, db: Db
) -> Response:
    customer = service.get_customer(db, principal, customer_id)
    name = customer.name

    def refused(exc: AppError, errors: dict[str, str]) -> Response:
        context = {"section": "customers", "customer": customer, "errors": errors}
        return page(request, db, "customers/delete.html", context, exc.status)

    return act(
        db,
        lambda: service.delete_customer(db, principal, customer_id),
        lambda _done: redirect("/customers", f"Customer {name} deleted."),
        refused,
    )


@router.get("/customers/{customer_id}/portal-menu", response_class=HTMLResponse)
def portal_menu(request: Request, customer_id: RecordId, principal: WebWriter, db: Db) -> Response:
    """The contacts listed under the ▾ next to the customer's name (Portal Login as …)."""
    contacts, _total = list_contacts(
        db, principal, customer_id=customer_id, limit=CONTACTS_SHOWN, offset=0
    )
    return page(request, db, "customers/_portal_menu.html", {"contacts": contacts})
