"""Internal Number Blocks (PRODUCT.md §3): assigning, listing and removing blocks.

The next block is the lowest aligned range [start + k·size, start + (k+1)·size − 1] that
overlaps no block. We also skip a range holding a numeric extension of *another* customer
(one created while that customer had no block): handing it out would put a foreign
extension inside the new block, which the extension rules forbid everywhere else.
"""

from __future__ import annotations

from collections.abc import Sequence

from sqlalchemy import func, select, text
from sqlalchemy.orm import Session

from carrierdesk.audit.service import record_change, snapshot
from carrierdesk.auth.principals import Principal
from carrierdesk.auth.scoping import Access, get_scoped, readable
from carrierdesk.customers.service import get_customer
from carrierdesk.db import is_postgres
from carrierdesk.errors import Conflict, NotFound
from carrierdesk.models import Extension, NumberBlock
from carrierdesk.settings.service import get_options

SETTINGS_URL = "/settings/options"
MAX_NUMBER = 999_999_999_999_999_999
AUDITED = ("customer_id", "start", "end")
# One key for every block assignment of the account (PostgreSQL transaction advisory lock).
_ASSIGN_LOCK = 0x0B10C
# The lowest free slot at or after k_min, in one statement. Candidates: slot k_min itself when
# no block overlaps it (the block with the greatest start <= its end is the only one that can,
# since blocks never overlap), and the slot right after each block, kept when it ends before
# the next block starts. Why that suffices: if slot k > k_min is the lowest free one, slot k-1
# overlaps some block b that ends before slot k, so k is the slot right after b.
# With it, the largest number of another customer's extension inside that slot (a "stray").
_LOWEST_FREE_SLOT = text(
    """
    SELECT slot.k, (
        SELECT max(number) FROM extensions
        WHERE number BETWEEN :s + slot.k * :size AND :s + (slot.k + 1) * :size - 1
          AND customer_id <> :customer_id
    ) AS stray
    FROM (SELECT min(k) AS k FROM (
        SELECT CAST(:k_min AS BIGINT) AS k
        WHERE NOT EXISTS (
            SELECT 1 FROM number_blocks
            WHERE start = (
                SELECT max(start) FROM number_blocks
                WHERE start <= :s + (:k_min + 1) * :size - 1
            )
            AND "end" >= :s + :k_min * :size
        )
        UNION ALL
        SELECT k FROM (
            SELECT ("end" - :s) / :size + 1 AS k, "end" AS last,
                   LEAD(start) OVER (ORDER BY start) AS next_start
            FROM number_blocks
        ) AS after_block
        WHERE last >= :s AND k >= :k_min
          AND (next_start IS NULL OR :s + (k + 1) * :size - 1 < next_start)
    ) AS candidates) AS slot
    """
)


def list_blocks(session: Session, principal: Principal, customer_id: int) -> list[NumberBlock]:
    get_customer(session, principal, customer_id)
    stmt = (
        readable(principal, NumberBlock)
        .where(NumberBlock.customer_id == customer_id)
        .order_by(NumberBlock.start)
    )
    return list(session.scalars(stmt))


def assign_block(session: Session, principal: Principal, customer_id: int) -> NumberBlock:
    customer = get_customer(session, principal, customer_id, "write")
    options = get_options(session)
    if options.number_range_start is None or options.block_size is None:
        raise Conflict(
            "Number Range Start and Block Size must be defined under Settings › Options "
            "before a block can be assigned.",
            settings_url=SETTINGS_URL,
        )
    size = options.block_size
    if options.number_range_start + size - 1 > MAX_NUMBER:
        raise Conflict(
            f"Number Range Start must stay below {MAX_NUMBER + 1 - size}; "
            "change it under Settings › Options.",
            settings_url=SETTINGS_URL,
        )
    lock_assignments(session)
    first = _next_free_start(session, customer_id, options.number_range_start, size)
    block = NumberBlock(customer_id=customer_id, start=first, end=first + size - 1)
    session.add(block)
    session.flush()
    record_change(
        session,
        principal,
        block,
        "create",
        f"Number block {block.start}–{block.end} assigned to {customer.name}",
        after=snapshot(block, AUDITED),
    )
    return block


