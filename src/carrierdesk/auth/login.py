"""Logging in: password, throttling, the refusals of PRODUCT.md §8, and the second factor.

The same rules serve the Control Panel, the Customer Portal and POST /auth/token.
"""

from __future__ import annotations

import asyncio
import ipaddress
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from datetime import timedelta
from typing import Any, Protocol, TypeVar

from sqlalchemy import select
from sqlalchemy.orm import Session

from carrierdesk.audit.service import record
from carrierdesk.auth import throttle, totp
from carrierdesk.auth.passwords import hash_password, needs_rehash, verify_password
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
T = TypeVar("T")


# How the HTTP layer runs a step: `Runner` in one short transaction under a database slot,
# `Hashing` in a thread under the hashing limit (carrierdesk.web.http).
class Runner(Protocol):
    def __call__(self, work: Callable[[Session], T], /) -> Awaitable[T]: ...


class Hashing(Protocol):
    def __call__(self, work: Callable[..., T], /, *args: Any) -> Awaitable[T]: ...


@dataclass(frozen=True)
class Candidate:
    """A person the email may be, with the password hash it had when the attempt began."""

    model: type[User] | type[Contact]
    id: int
    password_hash: str


@dataclass(frozen=True)
class Attempt:
    email: str
    ip: str | None
    via: Via
    failures: int  # the attempt's own count (throttle.reserve)
    candidates: tuple[Candidate, ...]


@dataclass(frozen=True)
class Match:
    candidate: Candidate
    new_hash: str | None  # the same password hashed with today's parameters, when stale


async def log_in(
    run: Runner,
    hashing: Hashing,
    email: str,
    password: str,
    ip: str | None,
    via: Via,
    code: str | None,
    then: Callable[[Session, Person], T],
) -> T:
    """The login of PRODUCT.md §8 in three steps, none of which waits for another while
    anything is open: count the attempt (one short transaction; 429 while throttled), check
    the password (no transaction, under the hashing limit), then finish (one short
    transaction: refusals, the second factor, the audit, and `then`, e.g. a new session).
    Errors: 429, 401 (the same for an unknown email and a wrong password, answered after a
    growing delay), 403 for a refused login, 401 totp_required when the code is missing."""
    attempt = await run(lambda session: begin(session, email, ip, via))
    match = await hashing(matching, attempt, password)
    try:
        return await run(lambda session: then(session, finish(session, attempt, match, code)))
    except LoginFailed as exc:
        await asyncio.sleep(exc.delay_seconds)
        raise


def begin(session: Session, email: str, ip: str | None, via: Via) -> Attempt:
    failures = throttle.reserve(session, email, ip)
    return Attempt(email, ip, via, failures, _candidates(session, email, via))


def matching(attempt: Attempt, password: str) -> Match | None:
    """The candidate whose password this is (no database: the slow part of a login)."""
    if not attempt.candidates:
        verify_password(None, password)  # spend the time a real account would take
    for candidate in attempt.candidates:
        if verify_password(candidate.password_hash, password):
            stale = needs_rehash(candidate.password_hash)
            return Match(candidate, hash_password(password) if stale else None)
    return None


def finish(session: Session, attempt: Attempt, match: Match | None, code: str | None) -> Person:
    email, ip, via = attempt.email, attempt.ip, attempt.via
    person = _locked(session, match.candidate.model, match.candidate.id) if match else None
    if match is None or person is None or person.password_hash != match.candidate.password_hash:
        _fail(session, attempt, "wrong email or password")
    assert match is not None and person is not None
    if match.new_hash:
        person.password_hash = match.new_hash
    _refuse_if_not_allowed(session, attempt, person)
    if person.totp_secret:
        if not code:
            throttle.returned(session, email, ip)
            raise SecondFactorRequired("Enter the code from your authenticator app.", person)
        if not _second_factor_ok(person, code):
            _fail(session, attempt, "wrong two-factor code", BAD_CODE)
    elif via == "api" and must_enrol_totp(session, person):
        throttle.returned(session, email, ip)
        raise LoginRefused(
            "Two-factor authentication is mandatory for admins: enrol in the "
            "Control Panel (Account) first."
        )
    return _succeed(session, person, email, ip, via)


def _candidates(session: Session, email: str, via: Via) -> tuple[Candidate, ...]:
    key = email.strip().casefold()
    models: list[type[User] | type[Contact]] = []
    if via != "portal":  # the Customer Portal is for contacts only
        models.append(User)
    if via != "web":  # the Control Panel is for users only
        models.append(Contact)
    found = []
    for model in models:
        row = session.execute(
            select(model.id, model.password_hash).where(model.email_key == key)
        ).first()
        if row is not None and row.password_hash:
            found.append(Candidate(model, row.id, row.password_hash))
    return tuple(found)


def _locked(session: Session, model: type[User] | type[Contact], person_id: int) -> Person | None:
    """The person, read fresh and locked until the transaction ends: two logins with the
    same one-time code (TOTP step or recovery code) cannot both use it."""
    found = session.get(model, person_id, with_for_update=True, populate_existing=True)
    assert found is None or isinstance(found, User | Contact)
    return found


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
    """The second page of a login: one short transaction (no password hash to wait for)."""
    token = session.scalar(
        select(OneTimeToken)
        .where(OneTimeToken.token_hash == digest(raw), OneTimeToken.purpose == "login_challenge")
        .with_for_update()
    )
    if token is None or token.used_at or token.expires_at <= utcnow():
        raise NotAuthenticated("The login has expired; start again.")
    model: type[User] | type[Contact] = User if token.user_id else Contact
    person = _locked(session, model, token.user_id or token.contact_id or 0)
    if person is None or not person.totp_secret:
        raise NotAuthenticated("The login has expired; start again.")
    attempt = Attempt(person.email, ip, via, throttle.reserve(session, person.email, ip), ())
    _refuse_if_not_allowed(session, attempt, person)
    if not _second_factor_ok(person, code):
        _fail(session, attempt, "wrong two-factor code", BAD_CODE)
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


def _refuse_if_not_allowed(session: Session, attempt: Attempt, person: Person) -> None:
    reason = _refusal(person, attempt.ip)
    if reason:
        throttle.returned(session, attempt.email, attempt.ip)  # the password was right
        who = principal_of(person, attempt.via, attempt.ip)
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


def _fail(session: Session, attempt: Attempt, why: str, message: str = BAD_CREDENTIALS) -> None:
    """Audit the failure (already counted by throttle.reserve) and answer it, late."""
    email, via = attempt.email.strip()[:320], attempt.via
    record(
        session,
        Principal("system", None, email, via=via, ip=attempt.ip),
        "login_failed",
        message=f"Failed login for {email} ({why}, {via})",
    )
    raise LoginFailed(message, delay_seconds=throttle.delay_seconds(attempt.failures))


def _succeed(session: Session, person: Person, email: str, ip: str | None, via: Via) -> Person:
    throttle.cleared(session, email, ip)
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
