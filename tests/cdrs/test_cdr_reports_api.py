"""A customer's CDRs out: the keyset-paged list and the streamed CSV report."""

from __future__ import annotations

import csv
import io
from datetime import timedelta

from carrierdesk.cdrs.fields import REPORT_COLUMNS
from fixtures.builders import T0, cdr, make_customer, z
from support import Api, problem_fields


def seed(api: Api, cid: int, n: int = 7) -> None:
    rows = [cdr(f"k-{i}", cid, start=T0 + timedelta(hours=i // 2)) for i in range(n)]
    assert api.post("/cdrs", rows).json()["accepted"] == n


def test_list_newest_first_with_keyset_paging(operator: Api, viewer: Api) -> None:
    cid = make_customer(operator)
    seed(operator, cid)
    seen, cursor = [], None
    while True:
        params = {"limit": 3, **({"cursor": cursor} if cursor else {})}
        page = viewer.get(f"/customers/{cid}/cdrs", params=params).json()
        seen += [r["call_id"] for r in page["items"]]
        cursor = page["next_cursor"]
        if cursor is None:
            break
    assert seen == ["k-6", "k-5", "k-4", "k-3", "k-2", "k-1", "k-0"]
    first = viewer.get(f"/customers/{cid}/cdrs", params={"limit": 1}).json()["items"][0]
    assert first["start_time"] == "2026-10-05T15:00:00Z" and first["charge"] == "0.012500"
    window = {"from": z(T0 + timedelta(hours=1)), "to": z(T0 + timedelta(hours=2))}
    ids = [
        r["call_id"] for r in viewer.get(f"/customers/{cid}/cdrs", params=window).json()["items"]
    ]
    assert ids == ["k-3", "k-2"]


def test_list_errors(operator: Api, anonymous: Api) -> None:
    cid = make_customer(operator)
    bad = operator.get(f"/customers/{cid}/cdrs", params={"cursor": "!!!"})
    assert bad.status_code == 422 and "cursor" in problem_fields(bad)
    assert operator.get("/customers/999999/cdrs").status_code == 404
    assert anonymous.get(f"/customers/{cid}/cdrs").status_code == 401


def read_csv(response: object) -> list[dict[str, str]]:
    return list(csv.DictReader(io.StringIO(response.text)))  # type: ignore[attr-defined]


def test_csv_report_of_a_day(operator: Api) -> None:
    cid = make_customer(operator, name="Acme, Inc.", reference="ACME 1")
    seed(operator, cid)
    operator.post("/cdrs", [cdr("other-day", cid, start=T0 + timedelta(days=1))])
    response = operator.get(
        f"/customers/{cid}/cdrs.csv", params={"timeframe": "daily", "period_start": "2026-10-05"}
    )
    assert response.status_code == 200
    assert response.headers["content-type"].startswith("text/csv")
    assert (
        response.headers["content-disposition"] == "attachment; filename=cdr_ACME-1_2026-10-05.csv"
    )
    assert response.text.splitlines()[0] == ",".join(REPORT_COLUMNS)
    rows = read_csv(response)
    assert [r["call_id"] for r in rows] == [f"k-{i}" for i in range(7)]
    first = rows[0]
    assert first["start_time"] == "2026-10-05T12:00:00Z"
    assert first["answer_time"] == "2026-10-05T12:00:10Z"
    assert first["charge"] == "0.012500" and first["cost"] == "0.010000" and first["rate"] == ""
    assert first["customer_name"] == "Acme, Inc." and first["customer_ref"] == "ACME 1"
    assert first["customer_id"] == str(cid) and first["currency"] == "USD"
    assert first["duration"] == "60" and first["billed_duration"] == "60"


def test_csv_columns_and_from_to(operator: Api) -> None:
    cid = make_customer(operator)
    seed(operator, cid)
    response = operator.get(
        f"/customers/{cid}/cdrs.csv",
        params={"from": z(T0), "to": z(T0 + timedelta(hours=1)), "columns": "call_id,charge"},
    )
    assert response.text.splitlines() == ["call_id,charge", "k-0,0.012500", "k-1,0.012500"]
    assert "filename=cdr_" in response.headers["content-disposition"]


def test_csv_bad_requests(operator: Api, anonymous: Api) -> None:
    cid = make_customer(operator)
    path = f"/customers/{cid}/cdrs.csv"
    cases = [
        ({"timeframe": "weekly", "period_start": "2026-10-06"}, "period_start"),
        ({"timeframe": "daily"}, "period_start"),
        ({}, "from"),
        ({"from": "2026-10-05", "to": "2026-10-04"}, "to"),
        ({"from": "2026-10-05", "to": "2026-10-06", "columns": "call_id,password"}, "columns"),
    ]
    for params, field in cases:
        response = operator.get(path, params=params)
        assert response.status_code == 422, (params, response.text)
        assert field in problem_fields(response), params
    assert anonymous.get(path, params={"from": "2026-10-05", "to": "2026-10-06"}).status_code == 401
    assert (
        operator.get(
            "/customers/999999/cdrs.csv", params={"from": "2026-10-05", "to": "2026-10-06"}
        ).status_code
        == 404
    )
