"""POST /summary/refresh writes (the summary tables and their refresh mark): viewers and
contacts are refused with 403 and nothing is refreshed; operators and admins may."""

from __future__ import annotations

from typing import Any

from sqlalchemy import func, select

from carrierdesk.db import transaction
from carrierdesk.models import CdrHourly, SummaryDirty, SummaryState
from cdrs.test_cdr_contact_access import contact_api
from fixtures.builders import cdr, make_customer
from support import Api


def summary_tables(db_url: str) -> dict[str, Any]:
    with transaction(db_url) as session:
        return {
            "dirty": session.scalar(select(func.count()).select_from(SummaryDirty)),
            "hourly": session.scalar(select(func.count()).select_from(CdrHourly)),
            "refreshed_at": session.scalar(select(SummaryState.refreshed_at)),
        }


def test_viewer_and_contact_may_not_refresh(
    operator: Api, viewer: Api, admin: Api, db_url: str
) -> None:
    cid = make_customer(operator)
    assert operator.post("/cdrs", [cdr("r-1", cid)]).json()["accepted"] == 1
    contact = contact_api(operator, cid, "ann@acme.example")
    before = summary_tables(db_url)
    assert before["dirty"] > 0 and before["hourly"] == 0 and before["refreshed_at"] is None

    refused = viewer.post("/summary/refresh")
    assert refused.status_code == 403
    assert refused.headers["content-type"] == "application/problem+json"
    assert refused.json() == {
        "type": "https://carrierdesk.dev/problems/forbidden",
        "title": "Not allowed",
        "status": 403,
        "detail": "Your role (viewer) may not make changes.",
    }
    assert summary_tables(db_url) == before

    refused = contact.post("/summary/refresh")
    assert refused.status_code == 403
    assert refused.json() == {
        "type": "https://carrierdesk.dev/problems/forbidden",
        "title": "Not allowed",
        "status": 403,
        "detail": "This is not available to customer contacts.",
    }
    assert summary_tables(db_url) == before

    done = operator.post("/summary/refresh")
    assert done.status_code == 200 and done.json()["refreshed_at"].endswith("Z")
    after = summary_tables(db_url)
    assert after["dirty"] == 0 and after["hourly"] == 1 and after["refreshed_at"] is not None
    assert admin.post("/summary/refresh").status_code == 200
