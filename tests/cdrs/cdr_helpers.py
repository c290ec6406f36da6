"""Building CDRs for tests: a valid answered or unanswered CDR, overridable column by column."""

from __future__ import annotations

import csv
import io
from datetime import UTC, datetime, timedelta
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from carrierdesk.models import Cdr
from support import Api

T0 = datetime(2026, 10, 5, 12, 0, tzinfo=UTC)


def z(value: datetime) -> str:
    return value.astimezone(UTC).isoformat().replace("+00:00", "Z")


def cdr(
    call_id: str, customer_id: int | None, answered: bool = True, **over: Any
) -> dict[str, Any]:
    start = over.pop("start", T0)
    row: dict[str, Any] = {
        "call_id": call_id,
        "customer_id": customer_id,
        "start_time": z(start),
        "end_time": z(start + timedelta(seconds=70 if answered else 8)),
        "duration": 60 if answered else 0,
        "callee": "+442079460958",
        "caller": "+12025550143",
        "sip_code": 200 if answered else 486,
        "charge": "0.012500" if answered else "0",
        "cost": "0.010000" if answered else "0",
        "pdd_ms": 1200,
    }
    if answered:
        row["answer_time"] = z(start + timedelta(seconds=10))
    row.update(over)
    return {k: v for k, v in row.items() if v is not None}


def to_csv(rows: list[dict[str, Any]], columns: list[str] | None = None) -> bytes:
    columns = columns or sorted({k for r in rows for k in r})
    out = io.StringIO()
    writer = csv.DictWriter(out, columns, extrasaction="ignore")
    writer.writeheader()
    writer.writerows(rows)
    return out.getvalue().encode()


def make_customer(api: Api, name: str = "Acme Telecom", **fields: Any) -> int:
    response = api.post("/customers", {"name": name, **fields})
    assert response.status_code == 201, response.text
    return int(response.json()["id"])


def stored(db: Session) -> int:
    db.expire_all()
    return int(db.scalar(select(func.count()).select_from(Cdr)) or 0)


def post_csv(api: Api, body: bytes) -> Any:
    return api.post("/cdrs", content=body, headers={"Content-Type": "text/csv"})
