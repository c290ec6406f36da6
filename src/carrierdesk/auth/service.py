"""Sessions (Control Panel and portal cookies, session bearer tokens), API tokens, users."""

from __future__ import annotations

import secrets
from dataclasses import replace
from datetime import datetime, timedelta
from functools import partial

from sqlalchemy import delete, func, or_, select, update
from sqlalchemy.orm import InstrumentedAttribute, Session

from carrierdesk.audit.service import record, record_change
from carrierdesk.auth.login import may_log_in, principal_of
from carrierdesk.auth.passwords import check_policy, generate_password, hash_password
from carrierdesk.auth.permissions import ROLES, TOKEN_ROLES, require_staff
from carrierdesk.auth.principals import Principal, Via
from carrierdesk.auth.tokens import digest, new_secret
from carrierdesk.db import AFTER_COMMIT, is_postgres
from carrierdesk.errors import Conflict, Invalid, NotFound
from carrierdesk.models import ApiToken, AuthSession, Contact, User
from carrierdesk.models.base import utcnow
from carrierdesk.settings.service import get_options
from carrierdesk.validation import check_email

SESSION_LIFETIME = timedelta(hours=12)
IMPERSONATION_LIFETIME = timedelta(minutes=30)
LAST_SEEN_RESOLUTION = timedelta(seconds=60)


def start_session(
    session: Session,
    who: User | Contact,
    ip: str | None,
    *,
    replaces: str | None = None,
    impersonator: User | None = None,
) -> tuple[str, AuthSession]:
    """A new session id at every login (the old one, if any, ends: no session fixation)."""
    if replaces:
        session.execute(delete(AuthSession).where(AuthSession.token_hash == digest(replaces)))
    raw = new_secret("cds")
    row = AuthSession(
        token_hash=digest(raw),
        user_id=who.id if isinstance(who, User) else None,
        contact_id=who.id if isinstance(who, Contact) else None,
        impersonator_id=impersonator.id if impersonator else None,
        csrf_token=secrets.token_urlsafe(32),
        ip=ip,
        expires_at=utcnow() + (IMPERSONATION_LIFETIME if impersonator else SESSION_LIFETIME),
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
            _touch_later(session, ApiToken.last_used_at, token.id, token.token_hash, now)
        return Principal("token", token.id, f"token:{token.name}", role=token.role, via=via), None
    row = session.scalar(select(AuthSession).where(AuthSession.token_hash == digest(raw)))
    if row is None or row.expires_at <= now or _idle_too_long(session, row, now):
        return None
    principal = _session_principal(session, row, via)
    if principal is None:
        return None
    if _stale(row.last_seen_at, now):
        _touch_later(session, AuthSession.last_seen_at, row.id, row.token_hash, now)
    return principal, row


def _session_principal(session: Session, row: AuthSession, via: Via) -> Principal | None:
    person: User | Contact | None = (
        session.get(User, row.user_id) if row.user_id else session.get(Contact, row.contact_id)
    )
    if person is None or not may_log_in(person):
        return None
    principal = principal_of(person, via)
    if row.impersonator_id is not None:
        operator = session.get(User, row.impersonator_id)
        if operator is None or not operator.enabled:
            return None
        principal = principal.impersonated(operator.email)
    return _with_session(principal, row.id)


def _with_session(principal: Principal, session_id: int) -> Principal:
    return replace(principal, session_id=session_id)


def _idle_too_long(session: Session, row: AuthSession, now: datetime) -> bool:
    return now - row.last_seen_at > timedelta(minutes=get_options(session).auto_logout_minutes)


def _stale(seen: datetime | None, now: datetime) -> bool:
    return seen is None or now - seen > LAST_SEEN_RESOLUTION


# What this process has stamped lately: a token used by a hundred requests at once is
# stamped by one of them, after its transaction, and not again for a minute.
_stamped: dict[str, datetime] = {}  # by token hash


def _touch_later(
    session: Session,
    column: InstrumentedAttribute[datetime | None],
    row_id: int,
    key: str,
    now: datetime,
) -> None:
    """Stamp `column` (a last use) after the request's own transaction, in one of its own:
    reads stay reads, and nobody queues behind a row lock for it."""
    last = _stamped.get(key)
    if last is not None and now - last <= LAST_SEEN_RESOLUTION:
        return
    if len(_stamped) > 10_000:
        _stamped.clear()
    _stamped[key] = now
    session.info.setdefault(AFTER_COMMIT, []).append(partial(_stamp, column, row_id, now))


def _stamp(
    column: InstrumentedAttribute[datetime | None], row_id: int, now: datetime, session: Session
) -> None:
    model = column.class_
    stale = select(model.id).where(
        model.id == row_id, or_(column.is_(None), column < now - LAST_SEEN_RESOLUTION)
    )
    if is_postgres(session):
        stale = stale.with_for_update(skip_locked=True)  # another request is stamping it
    session.execute(update(model).where(model.id.in_(stale)).values({column: now}))


def logout(session: Session, principal: Principal) -> None:
    if principal.session_id is not None:
        session.execute(delete(AuthSession).where(AuthSession.id == principal.session_id))
        record(session, principal, "logout", message=f"{principal.name} logged out")


def end_sessions(session: Session, who: User | Contact, keep: int | None = None) -> int:
    """End every session of a person (but `keep`, the one making the change); returns how many."""
    column = AuthSession.user_id if isinstance(who, User) else AuthSession.contact_id
    stmt = delete(AuthSession).where(column == who.id)
    if keep is not None:
        stmt = stmt.where(AuthSession.id != keep)
    return int(getattr(session.execute(stmt), "rowcount", 0) or 0)


def create_user(
    session: Session, principal: Principal, email: str, role: str, password: str | None
) -> tuple[User, str]:
    """A Control Panel user; returns the password (generated when none is given)."""
    require_staff(principal, "admin")
    if role not in ROLES:
        raise Invalid.field("role", f"must be one of {', '.join(ROLES)}")
    try:
        email = check_email(email)
    except ValueError as exc:
        raise Invalid.field("email", str(exc)) from None
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
    record_change(
        session,
        principal,
        user,
        "create",
        f"User {email} created ({role})",
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
    if role not in TOKEN_ROLES:
        raise Invalid.field("role", f"must be one of {', '.join(TOKEN_ROLES)}")
    if not name.strip() or len(name) > 200:
        raise Invalid.field("name", "is required (at most 200 characters)")
    if expires_at is not None and expires_at <= utcnow():
        raise Invalid.field("expires_at", "must be in the future")
    raw = new_secret("cdt")
    token = ApiToken(name=name.strip(), role=role, token_hash=digest(raw), expires_at=expires_at)
    session.add(token)
    session.flush()
    record_change(
        session,
        principal,
        token,
        "create",
        f"API token '{token.name}' created ({role})",
        after={"name": token.name, "role": role, "expires_at": expires_at},
    )
    return token, raw


def list_api_tokens(session: Session, principal: Principal) -> list[ApiToken]:
    require_staff(principal, "admin")
    return list(
        session.scalars(
            select(ApiToken).order_by(ApiToken.revoked_at.is_not(None), func.lower(ApiToken.name))
        )
    )


def revoke_api_token(session: Session, principal: Principal, token_id: int) -> ApiToken:
    require_staff(principal, "admin")
    token = session.get(ApiToken, token_id)
    if token is None:
        raise NotFound(f"API token {token_id} not found.")
    if token.revoked_at is None:
        token.revoked_at = utcnow()
        record_change(session, principal, token, "revoke", f"API token '{token.name}' revoked")
    return token
