"""CDRs from the Kamailio of `carrierdesk sip kamailio-config` (docs/cdr-formats.md): the rows
it writes into `kamailio_cdrs` become canonical CDRs, checked and rated like any other, and each
row is taken once: the rows a pass stores (or finds already stored) are deleted in the same
transaction; a row that is rejected stays, with its reason, until an operator fixes the cause
(`carrierdesk cdr retry-kamailio` puts it back in line)."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from decimal import Decimal
from typing import Any

from sqlalchemy import delete, select, update
from sqlalchemy.orm import Session

from carrierdesk.auth.principals import SYSTEM
from carrierdesk.cdrs.directory import CustomerDirectory
from carrierdesk.cdrs.service import IngestResult, ingest
from carrierdesk.db import is_postgres
from carrierdesk.models import KamailioCdr

EPOCH = datetime(1970, 1, 1, tzinfo=UTC)
PASS_ROWS = 10_000


def moment(epoch: Decimal) -> str:
    """Kamailio's `seconds.microseconds` as an ISO 8601 UTC time."""
    return (EPOCH + timedelta(microseconds=int(epoch * 1_000_000))).isoformat()


def canonical(row: KamailioCdr) -> dict[str, Any]:
    """The canonical CDR of one Kamailio row (CDR.md). Kamailio's own duration would run from
    the INVITE and include ringing: talk time is from the answer to the end, whole seconds."""
    answered = row.answer_at is not None and 200 <= row.sip_code <= 299
    talk = int(row.end_at - row.answer_at) if answered and row.answer_at is not None else 0
    return {
        "call_id": row.call_id,
        "customer_id": None if row.customer_id is None else str(row.customer_id),
        "sip_user": row.sip_user or None,
        "start_time": moment(row.invite_at),
        "answer_time": moment(row.answer_at) if answered and row.answer_at else None,
        "end_time": moment(row.end_at),
        "duration": str(talk),
        "caller": row.caller or None,
        "callee": row.callee,
        "sip_code": str(row.sip_code),
        "sip_reason": row.sip_reason or None,
        "pdd_ms": None,
    }


def take(session: Session, limit: int = PASS_ROWS) -> IngestResult:
    """One pass: up to `limit` waiting rows, oldest first, into cdrs."""
    stmt = select(KamailioCdr).where(KamailioCdr.rejected.is_(None)).order_by(KamailioCdr.id)
    stmt = stmt.limit(limit)
    if is_postgres(session):
        stmt = stmt.with_for_update(skip_locked=True)
    rows = list(session.scalars(stmt))
    if not rows:
        return IngestResult()
    records = [(position, canonical(row)) for position, row in enumerate(rows)]
    result = ingest(session, SYSTEM, records, CustomerDirectory.load(session))
    refused = {r.row: "; ".join(r.errors)[:1000] for r in result.rejected}
    for position, reason in refused.items():
        session.execute(
            update(KamailioCdr).where(KamailioCdr.id == rows[position].id).values(rejected=reason)
        )
    taken = [row.id for position, row in enumerate(rows) if position not in refused]
    session.execute(delete(KamailioCdr).where(KamailioCdr.id.in_(taken)))
    return result


def retry_rejected(session: Session) -> int:
    """Puts every rejected row back in line (after its cause was fixed); how many."""
    again = update(KamailioCdr).where(KamailioCdr.rejected.is_not(None)).values(rejected=None)
    return int(session.execute(again).rowcount or 0)  # type: ignore[attr-defined]
