"""Delay and Save: changes stored now and applied later, exactly once, by the worker.

A change is validated when it is scheduled by applying it inside a savepoint that is then
rolled back, so the rules checked are exactly those of applying it: no rule is written twice.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime
from typing import Any, TypeVar

from pydantic import BaseModel
from sqlalchemy import Select, select
from sqlalchemy.orm import Session

from carrierdesk.audit.service import record, record_change
from carrierdesk.auth.permissions import require_staff
from carrierdesk.auth.principals import Principal
from carrierdesk.db import is_postgres, page_of
from carrierdesk.errors import AppError, Conflict, Invalid, NotFound
from carrierdesk.models import ScheduledChange
from carrierdesk.models.base import utcnow
from carrierdesk.webhooks import events as webhooks

# (session, principal, target_id, customer_id, payload) -> id of the record changed or created
Applier = Callable[[Session, Principal, int | None, int | None, dict[str, Any]], int]
STATUSES = ("pending", "applied", "failed", "cancelled")
T = TypeVar("T")


def _appliers() -> dict[str, Applier]:
    from carrierdesk.contacts.service import apply_contact_create, apply_contact_update
    from carrierdesk.customers.service import apply_customer_update

    return {
        "contact.create": apply_contact_create,
        "contact.update": apply_contact_update,
        "customer.update": apply_customer_update,
    }


def is_future(apply_at: datetime | None) -> bool:
    if apply_at is None:
        return False
    if apply_at.tzinfo is None:
        raise Invalid.field("apply_at", "must include a time zone (e.g. 2026-12-01T09:00:00Z)")
    return apply_at > utcnow()


def schedule_or_apply(
    session: Session,
    principal: Principal,
    apply_at: datetime | None,
    apply: Callable[[], T],
    *,
    kind: str,
    target_id: int | None,
    customer_id: int | None,
    payload: dict[str, Any] | Callable[[], dict[str, Any]],
    summary: str,
) -> T | ScheduledChange:
    """Delay and Save: `apply()` now, or, when `apply_at` is in the future, `schedule` the
    change for then (validated now by applying it in a savepoint). `payload` may be a function
    when building it costs or checks something only a stored change needs.

        return schedule_or_apply(session, principal, data.apply_at,
                                 lambda: _update(session, principal, customer, data),
                                 kind="customer.update", target_id=customer.id,
                                 customer_id=customer.id, payload=changed_fields(data),
                                 summary=f"Edit customer {customer.name}")
    """
    if not is_future(apply_at):
        return apply()
    assert apply_at is not None
    return schedule(
        session,
        principal,
        kind=kind,
        target_id=target_id,
        customer_id=customer_id,
        payload=payload() if callable(payload) else payload,
        apply_at=apply_at,
        summary=summary,
    )


def changed_fields(data: BaseModel) -> dict[str, Any]:
    """An edit's payload: the fields it sets, as JSON, without its `apply_at`."""
    return data.model_dump(mode="json", exclude_unset=True, exclude={"apply_at"})


def schedule(
    session: Session,
    principal: Principal,
    *,
    kind: str,
    target_id: int | None,
    customer_id: int | None,
    payload: dict[str, Any],
    apply_at: datetime,
    summary: str,
) -> ScheduledChange:
    apply = _appliers()[kind]
    savepoint = session.begin_nested()
    try:
        apply(session, principal, target_id, customer_id, payload)
    finally:
        savepoint.rollback()
    change = ScheduledChange(
        kind=kind,
        target_id=target_id,
        customer_id=customer_id,
        payload=payload,
        summary=summary,
        apply_at=apply_at,
        created_by=principal.name,
    )
    session.add(change)
    session.flush()
    record(
        session,
        principal,
        "schedule",
        table="scheduled_changes",
        record_id=change.id,
        customer_id=customer_id,
        contact_id=target_id if kind.startswith("contact") else None,
        message=f"Scheduled for {apply_at.isoformat()}: {summary}",
    )
    return change


def apply_due(session: Session, now: datetime | None = None, limit: int = 100) -> int:
    """Apply every pending change that is due, each in its own savepoint; returns how many."""
    stmt = (
        select(ScheduledChange)
        .where(ScheduledChange.status == "pending", ScheduledChange.apply_at <= (now or utcnow()))
        .order_by(ScheduledChange.apply_at, ScheduledChange.id)
        .limit(limit)
    )
    if is_postgres(session):
        stmt = stmt.with_for_update(skip_locked=True)
    changes = list(session.scalars(stmt))
    for change in changes:
        _apply_one(session, change)
    return len(changes)


def _apply_one(session: Session, change: ScheduledChange) -> None:
    actor = Principal(
        "system", None, f"scheduled by {change.created_by}", role="admin", via="worker"
    )
    try:
        with session.begin_nested():
            change.result_id = _appliers()[change.kind](
                session, actor, change.target_id, change.customer_id, change.payload
            )
    except AppError as exc:
        change.status, change.error = "failed", _describe(exc)
        record_change(
            session, actor, change, "schedule_failed", f"{change.summary}: {change.error}"
        )
    else:
        change.status = "applied"
    change.applied_at = utcnow()
    webhooks.scheduled_change_settled(session, change)


def _describe(exc: AppError) -> str:
    if exc.errors:
        return "; ".join(f"{e.field}: {e.message}" for e in exc.errors)
    return exc.detail


def list_changes(
    session: Session,
    principal: Principal,
    *,
    status: str | None = None,
    customer_id: int | None = None,
    limit: int = 50,
    offset: int = 0,
) -> tuple[list[ScheduledChange], int]:
    require_staff(principal, "read")
    if status is not None and status not in STATUSES:
        raise Invalid.field("status", f"must be one of {', '.join(STATUSES)}")
    stmt: Select[ScheduledChange] = select(ScheduledChange)
    if status:
        stmt = stmt.where(ScheduledChange.status == status)
    if customer_id is not None:
        stmt = stmt.where(ScheduledChange.customer_id == customer_id)
    return page_of(
        session,
        stmt,
        ScheduledChange.apply_at.desc(),
        ScheduledChange.id.desc(),
        limit=limit,
        offset=offset,
    )


def cancel(session: Session, principal: Principal, change_id: int) -> ScheduledChange:
    require_staff(principal, "write")
    stmt = select(ScheduledChange).where(ScheduledChange.id == change_id)
    if is_postgres(session):
        stmt = stmt.with_for_update()
    change = session.scalar(stmt)
    if change is None:
        raise NotFound(f"Scheduled change {change_id} not found.")
    if change.status != "pending":
        raise Conflict(f"Scheduled change {change_id} is {change.status}, no longer pending.")
    change.status = "cancelled"
    record_change(session, principal, change, "cancel", f"Cancelled: {change.summary}")
    return change
