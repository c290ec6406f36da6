"""Control Panel users: roles, enabling, and their own password."""

from __future__ import annotations

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from carrierdesk.audit.service import record
from carrierdesk.auth.passwords import check_policy, hash_password, verify_password
from carrierdesk.auth.permissions import ROLES, require_staff
from carrierdesk.auth.principals import Principal
from carrierdesk.auth.service import end_sessions
from carrierdesk.errors import Conflict, Forbidden, Invalid, NotFound
from carrierdesk.models import User


def list_users(session: Session, principal: Principal) -> list[User]:
    require_staff(principal, "admin")
    return list(session.scalars(select(User).order_by(func.lower(User.email))))


def update_user(
    session: Session,
    principal: Principal,
    user_id: int,
    *,
    role: str | None = None,
    enabled: bool | None = None,
) -> User:
    require_staff(principal, "admin")
    user = session.get(User, user_id)
    if user is None:
        raise NotFound(f"User {user_id} not found.")
    if role is not None and role not in ROLES:
        raise Invalid.field("role", f"must be one of {', '.join(ROLES)}")
    if (
        user.id == principal.id
        and principal.kind == "user"
        and (enabled is False or (role is not None and role != "admin"))
    ):
        raise Conflict("You cannot disable yourself or take away your own admin role.")
    before = {"role": user.role, "enabled": user.enabled}
    if role is not None:
        user.role = role
    if enabled is not None:
        user.enabled = enabled
        if not enabled:
            end_sessions(session, user)
    record(
        session,
        principal,
        "update",
        table="users",
        record_id=user.id,
        message=f"User {user.email} updated",
        before=before,
        after={"role": user.role, "enabled": user.enabled},
    )
    return user


def change_own_password(session: Session, principal: Principal, current: str, new: str) -> None:
    """The old password is required; every other session of the user ends."""
    if principal.kind != "user":
        raise Forbidden("Only Control Panel users have a password here.")
    user = session.get(User, principal.id)
    if user is None:
        raise NotFound("User not found.")
    if not verify_password(user.password_hash, current):
        raise Invalid.field("current_password", "is not your current password")
    if new == current:
        raise Invalid.field("new_password", "must differ from the current password")
    check_policy(new, user.email, field="new_password")
    user.password_hash = hash_password(new)
    ended = end_sessions(session, user, keep=principal.session_id)
    record(
        session,
        principal,
        "password_change",
        table="users",
        record_id=user.id,
        message=f"{user.email} changed their password; {ended} other session(s) ended",
        changes={"password": ["••••••", "••••••"]},
    )
