"""The way in to a customer's records: one getter and one select, both scoped to the principal.

`get_scoped` fetches one record by id and answers as `permissions` says (404 when it does not
exist or belongs to a customer a contact may not see, 403 when the role may not); `readable`
starts every list query, so that a contact's query only ever sees its own customer's rows.

    contact = get_scoped(session, principal, Contact, contact_id, "write")
    stmt = readable(principal, SipUser).where(SipUser.customer_id == customer_id)

A new customer-owned model needs a `customer_id` column and its name in `NAMES`.
"""

from __future__ import annotations

from typing import Literal, TypeVar

from sqlalchemy import Select, select
from sqlalchemy.orm import InstrumentedAttribute, Session

from carrierdesk.auth.permissions import Need, require_customer, require_staff, scope_to_customer
from carrierdesk.auth.principals import Principal
from carrierdesk.errors import NotFound
from carrierdesk.models import (
    Base,
    ConferenceRoom,
    Contact,
    Customer,
    Invoice,
    IpAuth,
    NumberBlock,
    SipUser,
)

M = TypeVar("M", bound=Base)
Access = Literal["read", "write"]

# How a record is named in "<name> <id> not found.".
NAMES: dict[type[Base], str] = {
    Customer: "Customer",
    Contact: "Contact",
    Invoice: "Invoice",
    NumberBlock: "Number block",
    SipUser: "SIP user",
    IpAuth: "IP authentication entry",
    ConferenceRoom: "Conference room",
}


def owner_column(model: type[Base]) -> InstrumentedAttribute[int]:
    """The column holding the id of the customer a row belongs to."""
    column: InstrumentedAttribute[int] | None = (
        Customer.id if model is Customer else getattr(model, "customer_id", None)
    )
    if column is None:
        raise TypeError(f"{model.__name__} does not belong to a customer")
    return column


def owner_of(obj: Base) -> int:
    """The id of the customer a record belongs to."""
    owner: int | None = obj.id if isinstance(obj, Customer) else getattr(obj, "customer_id", None)
    if owner is None:
        raise TypeError(f"{type(obj).__name__} does not belong to a customer")
    return owner


def readable(principal: Principal, model: type[M]) -> Select[M]:
    """`select(model)` filtered to what the principal may read (a contact: its own customer)."""
    return scope_to_customer(select(model), principal, owner_column(model))


def get_scoped(
    session: Session,
    principal: Principal,
    model: type[M],
    record_id: int,
    access: Access = "read",
    *,
    lock: bool = False,
) -> M:
    """The record, when the principal may `access` it; else NotFound or Forbidden.

    To a contact, another customer's record is "<name> <id> not found.", as if it did not
    exist: the answer tells nothing of other customers. With `lock` the row is read FOR
    UPDATE and refreshed: a write waits for a concurrent one and sees a row deleted meanwhile.
    """
    obj = session.get(model, record_id, with_for_update=lock, populate_existing=lock)
    missing = f"{NAMES.get(model, model.__name__)} {record_id} not found."
    if obj is None:
        raise NotFound(missing)
    owner = owner_of(obj)
    if principal.is_contact and principal.customer_id != owner:
        raise NotFound(missing)
    require_customer(principal, owner, "read")
    if access != "read":
        require_customer(principal, owner, access)
    return obj


def get_staff_record(
    session: Session,
    principal: Principal,
    model: type[M],
    record_id: int,
    label: str,
    need: Need = "read",
    *,
    lock: bool = False,
) -> M:
    """A record of the carrier's own (a rate card, a provider, a webhook: no customer owns it),
    when the staff principal may `need` it; else Forbidden or "<label> <id> not found.". With
    `lock`, read FOR UPDATE and refreshed, as get_scoped."""
    require_staff(principal, need)
    obj = session.get(model, record_id, with_for_update=lock, populate_existing=lock)
    if obj is None:
        raise NotFound(f"{label} {record_id} not found.")
    return obj
