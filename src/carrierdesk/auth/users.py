"""Control Panel users: roles, enabling and disabling, a new password set by an admin,
deleting, and the user's own password. There is always an enabled admin left."""

from __future__ import annotations

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from carrierdesk.audit.service import record, record_change
from carrierdesk.auth.passwords import (
    check_password_change,
    generate_password,
    hash_password,
    verify_password,
)
from carrierdesk.auth.permissions import ROLES, require_staff
from carrierdesk.auth.principals import Principal
from carrierdesk.auth.service import end_sessions
from carrierdesk.errors import Conflict, Forbidden, Invalid, NotFound
from carrierdesk.models import User

MASKED = ["••••••", "••••••"]


def list_users(session: Session, principal: Principal) -> list[User]:
    require_staff(principal, "admin")
    return list(session.scalars(select(User).order_by(func.lower(User.email))))


def get_user(session: Session, principal: Principal, user_id: int) -> User:
    require_staff(principal, "admin")
    user = session.get(User, user_id)
    if user is None:
        raise NotFound(f"User {user_id} not found.")
    return user


def update_user(
    session: Session,
    principal: Principal,
    user_id: int,
    *,
    role: str | None = None,
    enabled: bool | None = None,
) -> User:
    """A new role, or disabled (every session of theirs ends) or enabled again."""
    require_staff(principal, "admin")
    if role is not None and role not in ROLES:
        raise Invalid.field("role", f"must be one of {', '.join(ROLES)}")
    user = _admin_target(session, principal, user_id)
    stays_admin = (role or user.role) == "admin" and (user.enabled if enabled is None else enabled)
    if _is_self(principal, user) and not stays_admin:
        raise Conflict("You cannot disable yourself or take away your own admin role.")
    if not stays_admin:
        _not_the_last_admin(session, user, "disabled" if enabled is False else "made a non-admin")
    before = {"role": user.role, "enabled": user.enabled}
    if role is not None:
        user.role = role
    if enabled is not None:
        user.enabled = enabled
        if not enabled:
            end_sessions(session, user)
    action = "update"
    if role is None and enabled is not None:
        action = "enable" if enabled else "disable"
    record(
        session,
        principal,
        action,
        table="users",
        record_id=user.id,
        message=f"User {user.email} {_done(action)}",
        before=before,
        after={"role": user.role, "enabled": user.enabled},
    )
    return user


def reset_password(session: Session, principal: Principal, user_id: int) -> tuple[User, str]:
    """A new generated password for another user, shown once to the admin (as when a user is
    created); every session of that user ends. One's own password is changed under My account,
    with the current one."""
    require_staff(principal, "admin")
    user = _admin_target(session, principal, user_id)
    if _is_self(principal, user):
        raise Conflict("Change your own password under My account (it asks for the current one).")
    password = generate_password()
    user.password_hash = hash_password(password)
    ended = end_sessions(session, user)
    record(
        session,
        principal,
        "password_reset",
        table="users",
        record_id=user.id,
        message=f"{principal.name} set a new password for {user.email}; {ended} session(s) ended",
        changes={"password": MASKED},
    )
    return user, password


def delete_user(session: Session, principal: Principal, user_id: int) -> User:
    """Delete a user (their sessions go with them); the audit log keeps their name."""
    require_staff(principal, "admin")
    user = _admin_target(session, principal, user_id)
    if _is_self(principal, user):
        raise Conflict("You cannot delete yourself.")
    _not_the_last_admin(session, user, "deleted")
    end_sessions(session, user)
    record_change(
        session,
        principal,
        user,
        "delete",
        f"User {user.email} deleted",
        before={"email": user.email, "role": user.role, "enabled": user.enabled},
    )
    session.delete(user)
    session.flush()
    return user


def change_own_password(
    session: Session, principal: Principal, current: str, new: str, confirm: str | None = None
) -> None:
    """The old password is required; every other session of the user ends."""
    if principal.kind != "user":
        raise Forbidden("Only Control Panel users have a password here.")
    user = session.get(User, principal.id)
    if user is None:
        raise NotFound("User not found.")
    current_ok = verify_password(user.password_hash, current)
    check_password_change(current_ok, current, new, confirm, user.email)
    user.password_hash = hash_password(new)
    ended = end_sessions(session, user, keep=principal.session_id)
    record(
        session,
        principal,
        "password_change",
        table="users",
        record_id=user.id,
        message=f"{user.email} changed their password; {ended} other session(s) ended",
        changes={"password": MASKED},
    )


def _admin_target(session: Session, principal: Principal, user_id: int) -> User:
    """The user an admin acts on, read fresh and locked after the enabled admins are (so two
    admins disabling each other at once take turns, and the second sees the first's change)."""
    _lock_enabled_admins(session)
    user = session.get(User, user_id, with_for_update=True, populate_existing=True)
    if user is None:
        raise NotFound(f"User {user_id} not found.")
    return user


def _lock_enabled_admins(session: Session) -> list[int]:
    """The ids of the enabled admins, locked until the transaction ends, always in the same
    order (no deadlock between two admins). On PostgreSQL a transaction that waited here reads
    the rows again as committed meanwhile; SQLite has one writer at a time anyway."""
    return list(
        session.scalars(
            select(User.id)
            .where(User.role == "admin", User.enabled.is_(True))
            .order_by(User.id)
            .with_for_update()
        )
    )


def _not_the_last_admin(session: Session, user: User, what: str) -> None:
    if user.role != "admin" or not user.enabled:
        return
    if _lock_enabled_admins(session) == [user.id]:
        raise Conflict(
            f"{user.email} is the last enabled admin and cannot be {what}: "
            "make another user an admin first."
        )


def _is_self(principal: Principal, user: User) -> bool:
    return principal.kind == "user" and principal.id == user.id


def _done(action: str) -> str:
    return {"disable": "disabled", "enable": "enabled"}.get(action, "updated")