def delete_block(session: Session, principal: Principal, block_id: int) -> None:
    block = _get_block(session, principal, block_id, "write")
    # Locked before looking for extensions: an extension being created in this block holds
    # a share lock on it (block_containing), so we wait for it and then see it.
    locked = session.scalar(
        select(NumberBlock)
        .where(NumberBlock.id == block_id)
        .with_for_update()
        .execution_options(populate_existing=True)
    )
    if locked is None:
        raise NotFound(f"Number block {block_id} was removed meanwhile.")
    names, total = extensions_in_range(session, block.start, block.end)
    if total:
        more = f" and {total - len(names)} more" if total > len(names) else ""
        raise Conflict(
            f"Block {block.start}–{block.end} is in use by extension(s) "
            f"{', '.join(names)}{more}; delete those SIP users or conference rooms first.",
            extensions=names,
        )
    before = snapshot(block, AUDITED)
    session.delete(block)
    session.flush()
    record_change(
        session,
        principal,
        block,
        "delete",
        f"Number block {block.start}–{block.end} removed",
        before=before,
    )


def extensions_in_range(session: Session, first: int, last: int) -> tuple[list[str], int]:
    """The first ten extensions numbered inside [first, last], and how many there are."""
    inside = Extension.number.between(first, last)
    stmt = select(Extension.name).where(inside).order_by(Extension.number).limit(10)
    names = list(session.scalars(stmt))
    total = len(names)
    if total == 10:
        total = session.scalar(select(func.count(Extension.id)).where(inside)) or 0
    return names, total


def block_containing(session: Session, number: int, *, lock: bool = False) -> NumberBlock | None:
    """The block holding `number`, by one index seek (blocks never overlap)."""
    stmt = (
        select(NumberBlock)
        .where(NumberBlock.start <= number)
        .order_by(NumberBlock.start.desc())
        .limit(1)
    )
    if lock:
        # A concurrent delete of this block waits for us (PostgreSQL; SQLite has one writer).
        stmt = stmt.with_for_update(read=True)
    block = session.scalar(stmt)
    return block if block is not None and block.end >= number else None


def customer_ranges(session: Session, customer_id: int) -> Sequence[tuple[int, int]]:
    stmt = (
        select(NumberBlock.start, NumberBlock.end)
        .where(NumberBlock.customer_id == customer_id)
        .order_by(NumberBlock.start)
    )
    return [(start, end) for start, end in session.execute(stmt)]


def has_blocks(session: Session, customer_id: int) -> bool:
    stmt = select(NumberBlock.id).where(NumberBlock.customer_id == customer_id).limit(1)
    return session.scalar(stmt) is not None


def _get_block(
    session: Session, principal: Principal, block_id: int, access: Access = "read"
) -> NumberBlock:
    return get_scoped(session, principal, NumberBlock, block_id, access)


def lock_assignments(session: Session) -> None:
    """Serialises block assignments, and numeric names of customers without blocks against
    them (else a new block could cover a name created meanwhile). The exclusion constraint
    stays the last line of defence against overlapping blocks."""
    if is_postgres(session):
        session.execute(text("SELECT pg_advisory_xact_lock(:key)"), {"key": _ASSIGN_LOCK})


def _next_free_start(session: Session, customer_id: int, range_start: int, size: int) -> int:
    params = {"s": range_start, "size": size, "k_min": 0, "customer_id": customer_id}
    while True:
        k, stray = session.execute(_LOWEST_FREE_SLOT, params).one()
        first = range_start + int(k) * size
        if first + size - 1 > MAX_NUMBER:
            raise Conflict("No free number block is left below the largest extension number.")
        if stray is None:
            return first
        params["k_min"] = (int(stray) - range_start) // size + 1
