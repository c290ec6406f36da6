"""Control Panel: contact add/edit with the save options, Change Password, delete, Portal Login
(placeholder) and Global Contacts."""

from __future__ import annotations

from typing import Any
from urllib.parse import urlencode, urlsplit

from fastapi import APIRouter, Query, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response
from sqlalchemy.orm import Session
from starlette.datastructures import FormData

from carrierdesk.auth.principals import Principal
from carrierdesk.contacts import service
from carrierdesk.contacts.schemas import (
    CONTACT_TYPES,
    SORTS,
    ContactCreate,
    ContactUpdate,
    PasswordChange,
)
from carrierdesk.customers.service import get_customer, list_customers
from carrierdesk.errors import AppError
from carrierdesk.models import Contact, Customer, ScheduledChange
from carrierdesk.portal.service import portal_login_link
from carrierdesk.web.forms import (
    SubmittedForm,
    act,
    checkbox,
    lines,
    optional,
    page,
    redirect,
    safe_path,
    save_form,
    scheduled_time,
    text,
)
from carrierdesk.web.http import Db, IdFilter, RecordId, TransactionRoute, WebReader, WebWriter

router = APIRouter(route_class=TransactionRoute, include_in_schema=False)
PAGE_SIZE = 50
COMPANIES_SHOWN = 5000
NEW_DEFAULTS: dict[str, Any] = {
    "contact_type": "general",
    "auto_generate_password": "on",
    "enabled": "on",
}
FLAGS = ("email_verified", "mobile_verified", "enabled")


def _fields(form: FormData) -> dict[str, Any]:
    """The contact's fields as the API takes them (checkboxes absent = off)."""
    return {
        "name": text(form, "name"),
        "email": text(form, "email"),
        "phone": optional(form, "phone"),
        "mobile": optional(form, "mobile"),
        "contact_type": text(form, "contact_type"),
        "public_notes": text(form, "public_notes"),
        "private_notes": text(form, "private_notes"),
        "email_verified": checkbox(form, "email_verified"),
        "mobile_verified": checkbox(form, "mobile_verified"),
        "ip_whitelist": lines(form, "ip_whitelist"),
        "enabled": checkbox(form, "enabled"),
    }


def _typed(form: FormData) -> dict[str, Any]:
    """What was typed, to show again: never the password."""
    return {
        k: v for k, v in form.items() if k not in ("password", "confirm_password", "csrf_token")
    }


def _context(
    values: dict[str, Any],
    errors: dict[str, str],
    *,
    customer: Customer | None = None,
    contact: Contact | None = None,
    companies: list[Customer] | None = None,
    return_to: str = "",
) -> dict[str, Any]:
    return {
        "section": "contacts" if companies is not None else "customers",
        "values": values,
        "errors": errors,
        "customer": customer,
        "contact": contact,
        "companies": companies,
        "contact_types": CONTACT_TYPES,
        "return_to": return_to,
    }


def _companies(db: Session, principal: Principal) -> list[Customer]:
    rows, _total = list_customers(db, principal, limit=COMPANIES_SHOWN)
    return [customer for customer, _contacts in rows]


# ---- add -------------------------------------------------------------------------------------


@router.get("/customers/{customer_id}/contacts/new", response_class=HTMLResponse)
def new_contact(request: Request, customer_id: RecordId, principal: WebWriter, db: Db) -> Response:
    customer = get_customer(db, principal, customer_id)
    context = _context(dict(NEW_DEFAULTS), {}, customer=customer)
    return page(request, db, "contacts/form.html", context)


@router.get("/contacts/new", response_class=HTMLResponse)
def new_global_contact(
    request: Request, principal: WebWriter, db: Db, customer_id: IdFilter = None
) -> Response:
    values = {**NEW_DEFAULTS, "customer_id": str(customer_id or "")}
    context = _context(values, {}, companies=_companies(db, principal), return_to="/contacts")
    return page(request, db, "contacts/form.html", context)


