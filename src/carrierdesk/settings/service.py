"""Reading and changing Settings › Options."""

from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.orm import Session

from carrierdesk.audit.service import record
from carrierdesk.auth.permissions import require_staff
from carrierdesk.auth.principals import Principal
from carrierdesk.models import OptionRow
from carrierdesk.settings.schemas import SELLER_FIELDS, Options, OptionsPatch

# Options that may be cleared back to "unset" by sending null.
NULLABLE = {"number_range_start", "block_size", *SELLER_FIELDS}


def get_options(session: Session) -> Options:
    stored = {row.key: row.value for row in session.scalars(select(OptionRow))}
    known = {k: v for k, v in stored.items() if k in Options.model_fields}
    return Options.model_validate(known)


def update_options(session: Session, principal: Principal, patch: OptionsPatch) -> Options:
    require_staff(principal, "admin")
    before = get_options(session)
    for key in patch.model_fields_set:
        value = getattr(patch, key)
        if value is None and key not in NULLABLE:
            continue
        session.merge(OptionRow(key=key, value=value))
    session.flush()
    after = get_options(session)
    record(
        session,
        principal,
        "update",
        table="options",
        message="Settings › Options changed",
        before=before.model_dump(),
        after=after.model_dump(),
    )
    return after
