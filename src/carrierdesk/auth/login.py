"""Logging in: password, throttling, the refusals of PRODUCT.md §8, and the second factor.

The same rules serve the Control Panel, the Customer Portal and POST /auth/token.
"""

from __future__ import annotations

import ipaddress
from datetime import timedelta

from sqlalchemy import select
from sqlalchemy.orm import Session

from carrierdesk.audit.service import record
from carrierdesk.auth import throttle, totp
from carrierdesk.auth.passwords import verify_password
from carrierdesk.auth.principals import Principal, Via
from carrierdesk.auth.tokens import digest, new_secret
from carrierdesk.errors import LoginFailed, LoginRefused, NotAuthenticated, SecondFactorRequired
from carrierdesk.models import Contact, OneTimeToken, User
from carrierdesk.models.base import utcnow
from carrierdesk.settings.service import get_options

BAD_CREDENTIALS = "Wrong email or password."
BAD_CODE = "Wrong or expired two-factor code."
CHALLENGE_LIFETIME = timedelta(minutes=5)
Person = User | Contact


def login(
    session: Session, email: str, password: str, ip: str | None, via: Via, code: str | None = None
) -> Person:
    """The person with these credentials, or an error: 429 while throttled, 401 (the same
    answer for an unknown email and a wrong password), 403 for a refused login, 401
    totp_required when the second factor is missing."""
    throttle.check(session, email, ip)
    person = _with_password(session, email, password, via)
    if person is None:
        _fail(session, email, ip, via, "wrong email or password")
    assert person is not None
    _refuse_if_not_allowed(session, person, ip, via)
    if person.totp_secret:
        if not code:
            raise SecondFactorRequired("Enter the code from your authenticator app.", person)
        if not _second_factor_ok(person, code):
            _fail(session, email, ip, via, "wrong two-factor code")
    elif via == "api" and must_enrol_totp(session, person):
        raise LoginRefused(
            "Two-factor authentication is mandatory for admins: enrol in the "
            "Control Panel (Account) first."
        )
    return _succeed(session, person, email, ip, via)


def start_challenge(session: Session, person: Person) -> str:
    """A short-lived token standing for "password checked", for the second page of a login."""
    raw = new_secret("cdc")
    session.add(
        OneTimeToken(
            purpose="login_challenge",
            token_hash=digest(raw),
            expires_at=utcnow() + CHALLENGE_LIFETIME,
            user_id=person.id if isinstance(person, User) else None,
            contact_id=person.id if isinstance(person, Contact) else None,
        )
    )
    session.flush()
    return raw


def finish_challenge(session: Session, raw: str, code: str, ip: str | None, via: Via) -> Person:
    token = session.scalar(
        select(OneTimeToken).where(
            OneTimeToken.token_hash == digest(raw), OneTimeToken.purpose == "login_challenge"
        )
    )
    if token is None or token.used_at or token.expires_at <= utcnow():
        raise NotAuthenticated("The login has expired; start again.")
    person: Person | None = (
        session.get(User, token.user_id)
        if token.user_id
        else session.get(Contact, token.contact_id)
    )
    if person is None or not person.totp_secret:
        raise NotAuthenticated("The login has expired; start again.")
    throttle.check(session, person.email, ip)
    _refuse_if_not_allowed(session, person, ip, via)
    if not _second_factor_ok(person, code):
        _fail(session, person.email, ip, via, "wrong two-factor code", BAD_CODE)
    token.used_at = utcnow()
    return _succeed(session, person, person.email, ip, via)


def principal_of(person: Person, via: Via, ip: str | None = None) -> Principal:
    if isinstance(person, User):
        return Principal("user", person.id, person.email, role=person.role, via=via, ip=ip)
    return Principal(
        "contact", person.id, person.email, customer_id=person.customer_id, via=via, ip=ip
    )


def must_enrol_totp(session: Session, person: Person) -> bool:
    """Admins must have TOTP when Settings › Options says so."""
    return (
        isinstance(person, User)
        and person.role == "admin"
        and not person.totp_secret
        and get_options(session).totp_required_for_admins
    )


def may_log_in(person: Person) -> bool:
    """Still allowed in (sessions end when a person is disabled or the customer inactive)."""
    if isinstance(person, User):
        return person.enabled
    return person.enabled and person.customer.status != "inactive"


def ip_allowed(contact: Contact, ip: str | None) -> bool:
    if not contact.ip_whitelist:
        return True
    if ip is None:
        return False
    try:
        address = ipaddress.ip_address(ip)
    except ValueError:
        return False
    return any(address in ipaddress.ip_network(net, strict=False) for net in contact.ip_whitelist)


def _with_password(session: Session, email: str, password: str, via: Via) -> Person | None:
    key = email.strip().casefold()
    candidates: list[Person | None] = []
    if via != "portal":  # the Customer Portal is for contacts only
        candidates.append(session.scalar(select(User).where(User.email_key == key)))
    if via != "web":  # the Control Panel is for users only
        candidates.append(session.scalar(select(Contact).where(Contact.email_key == key)))
    people = [p for p in candidates if p is not None]
    if not people:
        verify_password(None, password)  # spend the time a real account would take
    return next((p for p in people if verify_password(p.password_hash, password)), None)


def _refuse_if_not_allowed(session: Session, person: Person, ip: str | None, via: Via) -> None:
    reason = _refusal(person, ip)
    if reason:
        who = principal_of(person, via, ip)
        record(
            session,
            who,
            "login_refused",
            table=_table(person),
            record_id=person.id,
            customer_id=who.customer_id,
            contact_id=who.id if who.is_contact else None,
            message=f"Login refused for {person.email}: {reason}",
        )
        raise LoginRefused(reason)


def _refusal(person: Person, ip: str | None) -> str | None:
    if not person.enabled:
        return "This login is disabled. Ask your account manager to enable it."
    if isinstance(person, Contact):
        if person.customer.status == "inactive":
            return "Your company's account is inactive. Please contact us."
        if not ip_allowed(person, ip):
            return f"Logins to this account are not allowed from your address ({ip})."
    return None


def _second_factor_ok(person: Person, code: str) -> bool:
    assert person.totp_secret
    step = totp.matching_step(person.totp_secret, code, person.totp_last_step)
    if step is not None:
        person.totp_last_step = step
        return True
    remaining = totp.use_recovery_code(list(person.recovery_codes or []), code)
    if remaining is not None:
        person.recovery_codes = remaining
        return True
    return False


def _fail(
    session: Session, email: str, ip: str | None, via: Via, why: str, message: str = BAD_CREDENTIALS
) -> None:
    delay = throttle.record_failure(session, email, ip)
    record(
        session,
        Principal("system", None, email.strip()[:320], via=via, ip=ip),
        "login_failed",
        message=f"Failed login for {email.strip()[:320]} ({why}, {via})",
    )
    raise LoginFailed(message, delay_seconds=delay)


def _succeed(session: Session, person: Person, email: str, ip: str | None, via: Via) -> Person:
    throttle.record_success(session, email)
    who = principal_of(person, via, ip)
    record(
        session,
        who,
        "login",
        table=_table(person),
        record_id=person.id,
        customer_id=who.customer_id,
        contact_id=who.id if who.is_contact else None,
        message=f"{person.email} logged in ({via})",
    )
    return person


def _table(person: Person) -> str:
    return "users" if isinstance(person, User) else "contacts"
