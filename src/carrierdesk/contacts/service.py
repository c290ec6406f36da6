"""Contacts of a customer: the rules of PRODUCT.md §2."""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Any, Literal

from sqlalchemy import Select, func, or_, select
from sqlalchemy.orm import Session

from carrierdesk.audit.service import record_change, snapshot
from carrierdesk.auth.passwords import (
    check_policy,
    generate_password,
    hash_password,
    policy_failures,
    verify_password,
)
from carrierdesk.auth.permissions import require_staff
from carrierdesk.auth.principals import Principal
from carrierdesk.auth.scoping import Access, get_scoped, readable
from carrierdesk.auth.service import end_sessions
from carrierdesk.contacts.schemas import (
    CONTACT_TYPES,
    SORTS,
    ContactCreate,
    ContactOut,
    ContactUpdate,
    PasswordChange,
)
from carrierdesk.customers.service import get_customer
from carrierdesk.db import count_of
from carrierdesk.errors import Conflict, FieldError, Invalid
from carrierdesk.models import Contact, Customer, ScheduledChange
from carrierdesk.models.base import utcnow
from carrierdesk.notify.service import message_contact
from carrierdesk.scheduling.service import changed_fields, schedule_or_apply

AUDITED = (
    "name",
    "email",
    "phone",
    "mobile",
    "contact_type",
    "public_notes",
    "private_notes",
    "email_verified",
    "mobile_verified",
    "ip_whitelist",
    "enabled",
)
NOTES = ("public_notes", "private_notes")
CREDENTIAL = re.compile(r"\b(pass(?:word|wd|code)?|pwd|pw|secret|pin)\s*[:=]\s*\S+", re.IGNORECASE)


@dataclass(frozen=True)
class NewPassword:
    """A password to set: "auto" (generate and email), "plain" text, or an argon2 "hash"."""

    kind: Literal["auto", "plain", "hash"]
    value: str = ""


def to_out(contact: Contact, principal: Principal) -> ContactOut:
    """What a principal may see of a contact: private notes never reach the customer's side."""
    return ContactOut.model_validate(
        {
            **{
                f: getattr(contact, f)
                for f in ContactOut.model_fields
                if f not in {"customer_name", "has_password", "private_notes"}
            },
            "customer_name": contact.customer.name,
            "has_password": contact.password_hash is not None,
            "private_notes": None if principal.is_contact else contact.private_notes,
        }
    )


def list_contacts(
    session: Session,
    principal: Principal,
    *,
    customer_id: int | None = None,
    q: str | None = None,
    contact_type: str | None = None,
    email_verified: bool | None = None,
    mobile_verified: bool | None = None,
    enabled: bool | None = None,
    sort: str = "name",
    limit: int = 50,
    offset: int = 0,
) -> tuple[list[Contact], int]:
    if customer_id is not None:
        get_customer(session, principal, customer_id)
    else:
        require_staff(principal, "read")
    if sort not in SORTS:
        raise Invalid.field("sort", f"must be one of {', '.join(SORTS)}")
    if contact_type is not None and contact_type not in CONTACT_TYPES:
        raise Invalid.field("contact_type", f"must be one of {', '.join(CONTACT_TYPES)}")
    stmt: Select[Contact] = readable(principal, Contact).join(Customer)
    if customer_id is not None:
        stmt = stmt.where(Contact.customer_id == customer_id)
    if q:
        like = f"%{q.strip().lower()}%"
        stmt = stmt.where(
            or_(
                func.lower(Contact.name).like(like),
                Contact.email_key.like(like),
                Contact.phone.like(like),
                Contact.mobile.like(like),
                func.lower(Customer.name).like(like),
            )
        )
    for column, wanted in (
        (Contact.contact_type, contact_type),
        (Contact.email_verified, email_verified),
        (Contact.mobile_verified, mobile_verified),
        (Contact.enabled, enabled),
    ):
        if wanted is not None:
            stmt = stmt.where(column == wanted)
    total = count_of(session, stmt)
    key = {
        "name": func.lower(Contact.name),
        "email": Contact.email_key,
        "customer": func.lower(Customer.name),
        "created_at": Contact.created_at,
    }
    order = key[sort.lstrip("-")]
    stmt = stmt.order_by(order.desc() if sort.startswith("-") else order.asc(), Contact.id)
    return list(session.scalars(stmt.limit(limit).offset(offset))), total


