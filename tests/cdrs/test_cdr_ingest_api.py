"""POST /cdrs: CDR.md's rejection rules, duplicates, and partial batches (PRODUCT.md §5)."""

from __future__ import annotations

from datetime import timedelta
from decimal import Decimal
from typing import Any

import pytest
from sqlalchemy import select
from sqlalchemy.orm import Session

from carrierdesk.models import Cdr
from cdrs.cdr_helpers import post_csv, stored
from fixtures.builders import T0, cdr, make_customer, to_csv, z
from support import Api, problem_fields


def test_valid_batch_is_stored_with_defaults(operator: Api, db: Session) -> None:
    cid = make_customer(operator)
    rows = [cdr("a-1", cid), cdr("a-2", cid, answered=False, pdd_ms=None)]
    response = operator.post("/cdrs", rows)
    assert response.status_code == 200, response.text
    assert response.json() == {"accepted": 2, "duplicates": 0, "rejected": []}
    first = db.scalars(select(Cdr).where(Cdr.call_id == "a-1")).one()
    assert first.start_time == T0 and first.billed_duration == 60
    assert first.charge == Decimal("0.012500") and first.direction == "outbound"
    assert first.customer_id == cid and first.answer_time == T0 + timedelta(seconds=10)


def test_customer_by_reference_and_offsets(operator: Api, db: Session) -> None:
    make_customer(operator, reference="ACME-1", currency="EUR")
    row = cdr("r-1", None, customer_ref="ACME-1", currency="EUR")
    row["start_time"] = "2026-10-05T14:00:00+02:00"
    row["answer_time"] = "2026-10-05T12:00:10Z"
    assert operator.post("/cdrs", [row]).json()["accepted"] == 1
    assert db.scalars(select(Cdr.start_time)).one() == T0


def test_duplicates_are_counted_not_stored_also_within_a_batch(operator: Api, db: Session) -> None:
    cid = make_customer(operator)
    assert operator.post("/cdrs", [cdr("d-1", cid)]).json()["accepted"] == 1
    again = operator.post("/cdrs", [cdr("d-1", cid), cdr("d-2", cid), cdr("d-2", cid)]).json()
    assert again == {"accepted": 1, "duplicates": 2, "rejected": []}
    # a resend with another start time is still the same call_id: a duplicate
    later = cdr("d-1", cid, start=T0 + timedelta(days=40))
    assert operator.post("/cdrs", [later]).json()["duplicates"] == 1
    assert stored(db) == 2


