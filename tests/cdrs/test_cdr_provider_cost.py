"""The cost of a CDR that names its provider and no cost is rated from the provider's rate card
(issue 13): the same rule as the charge, with the provider's increments and fee; every reason
a cost cannot be rated is a per-row rejection; re-rating recomputes it; what was sent stays."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

import pytest
from sqlalchemy import select

from carrierdesk.cdrs.rating import RATED_CHARGE, RATED_COST, RATED_DEST
from carrierdesk.db import transaction
from carrierdesk.models import Cdr
from fixtures.builders import cdr, deck, make_customer, make_rate_card, put_deck
from fixtures.database import fingerprint
from support import Api

RANGE = {"from": "2026-10-01T00:00:00Z", "to": "2026-11-01T00:00:00Z"}
CUSTOMER_DECK = deck("44,United Kingdom,0.05,0,1,1,2026-01-01")
BUY_DECK = deck("44,UK,0.02,0.001,30,6,2026-01-01", "4420,UK London,0.01,0,60,60,2026-01-01")


def stored(db_url: str) -> dict[str, tuple[Decimal, Decimal, int | None, int]]:
    """call_id → (charge, cost, provider_id, rated bits)."""
    with transaction(db_url) as session:
        query = select(Cdr.call_id, Cdr.charge, Cdr.cost, Cdr.provider_id, Cdr.rated)
        return {c: (charge, cost, p, r) for c, charge, cost, p, r in session.execute(query)}


@pytest.fixture
def carrier(operator: Api) -> dict[str, int]:
    """A EUR customer on a retail card, and provider "BT Wholesale" on a EUR buying card."""
    retail, buying = make_rate_card(operator), make_rate_card(operator, "Buy EUR", "EUR")
    for card, body in ((retail, CUSTOMER_DECK), (buying, BUY_DECK)):
        assert put_deck(operator, card, body).status_code == 200
    customer = make_customer(operator, "Rated Ltd", currency="EUR")
    assert operator.patch(f"/customers/{customer}", {"rate_card_id": retail}).status_code == 200
    answer = operator.post("/providers", {"name": "BT Wholesale", "rate_card_id": buying})
    assert answer.status_code == 201, answer.text
    return {"customer": customer, "provider": answer.json()["id"], "buying": buying}


def call(call_id: str, customer: int, answered: bool = True, **over: Any) -> dict[str, Any]:
    """A call to London (61 s when answered) naming the provider, with neither charge nor cost."""
    fields: dict[str, Any] = {"charge": None, "cost": None, "provider": "bt wholesale"}
    if answered:
        fields["duration"] = 61
    return cdr(call_id, customer, answered, **{**fields, **over})


def test_the_cost_is_rated_from_the_providers_card(
    operator: Api, db_url: str, carrier: dict[str, int]
) -> None:
    customer = carrier["customer"]
    rows = [
        call("both", customer),  # 4420 at 0.01, 60/60: 120 s → 0.02
        call("to-44", customer, callee="+441612345678"),  # 44: fee 0.001 + 30+36 s at 0.02
        call("sent-cost", customer, cost="0.500000"),
        call("no-provider", customer, provider=None),
        call("unanswered", customer, answered=False),
    ]
    answer = operator.post("/cdrs", rows)
    assert answer.json() == {"accepted": 5, "duplicates": 0, "rejected": []}
    found = stored(db_url)
    assert found["both"][1] == Decimal("0.020000")
    assert found["to-44"][1] == Decimal("0.023000")  # 0.001 + 66/60 × 0.02
    assert found["sent-cost"][1] == Decimal("0.500000")  # what the switch sent stays
    assert found["no-provider"][1] == Decimal("0")  # CDR.md's default without a provider
    assert found["unanswered"][1] == Decimal("0")  # no fee on an unanswered call
    assert found["both"][2] == carrier["provider"] and found["no-provider"][2] is None
    assert found["both"][3] == RATED_CHARGE | RATED_DEST | RATED_COST
    assert found["sent-cost"][3] == RATED_CHARGE | RATED_DEST
    assert found["both"][0] == Decimal("0.050833")  # the charge from the customer's card


def test_a_cost_that_cannot_be_rated_is_a_rejection_naming_why(
    operator: Api, db_url: str, carrier: dict[str, int]
) -> None:
    customer = carrier["customer"]
    usd = make_rate_card(operator, "Buy USD", "USD")
    assert put_deck(operator, usd, deck("44,UK,0.02,0,1,1,2026-01-01")).status_code == 200
    for provider in ({"name": "Dollar Carrier", "rate_card_id": usd}, {"name": "No Card"}):
        assert operator.post("/providers", provider).status_code == 201
    before = fingerprint(db_url, skip={"audit_log", "api_tokens"})
    answer = operator.post(
        "/cdrs",
        [
            call("unknown", customer, provider="Nobody Telecom"),
            call("no-card", customer, provider="No Card"),
            call("no-prefix", customer, callee="+33612345678", charge="0.1"),
            call("usd", customer, provider="Dollar Carrier"),
            call("long", customer, provider="x" * 101),
        ],
    )
    assert answer.status_code == 200, answer.text
    reasons = {r["call_id"]: r["errors"] for r in answer.json()["rejected"]}
    assert reasons == {
        "unknown": ["provider: does not match any provider"],
        "no-card": ["cost: missing, and the CDR's provider has no rate card to rate it"],
        "no-prefix": ['callee: no rate for 33612345678 in rate card "Buy EUR"'],
        "usd": [
            "cost: the provider's rate card \"Buy USD\" is in USD, the customer's currency is EUR"
        ],
        "long": ["provider: must be at most 100 characters"],
    }
    assert answer.json()["accepted"] == 0
    assert fingerprint(db_url, skip={"audit_log", "api_tokens"}) == before


def test_re_rating_recomputes_the_cost_and_leaves_a_sent_one(
    operator: Api, db_url: str, carrier: dict[str, int]
) -> None:
    customer = carrier["customer"]
    posted = operator.post("/cdrs", [call("rated", customer), call("sent", customer, cost="0.5")])
    assert posted.json()["accepted"] == 2
    cheaper = deck("4420,UK London,0.005,0,60,60,2026-01-01")
    assert put_deck(operator, carrier["buying"], cheaper, replace=True).status_code == 200
    answer = operator.post(f"/customers/{customer}/rerate", RANGE)
    assert answer.status_code == 200, answer.text
    assert answer.json()["cost_before"] == "0.520000"
    assert answer.json()["cost_after"] == "0.510000"  # 0.01 → 0.005 for 120 s; 0.5 sent stays
    found = stored(db_url)
    assert (found["rated"][1], found["sent"][1]) == (Decimal("0.010000"), Decimal("0.500000"))
    again = operator.post(f"/customers/{customer}/rerate", RANGE).json()
    assert again["cost_before"] == again["cost_after"] == "0.510000"


def test_the_csv_import_and_report_carry_the_provider(
    operator: Api, carrier: dict[str, int]
) -> None:
    customer = carrier["customer"]
    body = (
        "call_id,customer_id,start_time,answer_time,end_time,duration,callee,sip_code,provider\n"
        f"csv-1,{customer},2026-10-05T10:00:00Z,2026-10-05T10:00:05Z,2026-10-05T10:01:06Z,61,"
        "+442079460958,200,BT Wholesale\n"
    )
    answer = operator.post("/cdrs", content=body.encode(), headers={"Content-Type": "text/csv"})
    assert answer.json()["accepted"] == 1, answer.text
    report = operator.get(
        f"/customers/{customer}/cdrs.csv", params={"from": "2026-10-05", "to": "2026-10-06",
                                                   "columns": "call_id,cost,provider"},
    )  # fmt: skip
    assert report.status_code == 200, report.text
    assert report.text.splitlines() == ["call_id,cost,provider", "csv-1,0.020000,BT Wholesale"]