@router.post("/customers/{customer_id}/contacts/new", response_class=HTMLResponse)
def create_contact(
    request: Request, customer_id: RecordId, form: SubmittedForm, principal: WebWriter, db: Db
) -> Response:
    customer = get_customer(db, principal, customer_id)
    return _create(request, form, principal, db, customer, None)


@router.post("/contacts/new", response_class=HTMLResponse)
def create_global_contact(
    request: Request, form: SubmittedForm, principal: WebWriter, db: Db
) -> Response:
    companies = _companies(db, principal)
    chosen = text(form, "customer_id")
    customer = next((c for c in companies if str(c.id) == chosen), None)
    return _create(request, form, principal, db, customer, companies)


def _create(
    request: Request,
    form: FormData,
    principal: Principal,
    db: Session,
    customer: Customer | None,
    companies: list[Customer] | None,
) -> Response:
    fields = {
        **_fields(form),
        "auto_generate_password": checkbox(form, "auto_generate_password"),
        "password": optional(form, "password"),
    }
    missing = (
        {"customer_id": "choose the company this contact belongs to"} if customer is None else {}
    )

    def create(data: ContactCreate) -> Contact | ScheduledChange:
        assert customer is not None  # a missing company is an error: save_form saves nothing
        return service.create_contact(db, principal, customer.id, data)

    def created(result: Contact | ScheduledChange) -> Response:
        assert customer is not None
        return _after_create(form, customer, companies is not None, result)

    def again(errors: dict[str, str]) -> Response:
        return_to = "/contacts" if companies is not None else ""
        context = _context(
            _typed(form), errors, customer=customer, companies=companies, return_to=return_to
        )
        return page(request, db, "contacts/form.html", context, 422)

    return save_form(
        db, form, ContactCreate, fields, create, created, again, delay=True, errors=missing
    )


def _after_create(
    form: FormData, customer: Customer, from_global: bool, result: Contact | ScheduledChange
) -> Response:
    default = "/contacts" if from_global else f"/customers/{customer.id}"
    back = safe_path(text(form, "return_to"), default)
    if isinstance(result, ScheduledChange):
        return redirect(
            back,
            f"New contact {text(form, 'name')} scheduled for {scheduled_time(result.apply_at)}.",
        )
    message = f"Contact {result.name} <{result.email}> added to {customer.name}."
    if checkbox(form, "auto_generate_password"):
        message += f" A generated password was emailed to {result.email}."
    if text(form, "save") == "stay":
        stay = (
            f"/contacts/new?customer_id={customer.id}"
            if from_global
            else f"/customers/{customer.id}/contacts/new"
        )
        return redirect(stay, message)
    return redirect(back, message)


# ---- edit ------------------------------------------------------------------------------------


def _contact_values(contact: Contact) -> dict[str, Any]:
    values: dict[str, Any] = {
        f: getattr(contact, f) or ""
        for f in ("name", "email", "phone", "mobile", "contact_type", "public_notes")
    }
    values["private_notes"] = contact.private_notes or ""
    values["ip_whitelist"] = "\n".join(contact.ip_whitelist or [])
    values.update({f: "on" for f in FLAGS if getattr(contact, f)})
    return values


@router.get("/contacts/{contact_id}/edit", response_class=HTMLResponse)
def edit_contact(
    request: Request, contact_id: RecordId, principal: WebWriter, db: Db, return_to: str = ""
) -> Response:
    contact = service.get_contact(db, principal, contact_id)
    context = _context(
        _contact_values(contact),
        {},
        customer=contact.customer,
        contact=contact,
        return_to=safe_path(return_to, ""),
    )
    return page(request, db, "contacts/form.html", context)


