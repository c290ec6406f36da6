"""Customers: the rules of PRODUCT.md §1."""

from __future__ import annotations

from typing import Any

from sqlalchemy import Select, func, or_, select
from sqlalchemy.orm import Session

from carrierdesk.audit.service import record_change, snapshot
from carrierdesk.auth.permissions import require_customer, require_staff
from carrierdesk.auth.principals import Principal
from carrierdesk.auth.scoping import Access, get_scoped, readable
from carrierdesk.customers.schemas import STATUSES, CustomerCreate, CustomerUpdate
from carrierdesk.db import count_of
from carrierdesk.errors import Conflict, FieldError, Invalid
from carrierdesk.invoices.einvoice.tax import check_tax
from carrierdesk.models import (
    Cdr,
    ConferenceRoom,
    Contact,
    Customer,
    Invoice,
    IpAuth,
    NumberBlock,
    ScheduledChange,
    SipUser,
)
from carrierdesk.rating.cards import bump_version, card_for_customer
from carrierdesk.scheduling.service import changed_fields, schedule_or_apply
from carrierdesk.webhooks import events as webhooks

AUDITED = (
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
    "legal_name",
    "address_line1",
    "address_line2",
    "city",
    "postcode",
    "country",
    "vat_id",
    "invoice_email",
    "tax_category",
    "tax_exemption_reason",
)


def list_customers(
    session: Session,
    principal: Principal,
    *,
    q: str | None = None,
    status: str | None = None,
    sort: str = "name",
    limit: int = 50,
    offset: int = 0,
) -> tuple[list[tuple[Customer, int]], int]:
    if status is not None and status not in STATUSES:
        raise Invalid.field("status", f"must be one of {', '.join(STATUSES)}")
    order = _order(sort)
    if not principal.is_contact:
        require_staff(principal, "read")
    stmt: Select[Customer] = readable(principal, Customer)
    if q:
        like = f"%{q.strip().lower()}%"
        stmt = stmt.where(
            or_(func.lower(Customer.name).like(like), func.lower(Customer.reference).like(like))
        )
    if status:
        stmt = stmt.where(Customer.status == status)
    total = count_of(session, stmt)
    rows = session.execute(
        stmt.add_columns(_contacts_of_customer())
        .order_by(order, func.lower(Customer.name), Customer.id)
        .limit(limit)
        .offset(offset)
    ).all()
    return [(c, n) for c, n in rows], total


def _contacts_of_customer() -> Any:
    """How many contacts the customer of the row has (a correlated scalar subquery)."""
    return (
        select(func.count(Contact.id))
        .where(Contact.customer_id == Customer.id)
        .correlate(Customer)
        .scalar_subquery()
    )


# The customers list's sortable columns (issue 14): `sort` is one of them, "-" first for
# descending; empty values come last either way, ties go by name.
SORTS = ("name", "reference", "status", "currency", "channels", "contacts", "created")


def _order(sort: str) -> Any:
    columns: dict[str, Any] = {
        "name": func.lower(Customer.name),
        "reference": func.lower(Customer.reference),
        "status": Customer.status,
        "currency": Customer.currency,
        "channels": Customer.channels,
        "contacts": _contacts_of_customer(),
        "created": Customer.created_at,
    }
    column = columns.get(sort.removeprefix("-"))
    if column is None:
        choices = ", ".join(SORTS)
        raise Invalid.field("sort", f"must be one of {choices}, with a - in front for descending")
    return (column.desc() if sort.startswith("-") else column.asc()).nulls_last()


def contact_count(session: Session, customer: Customer) -> int:
    stmt = select(_contacts_of_customer()).where(Customer.id == customer.id)
    return session.scalar(stmt) or 0


def get_customer(
    session: Session, principal: Principal, customer_id: int, access: Access = "read"
) -> Customer:
    # Before the lookup: to a contact, any other id is "Customer not found.", existing or not.
    require_customer(principal, customer_id, "read")
    return get_scoped(session, principal, Customer, customer_id, access)


def create_customer(session: Session, principal: Principal, data: CustomerCreate) -> Customer:
    require_staff(principal, "write")
    _check_reference_free(session, data.reference, None)
    check_tax(data.tax_category, data.tax_rate, data.tax_exemption_reason, data.vat_id)
    card_for_customer(session, data.rate_card_id, data.currency)
    customer = Customer(**data.model_dump(exclude={"apply_at"}))
    session.add(customer)
    session.flush()
    if customer.rate_card_id is not None:
        bump_version(session)
    record_change(
        session,
        principal,
        customer,
        "create",
        f"Customer {customer.name} created",
        after=snapshot(customer, AUDITED),
    )
    webhooks.customer_saved(session, "customer.created", customer)
    return customer


