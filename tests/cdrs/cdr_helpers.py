"""What the CDR tests share besides the builders (fixtures.builders: `cdr`, `to_csv`, `T0`):
posting a CSV file and counting what was stored."""

from __future__ import annotations

from typing import Any

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from carrierdesk.models import Cdr
from support import Api


def stored(db: Session) -> int:
    db.expire_all()
    return int(db.scalar(select(func.count()).select_from(Cdr)) or 0)


def post_csv(api: Api, body: bytes) -> Any:
    return api.post("/cdrs", content=body, headers={"Content-Type": "text/csv"})
