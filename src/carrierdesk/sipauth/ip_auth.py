"""IP authentication entries (PRODUCT.md §4). An address another entry already covers is
accepted with a warning: carriers legitimately share a border IP between accounts."""

from __future__ import annotations

import ipaddress

from sqlalchemy import Select, select
from sqlalchemy.orm import Session

from carrierdesk.audit.service import record_change, snapshot
from carrierdesk.auth.principals import Principal
from carrierdesk.auth.scoping import Access, get_scoped, readable
from carrierdesk.customers.service import get_customer
from carrierdesk.db import page_of
from carrierdesk.errors import Invalid
from carrierdesk.models import Customer, IpAuth
from carrierdesk.sipauth.schemas import IpAuthCreate, IpAuthUpdate

AUDITED = (
    "ip",
    "receives_calls",
    "sends_calls",
    "channels",
    "cps",
    "protocol",
    "port",
    "tech_prefix",
)
REQUIRED = ("ip", "receives_calls", "sends_calls", "protocol", "port", "tech_prefix")


def list_ip_auth(
    session: Session, principal: Principal, customer_id: int, limit: int = 50, offset: int = 0
) -> tuple[list[IpAuth], int]:
    get_customer(session, principal, customer_id)
    stmt: Select[IpAuth] = readable(principal, IpAuth).where(IpAuth.customer_id == customer_id)
    return page_of(session, stmt, IpAuth.range_first, IpAuth.id, limit=limit, offset=offset)


def get_ip_auth(
    session: Session,
    principal: Principal,
    entry_id: int,
    access: Access = "read",
    *,
    lock: bool = False,
) -> IpAuth:
    """With `lock`, a write waits for a concurrent one and sees a row deleted meanwhile."""
    return get_scoped(session, principal, IpAuth, entry_id, access, lock=lock)


def create_ip_auth(
    session: Session, principal: Principal, customer_id: int, data: IpAuthCreate
) -> tuple[IpAuth, list[str]]:
    """The new entry and its warnings (another entry already covering the address)."""
    customer = get_customer(session, principal, customer_id, "write")
    _check_direction(data.receives_calls, data.sends_calls)
    entry = IpAuth(customer_id=customer_id, **data.model_dump())
    _set_range(entry)
    warnings = _overlap_warnings(session, entry)
    session.add(entry)
    session.flush()
    record_change(
        session,
        principal,
        entry,
        "create",
        f"IP authentication {entry.ip} added for {customer.name}",
        after=snapshot(entry, AUDITED),
    )
    return entry, warnings


def update_ip_auth(
    session: Session, principal: Principal, entry_id: int, data: IpAuthUpdate
) -> tuple[IpAuth, list[str]]:
    entry = get_ip_auth(session, principal, entry_id, "write", lock=True)
    changes = data.model_dump(exclude_unset=True)
    for required in REQUIRED:
        if required in changes and changes[required] is None:
            raise Invalid.field(required, "cannot be empty")
    _check_direction(
        changes.get("receives_calls", entry.receives_calls),
        changes.get("sends_calls", entry.sends_calls),
    )
    before = snapshot(entry, AUDITED)
    for key, value in changes.items():
        setattr(entry, key, value)
    _set_range(entry)
    warnings = _overlap_warnings(session, entry) if "ip" in changes else []
    session.flush()
    record_change(
        session,
        principal,
        entry,
        "update",
        f"IP authentication {entry.ip} updated",
        before=before,
        after=snapshot(entry, AUDITED),
    )
    return entry, warnings


def delete_ip_auth(session: Session, principal: Principal, entry_id: int) -> None:
    entry = get_ip_auth(session, principal, entry_id, "write", lock=True)
    before = snapshot(entry, AUDITED)
    session.delete(entry)
    session.flush()
    record_change(
        session, principal, entry, "delete", f"IP authentication {entry.ip} removed", before=before
    )


def overlap_warnings_for(session: Session, principal: Principal, entry_id: int) -> list[str]:
    return _overlap_warnings(session, get_ip_auth(session, principal, entry_id))


def _check_direction(receives: bool, sends: bool) -> None:
    if not receives and not sends:
        raise Invalid.field("receives_calls", "tick receives calls, sends calls, or both")


def _set_range(entry: IpAuth) -> None:
    network = ipaddress.ip_network(entry.ip, strict=False)
    width = 8 if network.version == 4 else 32
    entry.ip_version = network.version
    entry.range_first = format(int(network.network_address), f"0{width}x")
    entry.range_last = format(int(network.broadcast_address), f"0{width}x")


def _overlap_warnings(session: Session, entry: IpAuth) -> list[str]:
    stmt = (
        select(IpAuth.ip, Customer.name)
        .join(Customer, Customer.id == IpAuth.customer_id)
        .where(
            IpAuth.ip_version == entry.ip_version,
            IpAuth.range_first <= entry.range_last,
            IpAuth.range_last >= entry.range_first,
        )
        .order_by(IpAuth.range_first)
        .limit(5)
    )
    if entry.id is not None:
        stmt = stmt.where(IpAuth.id != entry.id)
    return [
        f"{entry.ip} is already covered by the IP authentication entry {ip} of {name}."
        for ip, name in session.execute(stmt)
    ]
