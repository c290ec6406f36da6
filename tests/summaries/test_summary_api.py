"""GET /customers/{id}/summary and POST /summary/refresh: CDR.md's figures, incrementally."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

from carrierdesk.db import transaction
from carrierdesk.models import CdrHourly, SummaryDirty
from carrierdesk.summaries.jobs import run as refresh_job
from fixtures.builders import T0, cdr, make_customer
from fixtures.database import count
from support import Api, problem_fields


def summary(api: Api, cid: int, timeframe: str, **params: Any) -> dict[str, Any]:
    response = api.get(f"/customers/{cid}/summary", params={"timeframe": timeframe, **params})
    assert response.status_code == 200, response.text
    return response.json()


def test_daily_figures_exactly_as_cdr_md(operator: Api, viewer: Api) -> None:
    cid = make_customer(operator, currency="EUR")
    day = {"from": "2026-10-05", "to": "2026-10-06"}
    rows = [
        cdr("a", cid, charge="0.100001", cost="0.050000", pdd_ms=1000, currency="EUR"),
        cdr("b", cid, duration=30, billed_duration=60, charge="0.2", cost="0.3", pdd_ms=3000),
        cdr("c", cid, answered=False, sip_code=486, pdd_ms=None),
        cdr("d", cid, answered=False, sip_code=503, pdd_ms=2000),
        cdr("e", cid, start=T0 + timedelta(days=1)),  # another day
    ]
    assert operator.post("/cdrs", rows).json()["accepted"] == 5
    before = summary(viewer, cid, "daily", **day)
    assert before["items"][0]["attempts"] == 0 and before["refreshed_at"] is None
    refreshed = operator.post("/summary/refresh")
    assert refreshed.status_code == 200 and refreshed.json()["refreshed_at"].endswith("Z")
    body = summary(viewer, cid, "daily", **day)
    assert body["currency"] == "EUR" and body["refreshed_at"] == refreshed.json()["refreshed_at"]
    [row] = body["items"]
    assert row == {
        "period_start": "2026-10-05T00:00:00Z",
        "period_end": "2026-10-06T00:00:00Z",
        "attempts": 4,
        "connected": 2,
        "asr": 50.0,
        "acd": 45.0,
        "ner": 75.0,
        "pdd_ms": 2000.0,
        "duration": 90,
        "billed_duration": 120,
        "charge": "0.300001",
        "cost": "0.350000",
        "profit": "-0.049999",
        "profit_pct": -16.67,
        "invoice_id": None,
        "invoiceable": True,  # a past day with charges and no invoice
    }


def test_timeframes_newest_first_with_empty_periods(operator: Api) -> None:
    cid = make_customer(operator)
    monday = datetime(2026, 10, 5, tzinfo=UTC)
    rows = [cdr(f"w-{i}", cid, start=monday + timedelta(days=i, hours=i)) for i in range(9)]
    operator.post("/cdrs", rows)
    operator.post("/summary/refresh")
    weekly = summary(operator, cid, "weekly", **{"from": "2026-10-05", "to": "2026-10-19"})
    assert [r["period_start"][:10] for r in weekly["items"]] == ["2026-10-12", "2026-10-05"]
    assert [r["attempts"] for r in weekly["items"]] == [2, 7]
    monthly = summary(operator, cid, "monthly", **{"from": "2026-09-01", "to": "2026-11-01"})
    assert [(r["period_start"][:7], r["attempts"]) for r in monthly["items"]] == [
        ("2026-10", 9),
        ("2026-09", 0),
    ]
    hourly = summary(operator, cid, "24h", **{"from": "2026-10-06T00:00:00Z", "to": "2026-10-07"})
    assert len(hourly["items"]) == 24
    assert [r["period_start"] for r in hourly["items"] if r["attempts"]] == ["2026-10-06T01:00:00Z"]
    assert hourly["totals"]["attempts"] == 1
    # defaults: the 24 whole hours ending with the current one
    now = summary(operator, cid, "24h")["items"]
    assert len(now) == 24
    assert now[0]["period_start"] == datetime.now(UTC).strftime("%Y-%m-%dT%H:00:00Z")


def test_refresh_is_incremental_exact_and_idempotent(operator: Api, db_url: str) -> None:
    cid = make_customer(operator)
    operator.post("/cdrs", [cdr("i-1", cid), cdr("i-2", cid, start=T0 + timedelta(days=3))])
    operator.post("/summary/refresh")
    assert count(db_url, SummaryDirty) == 0
    assert count(db_url, CdrHourly) == 2
    # a late CDR for an old hour is picked up, and only that hour is marked
    operator.post("/cdrs", [cdr("late", cid, start=T0 + timedelta(minutes=30))])
    assert count(db_url, SummaryDirty) == 1
    operator.post("/summary/refresh")
    day = {"from": "2026-10-05", "to": "2026-10-06"}
    first = summary(operator, cid, "daily", **day)["items"]
    operator.post("/summary/refresh")
    assert summary(operator, cid, "daily", **day)["items"] == first
    assert first[0]["attempts"] == 2


def test_worker_job_refreshes_on_its_interval(operator: Api, db_url: str) -> None:
    cid = make_customer(operator)
    operator.post("/cdrs", [cdr("j-1", cid)])
    with transaction(db_url) as session:
        assert refresh_job(session) == 1
    operator.post("/cdrs", [cdr("j-2", cid)])
    with transaction(db_url) as session:
        assert refresh_job(session) == 0  # refreshed less than summary_refresh_seconds ago
    day = {"from": "2026-10-05", "to": "2026-10-06"}
    assert summary(operator, cid, "daily", **day)["items"][0]["attempts"] == 1


def test_bad_queries_and_access(operator: Api, anonymous: Api) -> None:
    cid = make_customer(operator)
    bad = operator.get(f"/customers/{cid}/summary", params={"timeframe": "yearly"})
    assert bad.status_code == 422 and "timeframe" in problem_fields(bad)
    backwards = operator.get(
        f"/customers/{cid}/summary", params={"from": "2026-10-05", "to": "2026-10-01"}
    )
    assert backwards.status_code == 422 and "to" in problem_fields(backwards)
    too_many = operator.get(
        f"/customers/{cid}/summary", params={"timeframe": "24h", "from": "2020-01-01"}
    )
    assert too_many.status_code == 422 and "from" in problem_fields(too_many)
    assert operator.get("/customers/999999/summary").status_code == 404
    assert anonymous.get(f"/customers/{cid}/summary").status_code == 401
    assert anonymous.post("/summary/refresh").status_code == 401
