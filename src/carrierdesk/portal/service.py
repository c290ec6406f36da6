"""What a contact does for itself in the Customer Portal, and the operator's Portal Login."""

from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.orm import Session

from carrierdesk.audit.service import record_change
from carrierdesk.auth import onetime
from carrierdesk.auth.login import may_log_in
from carrierdesk.auth.passwords import check_password_change, check_policy, verify_password
from carrierdesk.auth.principals import Principal
from carrierdesk.auth.service import start_session
from carrierdesk.config import portal_url
from carrierdesk.contacts.schemas import ContactUpdate
from carrierdesk.contacts.service import NewPassword, apply_update, get_contact, set_password
from carrierdesk.errors import Conflict, Forbidden, Invalid, NotAuthenticated, TooManyAttempts
from carrierdesk.models import AuthSession, Contact, User
from carrierdesk.models.base import utcnow
from carrierdesk.notify.service import message_contact
from carrierdesk.portal.schemas import PasswordUpdate, ProfileUpdate


def me(session: Session, principal: Principal) -> Contact:
    if not principal.is_contact or principal.id is None:
        raise Forbidden("The Customer Portal is for customer contacts.")
    return get_contact(session, principal, principal.id)


def _not_impersonating(principal: Principal, what: str) -> None:
    if principal.impersonator:
        raise Forbidden(f"Portal Login cannot change the contact's {what}.")


def update_profile(session: Session, principal: Principal, data: ProfileUpdate) -> Contact:
    contact = me(session, principal)
    change = ContactUpdate.model_validate(data.model_dump())
    return apply_update(session, principal, contact, change)


def change_password(
    session: Session, principal: Principal, data: PasswordUpdate, confirm: str | None = None
) -> None:
    """Old password required; the policy; a confirmation email; every other session ends.
    Every reason for a refusal is named at once (`confirm`: the new password typed again)."""
    _not_impersonating(principal, "password")
    contact = me(session, principal)
    current_ok = verify_password(contact.password_hash, data.current_password)
    check_password_change(
        current_ok, data.current_password, data.new_password, confirm, contact.email
    )
    _set_password(session, principal, contact, data.new_password, keep=principal.session_id)


def request_password_reset(session: Session, email: str, ip: str | None) -> None:
    """Email a one-time link when the address is a contact's; the caller answers the same
    either way, so nobody learns which addresses exist."""
    contact = session.scalar(select(Contact).where(Contact.email_key == email.strip().casefold()))
    if contact is None or not may_log_in(contact):
        return
    try:
        raw = onetime.issue_link(session, "password_reset", contact_id=contact.id)
    except TooManyAttempts:
        return  # a link went out a moment ago: the same answer, and no second email

    link = portal_url(f"reset-password?token={raw}")
    actor = Principal("system", None, f"password reset for {contact.email}", via="portal", ip=ip)
    message_contact(
        session, actor, contact, "contact_reset_link", extra={"link": link}, secrets=[raw]
    )


def reset_link_is_valid(session: Session, raw: str) -> bool:
    return bool(raw) and onetime.link_is_valid(session, "password_reset", raw)


def reset_password(session: Session, raw: str, new_password: str, ip: str | None) -> Contact:
    token = onetime.use_link(session, "password_reset", raw)
    contact = session.get(Contact, token.contact_id)
    if contact is None or not may_log_in(contact):
        raise NotAuthenticated(onetime.EXPIRED)
    actor = Principal(
        "contact", contact.id, contact.email, customer_id=contact.customer_id, via="portal", ip=ip
    )
    _set_password(session, actor, contact, new_password, keep=None)
    return contact


def _set_password(
    session: Session, principal: Principal, contact: Contact, password: str, keep: int | None
) -> None:
    check_policy(password, contact.email, field="new_password")
    set_password(
        session, principal, contact, NewPassword("plain", password), how="by the contact", keep=keep
    )
    message_contact(
        session,
        principal,
        contact,
        "contact_password_changed",
        extra={"when": utcnow().strftime("%Y-%m-%d %H:%M")},
    )


def send_email_verification(session: Session, principal: Principal) -> None:
    contact = me(session, principal)
    if contact.email_verified:
        raise Conflict("Your email address is already verified.")
    raw = onetime.issue_link(session, "email_verify", contact_id=contact.id)
    message_contact(
        session,
        principal,
        contact,
        "contact_verify_email",
        extra={"link": portal_url(f"verify-email?token={raw}")},
        secrets=[raw],
    )


def verify_email(session: Session, raw: str, ip: str | None) -> Contact:
    token = onetime.use_link(session, "email_verify", raw)
    contact = session.get(Contact, token.contact_id)
    if contact is None:
        raise NotAuthenticated(onetime.EXPIRED)
    actor = Principal(
        "contact", contact.id, contact.email, customer_id=contact.customer_id, via="portal", ip=ip
    )
    return _mark_verified(session, actor, contact, "email_verified")


def send_mobile_code(session: Session, principal: Principal) -> None:
    contact = me(session, principal)
    if not contact.mobile:
        raise Invalid.field("mobile", "add your mobile number to your profile first")
    if contact.mobile_verified:
        raise Conflict("Your mobile number is already verified.")
    code = onetime.issue_code(session, "mobile_verify", contact_id=contact.id)
    message_contact(
        session,
        principal,
        contact,
        "contact_mobile_code",
        kind="sms",
        extra={"code": code},
        secrets=[code],
    )


def verify_mobile(session: Session, principal: Principal, code: str) -> Contact:
    contact = me(session, principal)
    onetime.use_code(session, "mobile_verify", contact.id, code)
    return _mark_verified(session, principal, contact, "mobile_verified")


def _mark_verified(session: Session, principal: Principal, contact: Contact, flag: str) -> Contact:
    setattr(contact, flag, True)
    record_change(
        session,
        principal,
        contact,
        "verify",
        f"{contact.email}: {flag.replace('_', ' ')}",
        changes={flag: [False, True]},
    )
    return contact


def portal_login_link(session: Session, principal: Principal, contact_id: int) -> str:
    """Portal Login: a one-time link (60 s) that opens the portal as the contact."""
    contact = get_contact(session, principal, contact_id, "write")
    if principal.kind != "user":
        raise Forbidden("Portal Login is for Control Panel users.")
    raw = onetime.issue_link(session, "portal_login", contact_id=contact.id, user_id=principal.id)
    record_change(
        session,
        principal,
        contact,
        "impersonate",
        f"{principal.name} opened the portal as {contact.email}",
    )
    return portal_url(f"impersonate?token={raw}")


def open_impersonation(session: Session, raw: str, ip: str | None) -> tuple[str, AuthSession]:
    token = onetime.use_link(session, "portal_login", raw)
    contact = session.get(Contact, token.contact_id)
    operator = session.get(User, token.user_id)
    if contact is None or operator is None or not operator.enabled:
        raise NotAuthenticated(onetime.EXPIRED)
    return start_session(session, contact, ip, impersonator=operator)
