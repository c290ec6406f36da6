"""The CDR worker job (convention: summaries/jobs.py): take the calls Kamailio wrote into
kamailio_cdrs into cdrs. Rules: cdrs/kamailio.py `take` (SKIP LOCKED on PostgreSQL, so
several workers share the rows without taking one twice)."""

from __future__ import annotations

from sqlalchemy.orm import Session

from carrierdesk.cdrs.kamailio import take


def run(session: Session) -> int:
    """One pass; how many CDRs were stored."""
    return take(session).accepted
