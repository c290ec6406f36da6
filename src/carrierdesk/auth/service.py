"""Logins, sessions (Control Panel cookies and session bearer tokens), API tokens, users."""

from __future__ import annotations

import secrets
from datetime import datetime, timedelta

from sqlalchemy import delete, select
from sqlalchemy.orm import Session

from carrierdesk.audit.service import record
from carrierdesk.auth.passwords import (
    check_policy,
    generate_password,
    hash_password,
    verify_password,
)
from carrierdesk.auth.permissions import ROLES, require_staff
from carrierdesk.auth.principals import Principal, Via
from carrierdesk.auth.tokens import digest, new_secret
from carrierdesk.errors import Conflict, Invalid, LoginFailed
from carrierdesk.models import ApiToken, AuthSession, Contact, User
from carrierdesk.models.base import utcnow
from carrierdesk.settings.service import get_options

SESSION_LIFETIME = timedelta(hours=12)
LAST_SEEN_RESOLUTION = timedelta(seconds=60)
BAD_CREDENTIALS = "Wrong email or password."


def principal_for_user(user: User, via: Via, session_id: int | None = None) -> Principal:
    return Principal("user", user.id, user.email, role=user.role, via=via, session_id=session_id)


def principal_for_contact(contact: Contact, via: Via, session_id: int | None = None) -> Principal:
    return Principal(
        "contact",
        contact.id,
        contact.email,
        customer_id=contact.customer_id,
        via=via,
        session_id=session_id,
    )


def login(session: Session, email: str, password: str, ip: str | None, via: Via) -> User | Contact:
    """The person with this email and password, or 401 (the same answer whatever was wrong)."""
    key = email.strip().casefold()
    user = session.scalar(select(User).where(User.email_key == key))
    if user is not None and user.enabled and verify_password(user.password_hash, password):
        _audit_login(session, principal_for_user(user, via), ip)
        return user
    contact = session.scalar(select(Contact).where(Contact.email_key == key))
    if contact is not None and via != "web" and _contact_may_log_in(contact):
        if verify_password(contact.password_hash, password):
            _audit_login(session, principal_for_contact(contact, via), ip)
            return contact
    elif user is None and contact is None:
        verify_password(None, password)  # spend the same time as for a real account
    failed = Principal("system", None, email[:320], via=via, ip=ip)
    record(
        session,
        failed,
        "login_failed",
        table="users" if user else "contacts",
        message=f"Failed login for {email[:320]}",
    )
    raise LoginFailed(BAD_CREDENTIALS)


def _contact_may_log_in(contact: Contact) -> bool:
    return contact.enabled and contact.customer.status != "inactive"


def _audit_login(session: Session, principal: Principal, ip: str | None) -> None:
    is_contact = principal.is_contact
    record(
        session,
        principal.with_request(ip=ip),
        "login",
        table="contacts" if is_contact else "users",
        record_id=principal.id,
        customer_id=principal.customer_id,
        contact_id=principal.id if is_contact else None,
        message=f"{principal.name} logged in ({principal.via})",
    )


def start_session(session: Session, who: User | Contact, ip: str | None) -> tuple[str, AuthSession]:
    raw = new_secret("cds")
    row = AuthSession(
        token_hash=digest(raw),
        user_id=who.id if isinstance(who, User) else None,
        contact_id=who.id if isinstance(who, Contact) else None,
        csrf_token=secrets.token_urlsafe(32),
        ip=ip,
        expires_at=utcnow() + SESSION_LIFETIME,
    )
    session.add(row)
    session.flush()
    return raw, row


def resolve(session: Session, raw: str, via: Via) -> tuple[Principal, AuthSession | None] | None:
    """The principal behind a session or API token, or None when it is unknown or expired."""
    now = utcnow()
    if raw.startswith("cdt_"):
        token = session.scalar(select(ApiToken).where(ApiToken.token_hash == digest(raw)))
        if token is None or token.revoked_at or (token.expires_at and token.expires_at <= now):
            return None
        if _stale(token.last_used_at, now):
            token.last_used_at = now
        return Principal("token", token.id, f"token:{token.name}", role=token.role, via=via), None
    row = session.scalar(select(AuthSession).where(AuthSession.token_hash == digest(raw)))
    if row is None or row.expires_at <= now or _idle_too_long(session, row, now):
        return None
    principal = _session_principal(session, row, via)
    if principal is None:
        return None
    if _stale(row.last_seen_at, now):
        row.last_seen_at = now
    return principal, row


def _session_principal(session: Session, row: AuthSession, via: Via) -> Principal | None:
    if row.user_id is not None:
        user = session.get(User, row.user_id)
        return principal_for_user(user, via, row.id) if user and user.enabled else None
    contact = session.get(Contact, row.contact_id)
    if contact is None or not _contact_may_log_in(contact):
        return None
    return principal_for_contact(contact, via, row.id)


def _idle_too_long(session: Session, row: AuthSession, now: datetime) -> bool:
    return now - row.last_seen_at > timedelta(minutes=get_options(session).auto_logout_minutes)


def _stale(seen: datetime | None, now: datetime) -> bool:
    return seen is None or now - seen > LAST_SEEN_RESOLUTION


def logout(session: Session, principal: Principal) -> None:
    if principal.session_id is not None:
        session.execute(delete(AuthSession).where(AuthSession.id == principal.session_id))
        record(session, principal, "logout", message=f"{principal.name} logged out")


def end_contact_sessions(session: Session, contact_id: int) -> int:
    result = session.execute(delete(AuthSession).where(AuthSession.contact_id == contact_id))
    return int(getattr(result, "rowcount", 0) or 0)


def create_user(
    session: Session, principal: Principal, email: str, role: str, password: str | None
) -> tuple[User, str]:
    """A Control Panel user; returns the password (generated when none is given)."""
    require_staff(principal, "admin")
    if role not in ROLES:
        raise Invalid.field("role", f"must be one of {', '.join(ROLES)}")
    if password is None:
        password = generate_password()
    check_policy(password, email)
    key = email.strip().casefold()
    if session.scalar(select(User.id).where(User.email_key == key)) is not None:
        raise Conflict(f"A user with the email {email} already exists.")
    user = User(
        email=email.strip(), email_key=key, role=role, password_hash=hash_password(password)
    )
    session.add(user)
    session.flush()
    record(
        session,
        principal,
        "create",
        table="users",
        record_id=user.id,
        message=f"User {email} created ({role})",
        after={"email": email, "role": role},
    )
    return user, password


def create_api_token(
    session: Session,
    principal: Principal,
    name: str,
    role: str,
    expires_at: datetime | None = None,
) -> tuple[ApiToken, str]:
    require_staff(principal, "admin")
    if role not in ROLES:
        raise Invalid.field("role", f"must be one of {', '.join(ROLES)}")
    if not name.strip():
        raise Invalid.field("name", "is required")
    raw = new_secret("cdt")
    token = ApiToken(name=name.strip(), role=role, token_hash=digest(raw), expires_at=expires_at)
    session.add(token)
    session.flush()
    record(
        session,
        principal,
        "create",
        table="api_tokens",
        record_id=token.id,
        message=f"API token '{name}' created ({role})",
        after={"name": name, "role": role},
    )
    return token, raw
