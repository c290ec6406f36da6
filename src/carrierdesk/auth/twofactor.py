"""Enrolling and removing TOTP, for Control Panel users and portal contacts alike."""

from __future__ import annotations

from sqlalchemy.orm import Session

from carrierdesk.audit.service import record
from carrierdesk.auth import totp
from carrierdesk.auth.passwords import verify_password
from carrierdesk.auth.principals import Principal
from carrierdesk.errors import Conflict, Forbidden, Invalid, NotFound
from carrierdesk.models import Contact, User

Person = User | Contact


def person_of(session: Session, principal: Principal) -> Person:
    """The user or contact a principal is (API tokens and the system are nobody)."""
    person: Person | None = None
    if principal.kind == "user":
        person = session.get(User, principal.id)
    elif principal.kind == "contact":
        person = session.get(Contact, principal.id)
    if person is None:
        raise NotFound("There is no account behind these credentials.")
    return person


def _own_account(session: Session, principal: Principal) -> Person:
    if principal.impersonator:
        raise Forbidden("Portal Login cannot change the contact's password, email or 2FA.")
    return person_of(session, principal)


def begin(session: Session, principal: Principal) -> tuple[str, str]:
    """A new secret waiting for confirmation; returns (secret, otpauth:// URI for the QR)."""
    person = _own_account(session, principal)
    if person.totp_secret:
        raise Conflict("Two-factor authentication is already on; turn it off first.")
    person.totp_pending = totp.new_secret()
    return person.totp_pending, totp.provisioning_uri(person.totp_pending, person.email)


def confirm(session: Session, principal: Principal, code: str) -> list[str]:
    """Turn TOTP on with a first correct code; returns the recovery codes (shown once)."""
    person = _own_account(session, principal)
    if not person.totp_pending:
        raise Conflict("Start the enrolment again: no pending secret.")
    step = totp.matching_step(person.totp_pending, code, None)
    if step is None:
        raise Invalid.field("code", "is not the current code of your authenticator app")
    codes, hashes = totp.new_recovery_codes()
    person.totp_secret, person.totp_pending = person.totp_pending, None
    person.totp_last_step, person.recovery_codes = step, hashes
    _audit(session, principal, person, enabled=True)
    return codes


def disable(session: Session, principal: Principal, password: str) -> None:
    person = _own_account(session, principal)
    if not verify_password(person.password_hash, password):
        raise Invalid.field("password", "is not your current password")
    person.totp_secret = person.totp_pending = None
    person.totp_last_step, person.recovery_codes = None, []
    _audit(session, principal, person, enabled=False)


def _audit(session: Session, principal: Principal, person: Person, *, enabled: bool) -> None:
    contact = person if isinstance(person, Contact) else None
    state = "on" if enabled else "off"
    record(
        session,
        principal,
        "update",
        table="contacts" if contact else "users",
        record_id=person.id,
        customer_id=contact.customer_id if contact else None,
        contact_id=contact.id if contact else None,
        message=f"{person.email}: two-factor authentication turned {state}",
        changes={"totp": ["off", "on"] if enabled else ["on", "off"]},
    )
