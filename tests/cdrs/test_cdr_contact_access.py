"""A contact's token reaches its own customer's CDRs and summary only (API.md)."""

from __future__ import annotations

from fixtures.builders import cdr, contact_api, make_customer
from support import Api

PASSWORD = "Contact!Pass2026"


def test_contact_reads_own_cdrs_and_summary_only(operator: Api) -> None:
    mine = make_customer(operator, name="Mine")
    other = make_customer(operator, name="Other")
    operator.post("/cdrs", [cdr("m-1", mine), cdr("o-1", other)])
    contact = contact_api(operator, mine, "ann@mine.example", PASSWORD)
    day = {"from": "2026-10-05", "to": "2026-10-06"}
    assert contact.get(f"/customers/{mine}/summary", params=day).status_code == 200
    items = contact.get(f"/customers/{mine}/cdrs").json()["items"]
    assert [c["call_id"] for c in items] == ["m-1"]
    assert contact.get(f"/customers/{mine}/cdrs.csv", params=day).status_code == 200
    for path in ("summary", "cdrs", "cdrs.csv"):
        assert contact.get(f"/customers/{other}/{path}", params=day).status_code == 404
    assert contact.post("/cdrs", [cdr("m-2", mine)]).status_code == 403
    assert contact.post("/summary/refresh").status_code == 403
