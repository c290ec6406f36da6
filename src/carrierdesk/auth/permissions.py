"""Authorization, in one place. Every service asks here before it reads or writes.

Roles: viewer reads; operator also writes customers, contacts, numbering and billing; admin
also changes settings, users and tokens. A contact reads its own customer only; another
customer's records are 404 to it, exactly as if they did not exist.
"""

from __future__ import annotations

from typing import Any, Literal, TypeVar

from sqlalchemy import Select
from sqlalchemy.orm import InstrumentedAttribute

from carrierdesk.auth.principals import Principal
from carrierdesk.errors import Forbidden, NotFound

Need = Literal["read", "write", "admin"]
ROLES = ("admin", "operator", "viewer")
_GRANTS: dict[str, set[str]] = {
    "viewer": {"read"},
    "operator": {"read", "write"},
    "admin": {"read", "write", "admin"},
}

S = TypeVar("S", bound=Select[Any])
# What a contact is told of another customer's id (and, for now, of some of its records).
CUSTOMER_NOT_FOUND = "Customer not found."


def require_staff(principal: Principal, need: Need) -> None:
    """Account-wide screens and writes: operators, admins, viewers (for reads); never contacts."""
    if principal.is_contact:
        raise Forbidden("This is not available to customer contacts.")
    if need not in _GRANTS.get(principal.role or "", set()):
        raise Forbidden(f"Your role ({principal.role}) may not {_verb(need)}.")


def require_customer(principal: Principal, customer_id: int, need: Need) -> None:
    """Records of one customer: staff by role; a contact may read its own customer only."""
    if principal.is_contact:
        if principal.customer_id != customer_id:
            raise NotFound(CUSTOMER_NOT_FOUND)
        if need != "read":
            raise Forbidden("Customer contacts have read-only access here.")
        return
    require_staff(principal, need)


def scope_to_customer(stmt: S, principal: Principal, column: InstrumentedAttribute[int]) -> S:
    """The scoping helper: a contact's queries only ever see its own customer's rows."""
    if principal.is_contact:
        return stmt.where(column == principal.customer_id)
    return stmt


def _verb(need: Need) -> str:
    return {"read": "read this", "write": "make changes", "admin": "change settings"}[need]
