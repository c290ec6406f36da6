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
from carrierdesk.scheduling.service import changed_fields, schedule_or_apply

AUDITED = (
    "name",
    "reference",
    "status",
    "currency",
    "tax_rate",
    "channels",
    "invoice_schedule",
    "invoice_due_days",
)


def list_customers(
    session: Session,
    principal: Principal,
    *,
    q: str | None = None,
    status: str | None = None,
    limit: int = 50,
    offset: int = 0,
) -> tuple[list[tuple[Customer, int]], int]:
    if status is not None and status not in STATUSES:
        raise Invalid.field("status", f"must be one of {', '.join(STATUSES)}")
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
        .order_by(func.lower(Customer.name), Customer.id)
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
    customer = Customer(**data.model_dump(exclude={"apply_at"}))
    session.add(customer)
    session.flush()
    record_change(
        session,
        principal,
        customer,
        "create",
        f"Customer {customer.name} created",
        after=snapshot(customer, AUDITED),
    )
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
    for required in ("name", "status", "tax_rate", "invoice_schedule", "invoice_due_days"):
        if required in changes and changes[required] is None:
            raise Invalid.field(required, "cannot be empty")
    if "reference" in changes:
        _check_reference_free(session, changes["reference"], customer.id)
    before = snapshot(customer, AUDITED)
    for key, value in changes.items():
        setattr(customer, key, value)
    session.flush()
    record_change(
        session,
        principal,
        customer,
        "update",
        f"Customer {customer.name} updated",
        before=before,
        after=snapshot(customer, AUDITED),
    )
    return customer


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
    stmt = select(Customer.id).where(Customer.reference == reference)
    if customer_id is not None:
        stmt = stmt.where(Customer.id != customer_id)
    if session.scalar(stmt) is not None:
        raise Conflict(
            f"The reference {reference} is already used by another customer.",
            [FieldError("reference", "is already used by another customer")],
        )
