"""CDRs that arrive without a charge are rated at ingest from the customer's rate card (issue
13, docs/rating.md), on the API and the CLI paths; what cannot be rated is a per-row
rejection with its reason, and the rest of the batch is stored."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from sqlalchemy import select

from carrierdesk.db import transaction
from carrierdesk.models import Cdr
from fixtures.builders import cdr, deck, make_customer, make_rate_card, put_deck
from support import Api


def stored(db_url: str) -> dict[str, tuple[Any, ...]]:
    with transaction(db_url) as session:
        rows = session.execute(
            select(Cdr.call_id, Cdr.billed_duration, Cdr.charge, Cdr.dest_code, Cdr.dest_name,
                   Cdr.rate, Cdr.rated)
        ).all()  # fmt: skip
        return {row[0]: tuple(row[1:]) for row in rows}


def rated_customer(operator: Api) -> int:
    card = make_rate_card(operator, "Retail EUR", "EUR")
    body = deck(
        "44,United Kingdom,0.05,0,1,1,2026-01-01",
        "447,United Kingdom Mobile,0.0123,0.01,30,6,2026-01-01",
    )
    assert put_deck(operator, card, body).status_code == 200
    customer = make_customer(operator, "Rated Ltd", currency="EUR")
    assert operator.patch(f"/customers/{customer}", {"rate_card_id": card}).status_code == 200
    return customer


def test_posted_cdrs_without_a_charge_are_rated(operator: Api, db_url: str) -> None:
    customer = rated_customer(operator)
    mobile = cdr("m-1", customer, charge=None, callee="+44 7700 900123", duration=47)
    fixed = cdr("f-1", customer, charge=None, callee="00442079460958", duration=61)
    busy = cdr("b-1", customer, answered=False, charge=None, callee="447700900123")
    sent = cdr("s-1", customer, charge="1.500000", callee="447700900123")
    response = operator.post("/cdrs", [mobile, fixed, busy, sent])
    assert response.json() == {"accepted": 4, "duplicates": 0, "rejected": []}
    got = stored(db_url)
    six = Decimal("0.000001")
    assert got["m-1"] == (48, Decimal("0.019840"), "447", "United Kingdom Mobile",
                          Decimal("0.012300"), 3)  # fmt: skip
    assert got["f-1"] == (61, Decimal("0.050833"), "44", "United Kingdom", Decimal("0.05") * 1, 3)
    assert got["b-1"][:2] == (0, Decimal("0").quantize(six)) and got["b-1"][-1] == 3
    # A charge the switch sent is kept, and is not carrierdesk's to re-rate.
    assert got["s-1"][1] == Decimal("1.500000") and got["s-1"][-1] == 0


def test_what_cannot_be_rated_is_rejected_and_the_rest_stored(operator: Api, db_url: str) -> None:
    customer = rated_customer(operator)
    plain = make_customer(operator, "No Card Ltd", currency="EUR")
    rows = [
        cdr("ok", customer, charge=None),
        cdr("de", customer, charge=None, callee="+49 30 123456"),
        cdr("nocard", plain, charge=None),
    ]
    body = operator.post("/cdrs", rows).json()
    assert body["accepted"] == 1
    assert [(r["row"], r["call_id"], r["errors"]) for r in body["rejected"]] == [
        (1, "de", ['callee: no rate for 4930123456 in rate card "Retail EUR"']),
        (2, "nocard", ["charge: missing, and the customer has no rate card to rate it"]),
    ]
    assert set(stored(db_url)) == {"ok"}


def test_a_new_rate_holds_for_the_next_batch(operator: Api, db_url: str) -> None:
    customer = rated_customer(operator)
    call = cdr("de-1", customer, charge=None, callee="4930123456")
    assert operator.post("/cdrs", [call]).json()["accepted"] == 0
    card = operator.get(f"/customers/{customer}").json()["rate_card_id"]
    assert put_deck(operator, card, deck("49,Germany,0.02,0,60,60,2026-01-01")).status_code == 200
    assert operator.post("/cdrs", [call]).json()["accepted"] == 1
    assert stored(db_url)["de-1"][:3] == (60, Decimal("0.020000"), "49")
