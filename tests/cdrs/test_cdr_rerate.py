"""Re-rating (issue 13): a customer's charges that carrierdesk computed, in a range, computed
again from the rate cards as they now are — bounded (not over an invoice), all or nothing,
audited, summaries following; charges the switch sent never touched."""

from __future__ import annotations

from datetime import timedelta
from decimal import Decimal
from typing import Any

import pytest
from sqlalchemy import select

from carrierdesk.db import transaction
from carrierdesk.models import AuditEntry, Cdr
from carrierdesk.summaries.refresh import refresh
from fixtures.builders import T0, cdr, deck, make_customer, make_rate_card, put_deck, z
from fixtures.database import fingerprint
from support import Api, problem_fields

RANGE = {"from": "2026-10-01T00:00:00Z", "to": "2026-11-01T00:00:00Z"}


def charges(db_url: str) -> dict[str, Decimal]:
    with transaction(db_url) as session:
        return {c: charge for c, charge in session.execute(select(Cdr.call_id, Cdr.charge))}


@pytest.fixture
def rated(operator: Api) -> tuple[int, int]:
    """A customer on "Retail EUR" (44 at 0.05/min, 1/1) with three rated calls and one whose
    charge the switch sent; (customer, card)."""
    card = make_rate_card(operator)
    assert (
        put_deck(operator, card, deck("44,United Kingdom,0.05,0,1,1,2026-01-01")).status_code == 200
    )
    customer = make_customer(operator, "Rated Ltd", currency="EUR")
    assert operator.patch(f"/customers/{customer}", {"rate_card_id": card}).status_code == 200
    calls = [
        cdr(f"r-{n}", customer, charge=None, duration=60 * n,
            end_time=z(T0 + timedelta(seconds=10 + 60 * n)))
        for n in (1, 2, 3)
    ]  # fmt: skip
    calls.append(cdr("sent", customer, charge="9.000000"))
    assert operator.post("/cdrs", calls).json()["accepted"] == 4
    return customer, card


def test_a_new_rate_is_applied_to_the_range_and_audited(
    operator: Api, db_url: str, rated: tuple[int, int]
) -> None:
    customer, card = rated
    new = deck("44,United Kingdom,0.10,0,60,60,2026-01-01")
    assert put_deck(operator, card, new).status_code == 200
    answer = operator.post(f"/customers/{customer}/rerate", RANGE)
    assert answer.status_code == 200, answer.text
    assert answer.json() == {
        "cdrs": 3, "charge_before": "0.300000", "charge_after": "0.600000",
        "cost_before": "0.030000", "cost_after": "0.030000",  # the switch's costs: untouched
    }  # fmt: skip
    assert charges(db_url) == {
        "r-1": Decimal("0.100000"), "r-2": Decimal("0.200000"), "r-3": Decimal("0.300000"),
        "sent": Decimal("9.000000"),
    }  # fmt: skip
    with transaction(db_url) as session:
        [message] = session.scalars(select(AuditEntry.message).where(AuditEntry.action == "rerate"))
        refresh(session)
    assert "Re-rated 3 CDRs" in message and "0.300000 → 0.600000" in message
    day = operator.get(f"/customers/{customer}/summary", params={"timeframe": "daily",
                       "from": "2026-10-05", "to": "2026-10-06"}).json()  # fmt: skip
    assert Decimal(str(day["totals"]["charge"])) == Decimal("9.6")  # 0.6 re-rated + 9 sent


def test_re_rating_twice_changes_nothing_the_second_time(
    operator: Api, db_url: str, rated: tuple[int, int]
) -> None:
    customer, card = rated
    assert put_deck(operator, card, deck("44,UK,0.07,0,30,6,2026-01-01")).status_code == 200
    assert operator.post(f"/customers/{customer}/rerate", RANGE).status_code == 200
    once = fingerprint(db_url, skip={"audit_log", "summary_dirty"})
    again = operator.post(f"/customers/{customer}/rerate", RANGE).json()
    assert again["charge_before"] == again["charge_after"]
    assert fingerprint(db_url, skip={"audit_log", "summary_dirty"}) == once


