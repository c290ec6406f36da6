"""Auto Generate Invoice: complete periods only, oldest first, once; and the worker's job."""

from __future__ import annotations

from datetime import UTC, datetime

from carrierdesk.db import transaction
from carrierdesk.invoices.jobs import run as auto_generate_job
from carrierdesk.models import Invoice, SummaryState
from fixtures.builders import make_customer
from invoices.invoice_helpers import call, calls, count, generate, refresh
from support import Api, problem_fields


def auto(api: Api, cid: int) -> dict:
    answer = api.post(f"/customers/{cid}/invoices/auto-generate")
    assert answer.status_code == 200, answer.text
    return answer.json()


def test_monthly_schedule_complete_months_oldest_first_once(operator: Api, db_url: str) -> None:
    cid = make_customer(operator, invoice_schedule="monthly")
    today = datetime.now(UTC).date().isoformat()
    calls(
        operator,
        [
            call("aug", cid, "2026-08-31", "0", answered=False),  # the first CDR: no charge
            call("sep", cid, "2026-09-15", "1.50"),
            call("oct1", cid, "2026-10-01", "2.25"),
            call("oct2", cid, "2026-10-31", "0.25"),
            call("now", cid, today, "9.99"),  # the current month is still open
        ],
    )
    first = auto(operator, cid)
    assert [(i["number"], i["period_start"][:10], i["total"]) for i in first["items"]] == [
        ("INV-000001", "2026-09-01", "1.50"),
        ("INV-000002", "2026-10-01", "2.50"),
    ]
    assert first["refused"] == []
    assert auto(operator, cid) == {"items": [], "refused": []}
    assert count(db_url) == 2


def test_weekly_schedule_reports_what_overlaps(operator: Api) -> None:
    cid = make_customer(operator, invoice_schedule="weekly")
    calls(operator, [call("a", cid, "2026-10-06", "1"), call("b", cid, "2026-10-13", "1")])
    [daily] = generate(operator, cid, "daily", "2026-10-13").json()["items"]
    result = auto(operator, cid)
    assert [i["period_start"][:10] for i in result["items"]] == ["2026-10-05"]
    [refused] = result["refused"]
    assert refused["period_start"] == "2026-10-12T00:00:00Z"
    assert refused["invoice_id"] == daily["id"] and daily["number"] in refused["reason"]


def test_nothing_before_the_summary_is_refreshed_past_the_period(
    operator: Api, db_url: str
) -> None:
    cid = make_customer(operator, invoice_schedule="monthly")
    calls(operator, [call("s", cid, "2026-09-10", "1"), call("o", cid, "2026-10-10", "1")])
    with transaction(db_url) as session:
        session.get_one(SummaryState, 1).refreshed_at = datetime(2026, 10, 20, tzinfo=UTC)
    assert [i["period_start"][:7] for i in auto(operator, cid)["items"]] == ["2026-09"]
    refresh(operator)
    assert [i["period_start"][:7] for i in auto(operator, cid)["items"]] == ["2026-10"]


def test_no_schedule_and_no_calls(operator: Api, db_url: str) -> None:
    none = make_customer(operator, "No schedule")
    refused = operator.post(f"/customers/{none}/invoices/auto-generate")
    assert refused.status_code == 409 and "no invoice schedule" in refused.json()["detail"]
    assert problem_fields(refused) == {}
    quiet = make_customer(operator, "Quiet", invoice_schedule="daily")
    calls(operator, [call("u", quiet, "2026-10-01", "0", answered=False)])
    assert auto(operator, quiet)["items"] == []
    assert count(db_url) == 0


def test_worker_job_runs_once_per_summary_refresh(operator: Api, db_url: str) -> None:
    daily = make_customer(operator, "Daily", invoice_schedule="daily")
    make_customer(operator, "Manual")
    calls(operator, [call("a", daily, "2026-10-01", "1"), call("b", daily, "2026-10-02", "1")])
    with transaction(db_url) as session:
        assert auto_generate_job(session) == 2
    with transaction(db_url) as session:
        assert auto_generate_job(session) == 0
    voided = operator.post("/invoices/1/void", {"reason": "re-rated"})
    assert voided.status_code == 200
    with transaction(db_url) as session:
        assert auto_generate_job(session) == 0  # waits for the next refresh
    refresh(operator)
    with transaction(db_url) as session:
        assert auto_generate_job(session) == 1
    with transaction(db_url) as session:
        numbers = sorted(i.number for i in session.query(Invoice))
    assert numbers == ["INV-000001", "INV-000002", "INV-000003"]


def test_all_customers_run_continues_where_it_stopped(operator: Api, db_url: str) -> None:
    from carrierdesk.auth.principals import CLI
    from carrierdesk.invoices.auto import auto_generate_all

    def run_all() -> list[str]:
        with transaction(db_url) as session:
            return [
                i.period_start.date().isoformat() for i in auto_generate_all(session, CLI).created
            ]

    cid = make_customer(operator, invoice_schedule="daily")
    calls(operator, [call("a", cid, "2026-10-01", "1"), call("free", cid, "2026-10-02", "0")])
    assert run_all() == ["2026-10-01"]
    # A charged CDR arriving late for a day already examined: the all-customers run starts
    # where it stopped; the customer's own button re-examines the whole history.
    calls(operator, [call("late", cid, "2026-10-02", "2")])
    assert run_all() == []
    assert [i["period_start"][:10] for i in auto(operator, cid)["items"]] == ["2026-10-02"]
    # a void makes its period due again for the all-customers run
    assert operator.post("/invoices/1/void", {"reason": "re-rated"}).status_code == 200
    assert run_all() == ["2026-10-01"]
    # a changed schedule starts again from the first CDR (and reports the overlaps)
    operator.patch(f"/customers/{cid}", {"invoice_schedule": "weekly"})
    with transaction(db_url) as session:
        outcome = auto_generate_all(session, CLI)
    assert outcome.created == [] and len(outcome.refused) == 1