def get_contact(
    session: Session, principal: Principal, contact_id: int, access: Access = "read"
) -> Contact:
    return get_scoped(session, principal, Contact, contact_id, access)


def create_contact(
    session: Session, principal: Principal, customer_id: int, data: ContactCreate
) -> Contact | ScheduledChange:
    customer = get_customer(session, principal, customer_id, "write")
    password = _new_password(data.auto_generate_password, data.password, str(data.email))
    return schedule_or_apply(
        session,
        principal,
        data.apply_at,
        lambda: _create(session, principal, customer, data, password),
        kind="contact.create",
        target_id=None,
        customer_id=customer.id,
        payload=lambda: _create_payload(data, password),
        summary=f"Add contact {data.name} <{data.email}> to {customer.name}",
    )


def _create_payload(data: ContactCreate, password: NewPassword) -> dict[str, Any]:
    """A scheduled creation keeps the password's hash, never the password itself."""
    check_notes(data.public_notes, data.private_notes, password)
    payload = data.model_dump(mode="json", exclude={"apply_at", "password"})
    if password.kind == "plain":
        payload["password_hash"] = hash_password(password.value)
    return payload


def apply_contact_create(
    session: Session,
    principal: Principal,
    _target_id: int | None,
    customer_id: int | None,
    payload: dict[str, Any],
) -> int:
    assert customer_id is not None
    fields = dict(payload)
    password_hash = fields.pop("password_hash", None)
    data = ContactCreate.model_validate(fields)
    password = NewPassword("hash", password_hash) if password_hash else NewPassword("auto")
    return _create(
        session, principal, get_customer(session, principal, customer_id), data, password
    ).id


def _new_password(auto: bool, password: str | None, email: str) -> NewPassword:
    if auto:
        if password:
            raise Invalid.field(
                "password", "leave it empty when Auto Generate & Email Password is on"
            )
        return NewPassword("auto")
    if not password:
        raise Invalid.field("password", "is required when Auto Generate & Email Password is off")
    check_policy(password, email)
    return NewPassword("plain", password)


def _create(
    session: Session,
    principal: Principal,
    customer: Customer,
    data: ContactCreate,
    password: NewPassword,
) -> Contact:
    email = str(data.email)
    _check_email_free(session, email, None)
    check_notes(data.public_notes, data.private_notes, password)
    generated = generate_password() if password.kind == "auto" else None
    contact = Contact(
        **data.model_dump(exclude={"apply_at", "password", "auto_generate_password", "email"}),
        customer_id=customer.id,
        email=email,
        email_key=email.casefold(),
        password_hash=_hash_of(password, generated),
        password_changed_at=utcnow(),
    )
    session.add(contact)
    session.flush()
    record_change(
        session,
        principal,
        contact,
        "create",
        f"Contact {contact.name} <{email}> added to {customer.name}",
        after={**snapshot(contact, AUDITED), "password": "set"},
    )
    if generated:
        message_contact(
            session,
            principal,
            contact,
            "contact_welcome",
            extra={"password": generated},
            secrets=[generated],
        )
    return contact


def _hash_of(password: NewPassword, generated: str | None) -> str:
    if generated is not None:
        return hash_password(generated)
    return hash_password(password.value) if password.kind == "plain" else password.value


def update_contact(
    session: Session, principal: Principal, contact_id: int, data: ContactUpdate
) -> Contact | ScheduledChange:
    contact = get_contact(session, principal, contact_id, "write")
    return schedule_or_apply(
        session,
        principal,
        data.apply_at,
        lambda: apply_update(session, principal, contact, data),
        kind="contact.update",
        target_id=contact.id,
        customer_id=contact.customer_id,
        payload=changed_fields(data),
        summary=f"Edit contact {contact.name} <{contact.email}>",
    )


def apply_contact_update(
    session: Session,
    principal: Principal,
    target_id: int | None,
    _customer_id: int | None,
    payload: dict[str, Any],
) -> int:
    assert target_id is not None
    contact = get_contact(session, principal, target_id)
    return apply_update(session, principal, contact, ContactUpdate.model_validate(payload)).id