@router.post("/contacts/{contact_id}/edit", response_class=HTMLResponse)
def update_contact(
    request: Request, contact_id: RecordId, form: SubmittedForm, principal: WebWriter, db: Db
) -> Response:
    contact = service.get_contact(db, principal, contact_id)

    def again(errors: dict[str, str]) -> Response:
        context = _context(
            _typed(form),
            errors,
            customer=contact.customer,
            contact=contact,
            return_to=safe_path(text(form, "return_to"), ""),
        )
        return page(request, db, "contacts/form.html", context, 422)

    return save_form(
        db,
        form,
        ContactUpdate,
        _fields(form),
        lambda data: service.update_contact(db, principal, contact_id, data),
        lambda result: _after_update(form, contact, result),
        again,
        delay=True,
        current=contact,
    )


def _after_update(form: FormData, contact: Contact, result: Contact | ScheduledChange) -> Response:
    back = safe_path(text(form, "return_to"), f"/customers/{contact.customer_id}")
    if isinstance(result, ScheduledChange):
        return redirect(
            back,
            f"Change to contact {contact.name} scheduled for {scheduled_time(result.apply_at)}.",
        )
    message = f"Contact {result.name} <{result.email}> saved."
    if text(form, "save") == "stay":
        query = f"?{urlencode({'return_to': back})}"
        return redirect(f"/contacts/{contact.id}/edit{query}", message)
    return redirect(back, message)


# ---- password, delete, portal login ----------------------------------------------------------


@router.get("/contacts/{contact_id}/password", response_class=HTMLResponse)
def password_form(request: Request, contact_id: RecordId, principal: WebWriter, db: Db) -> Response:
    contact = service.get_contact(db, principal, contact_id)
    context = {"contact": contact, "values": {"auto_generate": "on"}, "section": "customers"}
    return page(request, db, "contacts/password.html", context)


@router.post("/contacts/{contact_id}/password", response_class=HTMLResponse)
def change_password(
    request: Request, contact_id: RecordId, form: SubmittedForm, principal: WebWriter, db: Db
) -> Response:
    contact = service.get_contact(db, principal, contact_id)
    auto = checkbox(form, "auto_generate")

    def changed(_: None) -> Response:
        done = (
            f"A new password was generated and emailed to {contact.email}."
            if auto
            else f"The password of {contact.email} was changed."
        )
        return redirect(f"/customers/{contact.customer_id}", done)

    def again(errors: dict[str, str]) -> Response:
        context = {"contact": contact, "values": _typed(form), "errors": errors}
        return page(request, db, "contacts/password.html", context, 422)

    typed = optional(form, "password")
    mismatch = not auto and typed is not None and typed != optional(form, "confirm_password")
    return save_form(
        db,
        form,
        PasswordChange,
        {"auto_generate": auto, "password": typed},
        lambda data: service.change_password(db, principal, contact_id, data),
        changed,
        again,
        errors={"confirm_password": "does not match the new password"} if mismatch else None,
    )


@router.get("/contacts/{contact_id}/delete", response_class=HTMLResponse)
def confirm_delete(
    request: Request, contact_id: RecordId, principal: WebWriter, db: Db
) -> Response:
    contact = service.get_contact(db, principal, contact_id)
    context = {"contacts": [contact], "customer": contact.customer, "section": "customers"}
    return page(request, db, "contacts/delete.html", context)


MAX_SELECTED = 500  # contacts deleted at once: each is looked up, checked and audited


def _too_many_selected(count: int) -> str | None:
    if count <= MAX_SELECTED:
        return None
    return (
        f"ids: at most {MAX_SELECTED} contacts can be deleted at once (got {count}); "
        "nothing was deleted."
    )


@router.get("/customers/{customer_id}/contacts/delete", response_class=HTMLResponse)
def confirm_delete_selected(
    request: Request,
    customer_id: RecordId,
    principal: WebWriter,
    db: Db,
    ids: list[int] = Query(default=[]),
) -> Response:
    customer = get_customer(db, principal, customer_id)
    if too_many := _too_many_selected(len(ids)):
        return redirect(f"/customers/{customer_id}", too_many, "danger")
    chosen = [service.get_contact(db, principal, i) for i in ids]
    chosen = [c for c in chosen if c.customer_id == customer_id]
    if not chosen:
        return redirect(f"/customers/{customer_id}", "Select the contacts to delete.", "warning")
    context = {"contacts": chosen, "customer": customer, "section": "customers"}
    return page(request, db, "contacts/delete.html", context)


