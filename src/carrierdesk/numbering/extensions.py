"""The account-wide extension namespace (PRODUCT.md §3): SIP usernames and conference
extensions share it. Every check is an index lookup; nothing loads a table into Python."""

from __future__ import annotations

import re

from sqlalchemy import or_, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from carrierdesk.auth.principals import Principal
from carrierdesk.customers.service import get_customer
from carrierdesk.errors import Conflict, FieldError, Invalid
from carrierdesk.models import Extension, NumberBlock
from carrierdesk.numbering.service import (
    MAX_NUMBER,
    block_containing,
    customer_ranges,
    has_blocks,
    lock_assignments,
)

NAME = re.compile(r"[A-Za-z0-9_.\-]{1,32}")
DUPLICATE = "Duplicate User Detected"
FREE_LIMIT_MAX = 1000


def number_of(name: str) -> int | None:
    """The numeric value of an all-digit name ("01005" and "1005" are both 1005)."""
    if name.isascii() and name.isdigit() and int(name) <= MAX_NUMBER:
        return int(name)
    return None


def check_extension(
    session: Session, customer_id: int, name: str, field: str, *, current_id: int | None = None
) -> None:
    """Refuse `name` for the customer: 422 for its form or range, 409 when taken."""
    if not NAME.fullmatch(name):
        raise Invalid.field(field, "must be 1 to 32 characters of letters, digits, _ . or -")
    number = number_of(name)
    _check_free(session, name, number, field, current_id)
    if has_blocks(session, customer_id):
        _check_inside_own_block(session, customer_id, name, number, field)
    elif number is not None:
        lock_assignments(session)
        block = block_containing(session, number)
        if block is not None:
            raise Invalid.field(
                field, f"{name} is inside the number block {_range(block)} of another customer"
            )


def claim_extension(
    session: Session, customer_id: int, name: str, kind: str, field: str
) -> Extension:
    """Check and store a new extension; the unique constraints settle a race (409)."""
    check_extension(session, customer_id, name, field)
    extension = Extension(
        customer_id=customer_id,
        name=name,
        name_key=name.lower(),
        number=number_of(name),
        kind=kind,
    )
    try:
        with session.begin_nested():
            session.add(extension)
            session.flush()
    except IntegrityError:
        raise _duplicate(field) from None
    return extension


def rename_extension(session: Session, extension: Extension, name: str, field: str) -> None:
    if name == extension.name:
        return
    check_extension(session, extension.customer_id, name, field, current_id=extension.id)
    try:
        with session.begin_nested():
            extension.name, extension.name_key = name, name.lower()
            extension.number = number_of(name)
            session.flush()
    except IntegrityError:
        raise _duplicate(field) from None


def free_extensions(
    session: Session, principal: Principal, customer_id: int, limit: int
) -> list[str]:
    """The lowest free numbers of the customer's blocks, in order, at most `limit`."""
    get_customer(session, principal, customer_id)
    free: list[str] = []
    for first, last in customer_ranges(session, customer_id):
        free += _free_in_block(session, first, last, limit - len(free))
        if len(free) >= limit:
            break
    return free


def _free_in_block(session: Session, first: int, last: int, wanted: int) -> list[str]:
    """Walks the used numbers of [first, last] in index order, a page at a time, and stops
    as soon as `wanted` free numbers are found."""
    free: list[str] = []
    candidate = first
    while candidate <= last and len(free) < wanted:
        page = list(
            session.scalars(
                select(Extension.number)
                .where(Extension.number.between(candidate, last))
                .order_by(Extension.number)
                .limit(wanted)
            )
        )
        for used in [*page, None] if len(page) < wanted else page:
            stop = last + 1 if used is None else used
            while candidate < stop and len(free) < wanted:
                free.append(str(candidate))
                candidate += 1
            if len(free) >= wanted:
                break
            candidate = stop + 1
    return free


def _check_free(
    session: Session, name: str, number: int | None, field: str, current_id: int | None
) -> None:
    same = Extension.name_key == name.lower()
    if number is not None:
        same = or_(same, Extension.number == number)
    stmt = select(Extension.id).where(same)
    if current_id is not None:
        stmt = stmt.where(Extension.id != current_id)
    if session.scalar(stmt.limit(1)) is not None:
        raise _duplicate(field)


def _check_inside_own_block(
    session: Session, customer_id: int, name: str, number: int | None, field: str
) -> None:
    block = block_containing(session, number, lock=True) if number is not None else None
    if block is not None and block.customer_id == customer_id and str(number) == name:
        return
    if block is not None and block.customer_id == customer_id:
        raise Invalid.field(field, f"write the number without leading zeros: {number}")
    ranges = customer_ranges(session, customer_id)
    shown = ", ".join(f"{a}–{b}" for a, b in ranges[:10])
    more = f" and {len(ranges) - 10} more" if len(ranges) > 10 else ""
    raise Invalid.field(
        field, f"must be a number inside the customer's number blocks: {shown}{more}"
    )


def _range(block: NumberBlock) -> str:
    return f"{block.start}–{block.end}"


def _duplicate(field: str) -> Conflict:
    return Conflict(DUPLICATE, [FieldError(field, DUPLICATE)])
