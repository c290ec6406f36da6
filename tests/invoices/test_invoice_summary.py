"""The Summary knows its invoices: invoice_id on covered rows, and a marker with both amounts
when CDRs arrive for an invoiced period (the invoice itself never changes)."""

from __future__ import annotations

from typing import Any

from fixtures.builders import make_customer
from invoices.invoice_helpers import call, calls, generate
from support import Api


def rows(api: Api, cid: int, timeframe: str, start: str, end: str) -> dict[str, Any]:
    answer = api.get(
        f"/customers/{cid}/summary", params={"timeframe": timeframe, "from": start, "to": end}
    )
    assert answer.status_code == 200, answer.text
    return {r["period_start"][:10]: r for r in answer.json()["items"]}


def test_invoiced_rows_and_the_marker_when_figures_change(operator: Api, viewer: Api) -> None:
    cid = make_customer(operator)
    calls(operator, [call("a", cid, "2026-10-01", "1.50"), call("b", cid, "2026-10-02", "2")])
    [day_one] = generate(operator, cid, "daily", "2026-10-01").json()["items"]
    daily = rows(viewer, cid, "daily", "2026-10-01", "2026-10-04")
    assert daily["2026-10-01"]["invoice_id"] == day_one["id"]
    assert daily["2026-10-01"]["invoice"] == {
        "number": "INV-000001",
        "invoiced_charge": "1.500000",
        "summary_differs": False,
    }
    assert daily["2026-10-02"]["invoice_id"] is None and "invoice" not in daily["2026-10-02"]
    monthly = rows(viewer, cid, "monthly", "2026-10-01", "2026-11-01")["2026-10-01"]
    assert monthly["invoice_id"] == day_one["id"]  # partly invoiced: no new invoice possible
    assert monthly["invoice"]["invoiced_charge"] is None
    assert rows(viewer, cid, "24h", "2026-10-01", "2026-10-02")["2026-10-01"]["invoice_id"] is None

    calls(operator, [call("late", cid, "2026-10-01", "0.25")])  # a CDR arriving late
    late = rows(viewer, cid, "daily", "2026-10-01", "2026-10-02")["2026-10-01"]
    assert late["charge"] == "1.750000" and late["invoice_id"] == day_one["id"]
    assert late["invoice"] == {
        "number": "INV-000001",
        "invoiced_charge": "1.500000",
        "summary_differs": True,
    }
    assert operator.get(f"/invoices/{day_one['id']}").json()["total"] == "1.50"

    operator.post(f"/invoices/{day_one['id']}/void", {"reason": "late CDRs"})
    assert (
        rows(viewer, cid, "daily", "2026-10-01", "2026-10-02")["2026-10-01"]["invoice_id"] is None
    )
    [again] = generate(operator, cid, "daily", "2026-10-01").json()["items"]
    assert again["total"] == "1.75" and again["number"] == "INV-000002"