@router.post("/contacts/delete", response_class=HTMLResponse)
def delete_contacts(
    request: Request, form: SubmittedForm, principal: WebWriter, db: Db
) -> Response:
    ids = [int(i) for i in form.getlist("ids") if isinstance(i, str) and i.isdigit()]
    if too_many := _too_many_selected(len(ids)):
        return redirect(safe_path(text(form, "return_to"), "/contacts"), too_many, "danger")
    contacts = [service.get_contact(db, principal, i) for i in ids]
    if not contacts:
        return redirect("/contacts", "Nothing was selected.", "warning")
    customer = contacts[0].customer
    names = ", ".join(c.name for c in contacts)
    back = safe_path(text(form, "return_to"), f"/customers/{customer.id}")

    def refused(exc: AppError, errors: dict[str, str]) -> Response:
        context = {"contacts": contacts, "customer": customer, "errors": errors}
        return page(request, db, "contacts/delete.html", context, exc.status)

    def delete() -> None:
        for contact in contacts:
            service.delete_contact(db, principal, contact.id)

    return act(
        db,
        delete,
        lambda _done: redirect(back, f"Deleted: {names}."),
        refused,
    )


@router.get("/contacts/{contact_id}/portal-login", response_class=HTMLResponse)
def portal_login_page(
    request: Request, contact_id: RecordId, principal: WebWriter, db: Db
) -> Response:
    contact = service.get_contact(db, principal, contact_id)
    return page(request, db, "contacts/portal_login.html", {"contact": contact})


@router.post("/contacts/{contact_id}/portal-login")
def portal_login(contact_id: RecordId, principal: WebWriter, db: Db) -> Response:
    """Open the Customer Portal as this contact through a one-time link (audited)."""
    link = urlsplit(portal_login_link(db, principal, contact_id))
    # The same site that served this page, whatever base_url says.
    return RedirectResponse(f"{link.path}?{link.query}", status_code=303)


# ---- Global Contacts -------------------------------------------------------------------------


def _yes_no(value: str) -> bool | None:
    return {"yes": True, "no": False}.get(value)


@router.get("/contacts", response_class=HTMLResponse)
def global_contacts(
    request: Request,
    principal: WebReader,
    db: Db,
    q: str = "",
    contact_type: str = "",
    email_verified: str = "",
    mobile_verified: str = "",
    enabled: str = "",
    sort: str = "name",
    customer_id: IdFilter = None,
    offset: int = 0,
) -> Response:
    filters = {
        "q": q,
        "contact_type": contact_type,
        "email_verified": email_verified,
        "mobile_verified": mobile_verified,
        "enabled": enabled,
    }
    if customer_id is not None:
        filters["customer_id"] = str(customer_id)
    rows, total = service.list_contacts(
        db,
        principal,
        q=q or None,
        customer_id=customer_id,
        contact_type=contact_type or None,
        email_verified=_yes_no(email_verified),
        mobile_verified=_yes_no(mobile_verified),
        enabled=_yes_no(enabled),
        sort=sort if sort in SORTS else "name",
        limit=PAGE_SIZE,
        offset=max(offset, 0),
    )
    context = {
        "section": "contacts",
        "rows": rows,
        "total": total,
        "filters": filters,
        "sort": sort,
        "contact_types": CONTACT_TYPES,
        "limit": PAGE_SIZE,
        "offset": max(offset, 0),
        "query": urlencode({**filters, "sort": sort}),
        "filter_query": urlencode(filters),
    }
    return page(request, db, "contacts/list.html", context)