def apply_update(
    session: Session, principal: Principal, contact: Contact, data: ContactUpdate
) -> Contact:
    changes = data.model_dump(exclude_unset=True, exclude={"apply_at"})
    for required in (
        "name",
        "email",
        "contact_type",
        "email_verified",
        "mobile_verified",
        "enabled",
    ):
        if required in changes and changes[required] is None:
            raise Invalid.field(required, "cannot be empty")
    for notes in NOTES:
        if changes.get(notes, "") is None:
            changes[notes] = ""
    if changes.get("ip_whitelist", []) is None:
        changes["ip_whitelist"] = []
    if "email" in changes:
        changes["email"] = str(changes["email"])
        if changes["email"].casefold() != contact.email_key:
            _check_email_free(session, changes["email"], contact.id)
            changes["email_key"] = changes["email"].casefold()
            changes.setdefault("email_verified", False)  # a new address is not verified yet
    if "mobile" in changes and changes["mobile"] != contact.mobile:
        changes.setdefault("mobile_verified", False)
    check_notes(
        changes.get("public_notes", ""),
        changes.get("private_notes", ""),
        NewPassword("hash", contact.password_hash or ""),
    )
    before = snapshot(contact, AUDITED)
    for key, value in changes.items():
        setattr(contact, key, value)
    session.flush()
    record_change(
        session,
        principal,
        contact,
        "update",
        f"Contact {contact.name} <{contact.email}> updated",
        before=before,
        after=snapshot(contact, AUDITED),
    )
    if changes.get("enabled") is False:
        end_sessions(session, contact)
    return contact


def delete_contact(session: Session, principal: Principal, contact_id: int) -> None:
    contact = get_contact(session, principal, contact_id, "write")
    before = snapshot(contact, AUDITED)
    end_sessions(session, contact)
    session.delete(contact)
    session.flush()
    record_change(
        session,
        principal,
        contact,
        "delete",
        f"Contact {contact.name} <{contact.email}> deleted",
        before=before,
    )


def change_password(
    session: Session, principal: Principal, contact_id: int, data: PasswordChange
) -> None:
    """Set a typed password or generate and email one; every session of the contact ends."""
    contact = get_contact(session, principal, contact_id, "write")
    password = _new_password(data.auto_generate, data.password, contact.email)
    generated = generate_password() if password.kind == "auto" else None
    how = "generated and emailed" if generated else "typed by staff"
    set_password(
        session,
        principal,
        contact,
        NewPassword("plain", generated) if generated else password,
        how=how,
    )
    if generated:
        message_contact(
            session,
            principal,
            contact,
            "contact_password_reset",
            extra={"password": generated},
            secrets=[generated],
        )


def set_password(
    session: Session,
    principal: Principal,
    contact: Contact,
    password: NewPassword,
    *,
    how: str,
    keep: int | None = None,
) -> None:
    """The one way a contact's password changes: never one that is in its notes, and every
    session of the contact but `keep` (the one making the change) ends."""
    check_notes(contact.public_notes, contact.private_notes, password)
    contact.password_hash = _hash_of(password, None)
    contact.password_changed_at = utcnow()
    ended = end_sessions(session, contact, keep=keep)
    record_change(
        session,
        principal,
        contact,
        "password_change",
        f"Password of {contact.email} changed ({how}); {ended} session(s) ended",
        changes={"password": ["••••••", "••••••"]},
    )


def _check_email_free(session: Session, email: str, contact_id: int | None) -> None:
    stmt = select(Contact.id).where(Contact.email_key == email.casefold())
    if contact_id is not None:
        stmt = stmt.where(Contact.id != contact_id)
    if session.scalar(stmt) is not None:
        raise Conflict(
            f"The email {email} is already used by another contact.",
            [FieldError("email", "is already used by another contact")],
        )


def check_notes(public: str | None, private: str | None, password: NewPassword) -> None:
    """Never a password in the notes: not the one being set, not the current one (checked
    against its hash), and nothing that looks like a credential."""
    for field, text in (("public_notes", public or ""), ("private_notes", private or "")):
        if not text:
            continue
        if password.kind == "plain" and password.value in text:
            raise Invalid.field(field, "must not contain the contact's password")
        if password.kind == "hash" and password.value and _holds_password(text, password.value):
            raise Invalid.field(field, "must not contain the contact's current password")
        if CREDENTIAL.search(text):
            raise Invalid.field(
                field,
                "looks like a credential (e.g. 'password: …'); never store passwords in notes",
            )


def _holds_password(text: str, password_hash: str) -> bool:
    candidates = {w for w in text.split() if not policy_failures(w)}
    return any(verify_password(password_hash, w) for w in list(candidates)[:10])