BAD: list[tuple[str, dict[str, Any], str]] = [
    ("missing call_id", {"call_id": None}, "call_id: is required"),
    ("long call_id", {"call_id": "x" * 129}, "call_id: must be at most 128 characters"),
    ("no customer", {"customer_id": None}, "customer_id: one of customer_id"),
    ("unknown customer", {"customer_id": 999999}, "customer_id: does not match any customer"),
    ("unknown ref", {"customer_ref": "NOPE"}, "customer_ref: does not match any customer"),
    ("unknown sip user", {"sip_user": "nobody"}, "sip_user: does not match any customer"),
    ("bad start", {"start_time": "yesterday"}, "start_time: must be an ISO 8601 time"),
    ("naive start", {"start_time": "2026-10-05T12:00:00"}, "start_time: must end with Z"),
    ("missing end", {"end_time": None}, "end_time: is required"),
    ("far future", {"start_time": "9999-12-31T23:00:00Z"}, "start_time: is not a plausible"),
    ("long ago", {"start_time": "1999-12-31T23:00:00Z"}, "start_time: is not a plausible"),
    ("bad duration", {"duration": "1.5"}, "duration: must be a whole number"),
    ("negative duration", {"duration": -1}, "duration: must be between 0"),
    ("bad billed", {"billed_duration": "x"}, "billed_duration: must be a whole number"),
    ("missing callee", {"callee": ""}, "callee: is required"),
    ("dest_code letters", {"dest_code": "44a"}, "dest_code: must be digits only"),
    ("sip code range", {"sip_code": 700}, "sip_code: must be between 100 and 699"),
    ("missing sip code", {"sip_code": None}, "sip_code: is required"),
    ("bad pdd", {"pdd_ms": -5}, "pdd_ms: must be between 0"),
    ("bad ring", {"ring_ms": "soon"}, "ring_ms: must be a whole number"),
    ("direction", {"direction": "sideways"}, "direction: must be outbound or inbound"),
    ("bad rate", {"rate": "-0.1"}, "rate: must not be negative"),
    ("missing charge", {"charge": None}, "charge: missing, and the customer has no rate card"),
    ("charge places", {"charge": "0.0000001"}, "charge: must have at most 6 decimal places"),
    ("charge text", {"charge": "ten"}, "charge: must be a decimal number"),
    ("negative cost", {"cost": "-1"}, "cost: must not be negative"),
    ("currency", {"currency": "EUR"}, "currency: must be the customer's currency, USD"),
    ("end before start", {"end_time": z(T0 - timedelta(seconds=1))}, "end_time: is before"),
    ("answer before start", {"answer_time": z(T0 - timedelta(seconds=1))}, "answer_time: is"),
    ("answer after end", {"answer_time": z(T0 + timedelta(seconds=71))}, "answer_time: is"),
    ("answered not 2xx", {"sip_code": 486}, "sip_code: must be 2xx on an answered call"),
    ("2xx unanswered", {"answer_time": None, "duration": 0}, "sip_code: is 2xx but"),
    ("duration too long", {"duration": 62}, "duration: is longer than"),
]


@pytest.mark.parametrize(("case", "change", "error"), BAD, ids=[b[0] for b in BAD])
def test_each_rejection_rule(
    operator: Api, db: Session, case: str, change: dict[str, Any], error: str
) -> None:
    cid = make_customer(operator)
    bad = {**cdr("bad-1", cid), **change}
    response = operator.post("/cdrs", [cdr("good-1", cid), {k: v for k, v in bad.items()}])
    assert response.status_code == 200, response.text
    body = response.json()
    assert body["accepted"] == 1 and body["duplicates"] == 0
    [rejected] = body["rejected"]
    assert rejected["row"] == 1
    assert any(e.startswith(error) for e in rejected["errors"]), rejected["errors"]
    assert stored(db) == 1  # the good neighbour only


def test_unanswered_with_duration_and_every_reason_reported(operator: Api, db: Session) -> None:
    cid = make_customer(operator)
    bad = cdr("u-1", cid, answered=False, duration=5, charge="x", direction="up")
    rejected = operator.post("/cdrs", [bad]).json()["rejected"][0]
    assert rejected["call_id"] == "u-1"
    assert set(rejected["errors"]) == {
        "duration: must be 0 on an unanswered call",
        "charge: must be a decimal number",
        "direction: must be outbound or inbound",
    }
    assert stored(db) == 0


def test_one_second_of_slack_on_duration(operator: Api, db: Session) -> None:
    cid = make_customer(operator)
    assert operator.post("/cdrs", [cdr("s-1", cid, duration=61)]).json()["accepted"] == 1


def test_customer_keys_must_agree(operator: Api, db: Session) -> None:
    cid = make_customer(operator)
    make_customer(operator, name="Other", reference="OTHER")
    rejected = operator.post("/cdrs", [cdr("k-1", cid, customer_ref="OTHER")]).json()["rejected"]
    assert rejected[0]["errors"] == ["customer_ref: belongs to another customer than customer_id"]
    assert stored(db) == 0


