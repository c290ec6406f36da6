"""Authorization, in one place. Every service asks here before it reads or writes.

Roles: viewer reads; operator also writes customers, contacts, numbering and billing; admin
also changes settings, users and tokens. A contact reads its own customer only; another
customer's records are 404 to it, exactly as if they did not exist. `switch` is a role of API
tokens only (a SIP server's): it has no grants, so everything above refuses it, and it is the
only role `require_switch` lets through.
"""

from __future__ import annotations

from typing import Any, Literal, TypeVar

from sqlalchemy import Select
from sqlalchemy.orm import InstrumentedAttribute

from carrierdesk.auth.principals import Principal
from carrierdesk.errors import Forbidden, NotFound

Need = Literal["read", "write", "admin"]
ROLES = ("admin", "operator", "viewer")  # Control Panel users'
SWITCH = "switch"
TOKEN_ROLES = (*ROLES, SWITCH)  # API tokens'
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
    if principal.role == SWITCH:
        raise Forbidden(
            "A switch token may call the switch endpoints (/api/v1/switch/…) only: use a "
            "token of role viewer, operator or admin here."
        )
    if need not in _GRANTS.get(principal.role or "", set()):
        raise Forbidden(f"Your role ({principal.role}) may not {_verb(need)}.")


def require_switch(principal: Principal) -> None:
    """The switch endpoints (what a SIP server asks on every REGISTER): an API token of role
    switch only. Nobody else, admins included: a person's token has no business there, and a
    switch token's reach stays one thing."""
    if principal.kind != "token" or principal.role != SWITCH:
        raise Forbidden(
            "Only an API token of role switch may call this (Settings › API tokens, role "
            "switch); users' sessions and tokens of other roles may not."
        )


def cdr_writer(principal: Principal) -> Principal:
    """Who stores the CDRs of POST /cdrs (every format). A switch token may post CDRs, its one
    right besides the switch endpoints: a switch reports its own calls (FreeSWITCH's
    mod_json_cdr); it still reads nothing. CDR ingest (cdrs/service.py) asks require_staff
    "write", so a switch token's CDRs are stored by the system on its behalf, as the worker
    stores Kamailio's, under the token's name. Anyone else is answered as themselves: the
    ingest decides their right."""
    if principal.kind == "token" and principal.role == SWITCH:
        return Principal(
            "system", None, principal.name, role="operator", via=principal.via, ip=principal.ip
        )
    return principal


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
    """The scoping helper: a contact's queries only ever see its own customer's rows; a
    principal with no grants (a switch token) none, even where a service forgot to ask."""
    if principal.is_contact:
        return stmt.where(column == principal.customer_id)
    require_staff(principal, "read")
    return stmt


def _verb(need: Need) -> str:
    return {"read": "read this", "write": "make changes", "admin": "change settings"}[need]