def update_customer(
    session: Session, principal: Principal, customer_id: int, data: CustomerUpdate
) -> Customer | ScheduledChange:
    """Apply the change now, or store it for later when `apply_at` is in the future."""
    customer = get_customer(session, principal, customer_id, "write")
    return schedule_or_apply(
        session,
        principal,
        data.apply_at,
        lambda: _update(session, principal, customer, data),
        kind="customer.update",
        target_id=customer.id,
        customer_id=customer.id,
        payload=changed_fields(data),
        summary=f"Edit customer {customer.name}",
    )


def apply_customer_update(
    session: Session,
    principal: Principal,
    target_id: int | None,
    _customer_id: int | None,
    payload: dict[str, Any],
) -> int:
    assert target_id is not None
    customer = get_customer(session, principal, target_id)
    return _update(session, principal, customer, CustomerUpdate.model_validate(payload)).id


def _update(
    session: Session, principal: Principal, customer: Customer, data: CustomerUpdate
) -> Customer:
    changes = data.model_dump(exclude_unset=True, exclude={"apply_at"})
    if "currency" in changes and changes["currency"] != customer.currency:
        raise Invalid.field("currency", "cannot be changed once the customer exists")
    required_fields = ("name", "status", "tax_rate", "tax_category", "email_invoices")
    for required in (*required_fields, "invoice_schedule", "invoice_due_days"):
        if required in changes and changes[required] is None:
            raise Invalid.field(required, "cannot be empty")
    check_tax(*(changes.get(f, getattr(customer, f)) for f in TAX_FIELDS))
    if "reference" in changes:
        _check_reference_free(session, changes["reference"], customer.id)
    new_card = changes.get("rate_card_id", customer.rate_card_id) != customer.rate_card_id
    if new_card:
        card_for_customer(session, changes["rate_card_id"], customer.currency)
    before = snapshot(customer, AUDITED)
    for key, value in changes.items():
        setattr(customer, key, value)
    session.flush()
    if new_card:
        bump_version(session)
    record_change(
        session,
        principal,
        customer,
        "update",
        f"Customer {customer.name} updated",
        before=before,
        after=snapshot(customer, AUDITED),
    )
    webhooks.customer_saved(session, "customer.updated", customer)
    return customer


TAX_FIELDS = ("tax_category", "tax_rate", "tax_exemption_reason", "vat_id")


def delete_customer(session: Session, principal: Principal, customer_id: int) -> None:
    customer = get_customer(session, principal, customer_id)
    require_staff(principal, "write")
    blockers = _dependents(session, customer_id)
    if blockers:
        raise Conflict(
            f"Customer {customer.name} still has {' and '.join(blockers)}; "
            "delete or move them first, or set the status to inactive."
        )
    before = snapshot(customer, AUDITED)
    session.delete(customer)
    session.flush()
    if customer.rate_card_id is not None:
        bump_version(session)
    record_change(
        session, principal, customer, "delete", f"Customer {customer.name} deleted", before=before
    )


# What keeps a customer from being deleted, counted per kind of record.
DEPENDENTS = (
    ("contacts", Contact),
    ("number blocks", NumberBlock),
    ("SIP users", SipUser),
    ("IP authentication entries", IpAuth),
    ("conference rooms", ConferenceRoom),
    ("invoices", Invoice),
)


def _dependents(session: Session, customer_id: int) -> list[str]:
    found = []
    for label, model in DEPENDENTS:
        count = session.scalar(
            select(func.count()).select_from(model).where(model.customer_id == customer_id)
        )
        if count:
            found.append(f"{count} {label}")
    # CDRs may be millions: whether there is one is enough (the index starts with customer_id).
    has_cdrs = session.scalar(
        select(Cdr.customer_id).where(Cdr.customer_id == customer_id).limit(1)
    )
    if has_cdrs is not None:
        found.append("call records (CDRs)")
    return found


def _check_reference_free(session: Session, reference: str | None, customer_id: int | None) -> None:
    if not reference:
        return
    # Whatever the case: "acme-001" is "ACME-001" (the unique index on lower(reference)).
    same = func.lower(Customer.reference) == func.lower(reference)
    stmt = select(Customer.reference).where(same)
    if customer_id is not None:
        stmt = stmt.where(Customer.id != customer_id)
    taken = session.scalar(stmt)
    if taken is not None:
        raise Conflict(
            f"The reference {reference} is already used by another customer ({taken}).",
            [FieldError("reference", "is already used by another customer")],
        )
