"""The dashboard, the Summary, the SIP users and rooms (PRODUCT.md §10), and the scoping rule:
a contact sees its own customer only; another customer's records are 404, and nothing of them
appears anywhere."""

from __future__ import annotations

from typing import Any

import pytest

from portal.portal_helpers import PASSWORD, Portal, cdr
from support import problem_fields


@pytest.fixture
def two_customers(
    operator: Any, admin: Any, acme: int, northwind: int, ann: dict[str, Any], bob: dict[str, Any]
) -> None:
    """Acme (Ann) and Northwind (Bob), each with a SIP user, a room and a call."""
    assert admin.patch("/settings/options", {"number_range_start": 1000, "block_size": 100})
    for customer, username, room, extension in (
        (acme, "1001", "Acme Standup", "1050"),
        (northwind, "1101", "Northwind Board", "1150"),
    ):
        assert operator.post(f"/customers/{customer}/number-blocks").status_code == 201
        created = operator.post(f"/customers/{customer}/sip-users", {"username": username})
        assert created.status_code == 201, created.text
        body = {"name": room, "extension": extension, "pin": "4321"}
        assert operator.post(f"/customers/{customer}/conferences", body).status_code == 201
    calls = [cdr("acme-1", acme, "0.125000"), cdr("northwind-1", northwind, "9.990000")]
    assert operator.post("/cdrs", calls).json()["accepted"] == 2
    assert operator.post("/summary/refresh").status_code == 200


def test_dashboard_shows_the_customer_the_checklist_and_only_public_notes(
    ann_portal: Portal, ann: dict[str, Any]
) -> None:
    page = ann_portal.get("/portal/")
    assert page.status_code == 200
    assert '<h1 class="h3 mb-0 customer-name">Acme Telecom</h1>' in page.text
    assert ">active</span>" in page.text
    assert "Your account manager is Sam." in page.text
    assert "Pays late" not in page.text  # private notes never reach the portal
    for item in ("email", "mobile", "totp"):
        assert f"checklist-{item} todo" in page.text
    assert 'id="summary-grid" data-url="/portal/summary.json"' in page.text
    assert "<script>" not in page.text and "onclick" not in page.text


def test_summary_is_the_customers_own_without_cost_or_profit(
    ann_portal: Portal, two_customers: None
) -> None:
    for timeframe in ("24h", "daily", "monthly"):
        response = ann_portal.get("/portal/summary.json", params={"timeframe": timeframe})
        assert response.status_code == 200, response.text
        body = response.json()
        assert body["timeframe"] == timeframe and body["currency"] == "USD"
        assert body["totals"]["attempts"] == 1 and body["totals"]["charge"] == "0.125000"
        assert body["refreshed_at"] is not None
        starts = [row["period_start"] for row in body["items"]]
        assert starts == sorted(starts, reverse=True)  # newest first
        for row in [body["totals"], *body["items"]]:
            assert not {"cost", "profit", "profit_pct"} & set(row)
    bad = ann_portal.get("/portal/summary.json", params={"timeframe": "yearly"})
    assert bad.status_code == 422 and "timeframe" in problem_fields(bad)


def test_lists_show_the_contacts_customer_only(ann_portal: Portal, two_customers: None) -> None:
    sip = ann_portal.get("/portal/sip-users")
    assert sip.status_code == 200 and ">1001</td>" in sip.text
    rooms = ann_portal.get("/portal/conferences")
    assert rooms.status_code == 200 and "Acme Standup" in rooms.text and ">1050</td>" in rooms.text
    everything = (
        "".join(
            ann_portal.get(path).text
            for path in ("/portal/", "/portal/sip-users", "/portal/conferences", "/portal/profile")
        )
        + ann_portal.get("/portal/summary.json").text
    )
    for other in ("Northwind", "1101", "1150", "bob@northwind.example", "9.99"):
        assert other not in everything, other


def test_another_customers_records_are_404_to_a_contact(
    client: Any, ann: dict[str, Any], northwind: int, bob: dict[str, Any], two_customers: None
) -> None:
    login = client.post("/api/v1/auth/token", json={"email": ann["email"], "password": PASSWORD})
    headers = {"Authorization": f"Bearer {login.json()['access_token']}"}
    for path in (
        f"/customers/{northwind}",
        f"/customers/{northwind}/summary",
        f"/customers/{northwind}/sip-users",
        f"/customers/{northwind}/conferences",
        f"/contacts/{bob['id']}",
    ):
        response = client.get(f"/api/v1{path}", headers=headers)
        assert response.status_code == 404, path
        assert "Northwind" not in response.text


def test_unknown_portal_pages_are_404(ann_portal: Portal) -> None:
    assert ann_portal.get("/portal/nothing-here").status_code == 404