def test_non_object_rows_and_bad_bodies(operator: Api, db: Session) -> None:
    cid = make_customer(operator)
    body = operator.post("/cdrs", [cdr("o-1", cid), 42, "x"]).json()
    assert [r["row"] for r in body["rejected"]] == [1, 2] and body["accepted"] == 1
    not_array = operator.post("/cdrs", {"call_id": "o-2"})
    assert not_array.status_code == 400
    assert "JSON array" in not_array.json()["detail"]
    garbage = operator.post("/cdrs", content=b"[{", headers={"Content-Type": "application/json"})
    assert garbage.status_code == 400
    xml = operator.post("/cdrs", content=b"<cdr/>", headers={"Content-Type": "application/xml"})
    assert xml.status_code == 400
    assert stored(db) == 1


def test_batch_limit(operator: Api, db: Session) -> None:
    cid = make_customer(operator)
    too_many = [cdr(f"m-{i}", cid) for i in range(10_001)]
    response = operator.post("/cdrs", too_many)
    assert response.status_code == 422
    assert problem_fields(response) == {"body": "at most 10,000 CDRs per request"}
    assert stored(db) == 0


def test_who_may_post(viewer: Api, anonymous: Api, operator: Api, db: Session) -> None:
    cid = make_customer(operator)
    assert viewer.post("/cdrs", [cdr("w-1", cid)]).status_code == 403
    assert anonymous.post("/cdrs", [cdr("w-1", cid)]).status_code == 401
    assert stored(db) == 0


# --- CSV over the API -------------------------------------------------------------------------


def test_csv_batch_with_rows_numbered_from_one(operator: Api, db: Session) -> None:
    cid = make_customer(operator)
    rows = [cdr("c-1", cid), cdr("c-2", cid, sip_code="abc"), cdr("c-3", cid)]
    body = to_csv(rows, [*sorted(rows[0]), "unknown_column"])
    result = post_csv(operator, body).json()
    assert result["accepted"] == 2
    assert result["rejected"] == [
        {"row": 2, "call_id": "c-2", "errors": ["sip_code: must be a whole number"]}
    ]
    assert stored(db) == 2


def test_csv_empty_and_header_only(operator: Api, db: Session) -> None:
    assert post_csv(operator, b"").json() == {"accepted": 0, "duplicates": 0, "rejected": []}
    header = to_csv([cdr("h-1", 1)]).splitlines()[0] + b"\n"
    assert post_csv(operator, header).json()["accepted"] == 0
    assert stored(db) == 0


def test_csv_header_missing_columns_rejects_the_file(operator: Api, db: Session) -> None:
    cid = make_customer(operator)
    columns = [c for c in sorted(cdr("x", cid)) if c not in ("callee", "charge", "customer_id")]
    response = post_csv(operator, to_csv([cdr("x-1", cid)], columns))
    assert response.status_code == 422
    # charge is not required: a customer with a rate card has its calls rated.
    assert set(problem_fields(response)) == {"callee", "customer_id"}
    assert "callee" in response.json()["detail"]
    assert stored(db) == 0


def test_csv_not_utf8(operator: Api, db: Session) -> None:
    cid = make_customer(operator)
    good = to_csv([cdr("n-1", cid), cdr("n-2", cid, dest_name="Zürich")])
    latin1_row = good.replace("Zürich".encode(), "Zürich".encode("latin-1"))
    result = post_csv(operator, latin1_row).json()
    assert result["accepted"] == 1
    assert result["rejected"] == [{"row": 2, "call_id": None, "errors": ["row: is not UTF-8 text"]}]
    utf16 = post_csv(operator, good.decode().encode("utf-16"))
    assert utf16.status_code == 400 and "not UTF-8" in utf16.json()["detail"]
    assert stored(db) == 1


def test_csv_wrong_field_count(operator: Api, db: Session) -> None:
    cid = make_customer(operator)
    body = to_csv([cdr("f-1", cid)]) + b"only,three,fields\n"
    result = post_csv(operator, body).json()
    assert result["accepted"] == 1
    assert result["rejected"][0]["row"] == 2
    assert result["rejected"][0]["errors"][0].startswith("row: has 3 fields")
