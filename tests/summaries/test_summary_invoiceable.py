"""Issue 14, item 4: a Summary row says whether Generate Invoice can invoice it (`invoiceable`):
a past day, week or month with charges that no invoice (but a void one) covers. The Summary
offers its invoice checkbox on these rows only."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

from fixtures.builders import cdr, make_customer
from invoices.invoice_helpers import call, calls, generate
from support import Api


def invoiceable(api: Api, cid: int, timeframe: str, start: str, end: str) -> dict[str, bool]:
    answer = api.get(
        f"/customers/{cid}/summary", params={"timeframe": timeframe, "from": start, "to": end}
    )
    assert answer.status_code == 200, answer.text
    return {r["period_start"][:10]: r["invoiceable"] for r in answer.json()["items"]}


def unanswered(call_id: str, cid: int, day: str) -> dict[str, Any]:
    start = datetime.fromisoformat(day).replace(hour=9, tzinfo=UTC)
    return cdr(call_id, cid, answered=False, start=start)


def test_only_ended_charged_uninvoiced_periods_are_invoiceable(operator: Api, viewer: Api) -> None:
    cid = make_customer(operator)
    calls(
        operator,
        [
            call("a", cid, "2026-10-05", "1.50"),
            call("b", cid, "2026-10-06", "2"),
            unanswered("c", cid, "2026-10-07"),  # attempts, but nothing to charge
        ],
    )
    [invoice] = generate(operator, cid, "daily", "2026-10-06").json()["items"]
    assert invoiceable(viewer, cid, "daily", "2026-10-04", "2026-10-09") == {
        "2026-10-08": False,  # no calls
        "2026-10-07": False,  # calls without charges
        "2026-10-06": False,  # invoiced
        "2026-10-05": True,
        "2026-10-04": False,
    }
    # the week and the month overlap the invoice of 10-06; September has no calls
    assert invoiceable(viewer, cid, "weekly", "2026-10-05", "2026-10-12") == {"2026-10-05": False}
    assert invoiceable(viewer, cid, "monthly", "2026-09-01", "2026-11-01") == {
        "2026-10-01": False,
        "2026-09-01": False,
    }
    # hours are never invoiced
    assert not any(invoiceable(viewer, cid, "24h", "2026-10-05", "2026-10-06").values())

    voided = operator.post(f"/invoices/{invoice['id']}/void", {"reason": "re-rated"})
    assert voided.status_code == 200
    assert invoiceable(viewer, cid, "daily", "2026-10-06", "2026-10-07") == {"2026-10-06": True}
    assert invoiceable(viewer, cid, "weekly", "2026-10-05", "2026-10-12") == {"2026-10-05": True}


def test_a_period_that_has_not_ended_is_not_invoiceable(operator: Api) -> None:
    cid = make_customer(operator)
    now = datetime.now(UTC)
    calls(operator, [cdr("now", cid, start=now - timedelta(minutes=1), charge="3")])
    today = now.date().isoformat()
    tomorrow = (now + timedelta(days=1)).date().isoformat()
    assert invoiceable(operator, cid, "daily", today, tomorrow) == {today: False}
