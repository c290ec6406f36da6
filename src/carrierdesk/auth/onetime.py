"""Single-use secrets: links (password reset, email verification, Portal Login) and SMS codes.
Only their SHA-256 is stored; each is valid for a while, once."""

from __future__ import annotations

import secrets
from datetime import timedelta
from typing import Any

from sqlalchemy import select, update
from sqlalchemy.orm import Session

from carrierdesk.auth.tokens import digest, new_secret
from carrierdesk.errors import FieldError, Invalid, NotAuthenticated, TooManyAttempts
from carrierdesk.models import OneTimeToken
from carrierdesk.models.base import utcnow

LIFETIMES = {
    "password_reset": timedelta(minutes=30),
    "email_verify": timedelta(hours=24),
    "mobile_verify": timedelta(minutes=10),
    "portal_login": timedelta(seconds=60),
}
# Links and codes sent by email or SMS: at most one a minute per person, so nobody can flood
# an inbox or a phone through the portal's "send" buttons.
RESEND_AFTER = {
    "password_reset": timedelta(seconds=60),
    "email_verify": timedelta(seconds=60),
    "mobile_verify": timedelta(seconds=60),
}
MAX_CODE_TRIES = 5
EXPIRED = "This link has expired or was already used."


def issue_link(
    session: Session,
    purpose: str,
    *,
    contact_id: int | None = None,
    user_id: int | None = None,
    data: dict[str, Any] | None = None,
) -> str:
    """A new link secret; earlier unused ones of the same purpose and person stop working."""
    _not_too_soon(session, purpose, contact_id)
    _retire(session, purpose, contact_id, user_id)
    raw = new_secret("cdl")
    _store(session, purpose, digest(raw), contact_id, user_id, data)
    return raw


def issue_code(session: Session, purpose: str, *, contact_id: int) -> str:
    """A 6-digit code (for SMS); stored hashed together with its token id."""
    _not_too_soon(session, purpose, contact_id)
    _retire(session, purpose, contact_id, None)
    code = f"{secrets.randbelow(1_000_000):06d}"
    token = _store(session, purpose, "", contact_id, None, None)
    token.token_hash = digest(f"{token.id}:{code}")
    return code


def use_link(session: Session, purpose: str, raw: str) -> OneTimeToken:
    """The token behind a link, marked used; 401 when unknown, expired or already used."""
    token = session.scalar(
        select(OneTimeToken)
        .where(OneTimeToken.token_hash == digest(raw), OneTimeToken.purpose == purpose)
        .with_for_update()
    )
    if token is None or token.used_at is not None or token.expires_at <= utcnow():
        raise NotAuthenticated(EXPIRED)
    token.used_at = utcnow()
    return token


def link_is_valid(session: Session, purpose: str, raw: str) -> bool:
    """Whether a link would still work (known, unused, unexpired), without using it: the page
    a link opens says at once when it no longer does, before anything is typed into it."""
    token = session.scalar(
        select(OneTimeToken).where(
            OneTimeToken.token_hash == digest(raw), OneTimeToken.purpose == purpose
        )
    )
    return token is not None and token.used_at is None and token.expires_at > utcnow()


def use_code(session: Session, purpose: str, contact_id: int, code: str) -> OneTimeToken:
    """Check a typed code against the contact's latest one (at most MAX_CODE_TRIES tries)."""
    token = session.scalar(
        select(OneTimeToken)
        .where(
            OneTimeToken.purpose == purpose,
            OneTimeToken.contact_id == contact_id,
            OneTimeToken.used_at.is_(None),
        )
        .order_by(OneTimeToken.id.desc())
        .with_for_update()
    )
    if token is None or token.expires_at <= utcnow():
        raise Invalid.field("code", "has expired; ask for a new code")
    if token.attempts >= MAX_CODE_TRIES:
        raise TooManyAttempts("Too many wrong codes; ask for a new code.", retry_after=1)
    if not secrets.compare_digest(token.token_hash, digest(f"{token.id}:{code.strip()}")):
        token.attempts += 1
        left = MAX_CODE_TRIES - token.attempts
        raise WrongCode(f"is wrong ({left} tries left)" if left else "is wrong; ask for a new code")
    token.used_at = utcnow()
    return token


class WrongCode(Invalid):
    """A wrong code counts as a try: the count is kept although the answer is an error."""

    keep_changes = True

    def __init__(self, message: str):
        super().__init__(f"code: {message}", [FieldError("code", message)])


def _store(
    session: Session,
    purpose: str,
    token_hash: str,
    contact_id: int | None,
    user_id: int | None,
    data: dict[str, Any] | None,
) -> OneTimeToken:
    token = OneTimeToken(
        purpose=purpose,
        token_hash=token_hash,
        contact_id=contact_id,
        user_id=user_id,
        data=data or {},
        expires_at=utcnow() + LIFETIMES[purpose],
    )
    session.add(token)
    session.flush()
    return token


def _not_too_soon(session: Session, purpose: str, contact_id: int | None) -> None:
    wait = RESEND_AFTER.get(purpose)
    if wait is None or contact_id is None:
        return
    since = utcnow() - wait
    last = session.scalar(
        select(OneTimeToken.created_at)
        .where(
            OneTimeToken.purpose == purpose,
            OneTimeToken.contact_id == contact_id,
            OneTimeToken.created_at > since,
        )
        .order_by(OneTimeToken.created_at.desc())
        .limit(1)
    )
    if last is not None:
        retry = max(1, int((last + wait - utcnow()).total_seconds()) + 1)
        raise TooManyAttempts(
            f"A message was sent less than a minute ago; wait {retry} s before asking again.",
            retry_after=retry,
        )


def _retire(session: Session, purpose: str, contact_id: int | None, user_id: int | None) -> None:
    if contact_id is None and user_id is None:
        return
    stmt = update(OneTimeToken).where(
        OneTimeToken.purpose == purpose, OneTimeToken.used_at.is_(None)
    )
    stmt = (
        stmt.where(OneTimeToken.contact_id == contact_id)
        if contact_id is not None
        else stmt.where(OneTimeToken.user_id == user_id)
    )
    session.execute(stmt.values(used_at=utcnow()))
