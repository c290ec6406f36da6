"""SIP users (PRODUCT.md §4): only the digest hashes a SIP server needs are stored.

HA1 = MD5(username:realm:password) and HA1B = MD5(username@realm:realm:password), with
CARRIERDESK_SIP_REALM. Changing the realm invalidates every stored hash: each SIP user then
needs a password reset (the realm used is kept on each row so that this can be found).
"""

from __future__ import annotations

import hashlib

from sqlalchemy import Select
from sqlalchemy.orm import Session

from carrierdesk.audit.service import record_change, snapshot
from carrierdesk.auth.passwords import generate_password, policy_failures
from carrierdesk.auth.principals import Principal
from carrierdesk.auth.scoping import Access, get_scoped, readable
from carrierdesk.config import get_settings
from carrierdesk.customers.service import get_customer
from carrierdesk.db import page_of
from carrierdesk.errors import FieldError, Invalid
from carrierdesk.models import Extension, SipUser
from carrierdesk.numbering.extensions import claim_extension
from carrierdesk.sipauth.schemas import SipPasswordReset, SipUserCreate, SipUserUpdate

AUDITED = ("username", "realm", "channels", "cps", "protocol", "ip_whitelist", "enabled")
SECRETS = ("ha1", "ha1b")  # masked by the audit log: it shows that they changed, never what


def digest_hashes(username: str, realm: str, password: str) -> tuple[str, str]:
    def md5(text: str) -> str:
        return hashlib.md5(text.encode(), usedforsecurity=False).hexdigest()

    return md5(f"{username}:{realm}:{password}"), md5(f"{username}@{realm}:{realm}:{password}")


def list_sip_users(
    session: Session, principal: Principal, customer_id: int, limit: int = 50, offset: int = 0
) -> tuple[list[SipUser], int]:
    get_customer(session, principal, customer_id)
    stmt: Select[SipUser] = readable(principal, SipUser).where(SipUser.customer_id == customer_id)
    return page_of(session, stmt, SipUser.username, limit=limit, offset=offset)


def get_sip_user(
    session: Session,
    principal: Principal,
    sip_user_id: int,
    access: Access = "read",
    *,
    lock: bool = False,
) -> SipUser:
    """With `lock`, a write waits for a concurrent one and sees a row deleted meanwhile."""
    return get_scoped(session, principal, SipUser, sip_user_id, access, lock=lock)


def create_sip_user(
    session: Session, principal: Principal, customer_id: int, data: SipUserCreate
) -> tuple[SipUser, str | None]:
    """The new SIP user, and the generated password when none was given (shown once)."""
    customer = get_customer(session, principal, customer_id, "write")
    password, generated = _new_password(data.password, data.username)
    extension = claim_extension(session, customer_id, data.username, "sip_user", "username")
    realm = get_settings().sip_realm
    ha1, ha1b = digest_hashes(data.username, realm, password)
    user = SipUser(
        customer_id=customer_id,
        extension_id=extension.id,
        username=data.username,
        ha1=ha1,
        ha1b=ha1b,
        realm=realm,
        **data.model_dump(exclude={"username", "password"}),
    )
    session.add(user)
    session.flush()
    record_change(
        session,
        principal,
        user,
        "create",
        f"SIP user {user.username} created for {customer.name}",
        after=snapshot(user, AUDITED + SECRETS),
    )
    return user, generated


def update_sip_user(
    session: Session, principal: Principal, sip_user_id: int, data: SipUserUpdate
) -> SipUser:
    user = get_sip_user(session, principal, sip_user_id, "write", lock=True)
    changes = data.model_dump(exclude_unset=True)
    for required in ("protocol", "ip_whitelist", "enabled"):
        if required in changes and changes[required] is None:
            raise Invalid.field(required, "cannot be empty")
    before = snapshot(user, AUDITED)
    for key, value in changes.items():
        setattr(user, key, value)
    session.flush()
    record_change(
        session,
        principal,
        user,
        "update",
        f"SIP user {user.username} updated",
        before=before,
        after=snapshot(user, AUDITED),
    )
    return user


def reset_password(
    session: Session, principal: Principal, sip_user_id: int, data: SipPasswordReset
) -> tuple[SipUser, str | None]:
    user = get_sip_user(session, principal, sip_user_id, "write", lock=True)
    password, generated = _new_password(data.password, user.username)
    before = snapshot(user, ("realm", *SECRETS))
    user.realm = get_settings().sip_realm
    user.ha1, user.ha1b = digest_hashes(user.username, user.realm, password)
    session.flush()
    record_change(
        session,
        principal,
        user,
        "password_change",
        f"SIP password of {user.username} changed",
        before=before,
        after=snapshot(user, ("realm", *SECRETS)),
    )
    return user, generated


def delete_sip_user(session: Session, principal: Principal, sip_user_id: int) -> None:
    user = get_sip_user(session, principal, sip_user_id, "write", lock=True)
    before = snapshot(user, AUDITED)
    extension = session.get(Extension, user.extension_id)
    session.delete(user)
    session.flush()
    if extension is not None:
        session.delete(extension)
        session.flush()
    record_change(
        session, principal, user, "delete", f"SIP user {user.username} deleted", before=before
    )


def _new_password(password: str | None, username: str) -> tuple[str, str | None]:
    if password is None or password == "":
        generated = generate_password()
        return generated, generated
    failures = policy_failures(password)
    if username and username.casefold() in password.casefold():
        failures.append("must not be or contain the username")
    if failures:
        raise Invalid(
            "password " + "; ".join(failures), [FieldError("password", f) for f in failures]
        )
    return password, None