def test_a_range_an_invoice_covers_is_refused(
    operator: Api, db_url: str, rated: tuple[int, int]
) -> None:
    customer, _card = rated
    with transaction(db_url) as session:
        refresh(session)
    invoice = operator.post(
        f"/customers/{customer}/invoices", {"timeframe": "daily", "period_starts": ["2026-10-05"]}
    )
    assert invoice.status_code == 201, invoice.text
    number = invoice.json()["items"][0]["number"]
    before = charges(db_url)
    refused = operator.post(f"/customers/{customer}/rerate", RANGE)
    assert refused.status_code == 409
    assert f"Invoice {number} covers part of this range" in refused.json()["detail"]
    assert charges(db_url) == before
    # Beside the invoice, a range is fine.
    later = {"from": z(T0.replace(day=6)), "to": "2026-11-01T00:00:00Z"}
    assert operator.post(f"/customers/{customer}/rerate", later).json()["cdrs"] == 0


def test_cdrs_that_cannot_be_rated_now_refuse_the_whole_rerate(
    operator: Api, db_url: str, rated: tuple[int, int]
) -> None:
    customer, card = rated
    replaced = put_deck(operator, card, deck("49,Germany,0.02,0,1,1,2026-01-01"), replace=True)
    assert replaced.status_code == 200
    before = fingerprint(db_url, skip={"summary_dirty"})
    answer = operator.post(f"/customers/{customer}/rerate", RANGE)
    assert answer.status_code == 409
    assert "3 of these CDRs cannot be rated now" in answer.json()["detail"]
    assert 'no rate for 442079460958 in rate card "Retail EUR"' in answer.json()["detail"]
    assert fingerprint(db_url, skip={"summary_dirty"}) == before


@pytest.mark.parametrize(
    ("body", "field"),
    [
        ({"to": "2026-11-01T00:00:00Z"}, "from"),
        ({"from": "2026-10-01T00:00:00Z"}, "to"),
        ({"from": "2026-10-01T00:00:00", "to": "2026-11-01T00:00:00Z"}, "from"),
        ({"from": "2026-11-01T00:00:00Z", "to": "2026-10-01T00:00:00Z"}, "to"),
        ({"from": "soon", "to": "2026-10-01T00:00:00Z"}, "from"),
        ({**RANGE, "customer": 3}, "customer"),
    ],
)
def test_bad_ranges_are_refused_by_name(
    operator: Api, db_url: str, rated: tuple[int, int], body: dict[str, Any], field: str
) -> None:
    customer, _card = rated
    before = charges(db_url)
    answer = operator.post(f"/customers/{customer}/rerate", body)
    assert answer.status_code == 422
    assert field in problem_fields(answer)
    assert charges(db_url) == before


def test_who_may_re_rate(operator: Api, viewer: Api, rated: tuple[int, int]) -> None:
    customer, _card = rated
    assert viewer.post(f"/customers/{customer}/rerate", RANGE).status_code == 403
    assert operator.post("/customers/99999/rerate", RANGE).status_code == 404
    plain = make_customer(operator, "No Card Ltd", currency="EUR")
    no_card = operator.post(f"/customers/{plain}/rerate", RANGE)
    assert no_card.status_code == 409 and "no rate card" in no_card.json()["detail"]


def test_the_command_line_re_rates_and_refuses_by_name(
    operator: Api, db_url: str, rated: tuple[int, int], monkeypatch: pytest.MonkeyPatch
) -> None:
    from typer.testing import CliRunner

    from carrierdesk.cli import app
    from carrierdesk.config import get_settings

    customer, card = rated
    monkeypatch.setenv("CARRIERDESK_DATABASE_URL", db_url)
    get_settings.cache_clear()
    assert put_deck(operator, card, deck("44,UK,0.10,0,60,60,2026-01-01")).status_code == 200
    args = ["cdr", "rerate", "--customer", str(customer), "--from", RANGE["from"]]
    done = CliRunner().invoke(app, [*args, "--to", RANGE["to"]])
    assert done.exit_code == 0, done.output
    assert "Re-rated 3 CDRs: charge 0.300000 → 0.600000" in done.output
    bad = CliRunner().invoke(app, [*args, "--to", "next week"])
    assert bad.exit_code == 1 and "to: must be an ISO 8601 time" in bad.output
