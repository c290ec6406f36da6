"""Generate Invoice through the API: CDR.md's amounts, numbering, overlap, void, mark paid, and
every refusal leaving nothing behind."""

from __future__ import annotations

from datetime import date, timedelta
from decimal import Decimal

from sqlalchemy import select

from authz.world import VOLATILE  # rows any request touches (sessions, token use, audit)
from carrierdesk.db import transaction
from carrierdesk.models import AuditEntry, Invoice, InvoiceLine
from fixtures.builders import make_customer
from fixtures.database import fingerprint
from invoices.invoice_helpers import call, calls, count, generate, invoice_audits
from support import Api, problem_fields


def test_amounts_half_up_per_line_then_tax_on_the_subtotal(operator: Api, db_url: str) -> None:
    cid = make_customer(operator, currency="EUR", tax_rate="17.5", invoice_due_days=14)
    calls(
        operator,
        [
            # 1.004999 + 0.000001 = 1.005000: half-up gives 1.01 (half-even would give 1.00)
            call("a", cid, "2026-10-01", "1.004999", billed_duration=90),
            call("b", cid, "2026-10-01", "0.000001", billed_duration=31),
            call("c", cid, "2026-10-02", "2.344999", billed_duration=60),
            call("d", cid, "2026-10-02", "0", answered=False),
        ],
    )
    answer = generate(operator, cid, "monthly", "2026-10-01")
    assert answer.status_code == 201, answer.text
    [invoice] = answer.json()["items"]
    assert invoice["lines"] == [
        {"description": "2026-10-01", "calls": 2, "billed_minutes": "2.02", "net": "1.01"},
        {"description": "2026-10-02", "calls": 1, "billed_minutes": "1.00", "net": "2.34"},
    ]
    # subtotal 3.35; tax 3.35 × 17.5 % = 0.58625 → 0.59; total 3.94
    assert (invoice["subtotal"], invoice["tax"], invoice["total"]) == ("3.35", "0.59", "3.94")
    assert invoice["tax_rate"] == "17.5" and invoice["currency"] == "EUR"
    assert invoice["period_start"] == "2026-10-01T00:00:00Z"
    assert invoice["period_end"] == "2026-11-01T00:00:00Z"
    assert invoice["number"] == "INV-000001" and invoice["status"] == "issued"
    issued = date.fromisoformat(invoice["invoice_date"])
    assert date.fromisoformat(invoice["due_date"]) == issued + timedelta(days=14)
    fetched = operator.get(f"/invoices/{invoice['id']}").json()
    assert fetched == invoice
    assert invoice_audits(db_url, "invoice_generated") == [
        "Invoice INV-000001 generated for 2026-10-01 – 2026-10-31: 3.94 EUR"
    ]


def test_currency_minor_units_and_tax_rate_frozen(operator: Api) -> None:
    yen = make_customer(operator, "Tokyo Tel", currency="JPY", tax_rate="10")
    dinar = make_customer(operator, "Kuwait Tel", currency="KWD", tax_rate="5")
    calls(
        operator,
        [
            call("y1", yen, "2026-10-03", "100.5", currency="JPY"),
            call("k1", dinar, "2026-10-03", "1.0005", currency="KWD"),
        ],
    )
    [y] = generate(operator, yen, "daily", "2026-10-03").json()["items"]
    [k] = generate(operator, dinar, "daily", "2026-10-03").json()["items"]
    assert (y["subtotal"], y["tax"], y["total"]) == ("101", "10", "111")
    # 3 decimals shown, rounded to 0.01: EN 16931 allows invoice amounts 2 decimals at most
    assert (k["subtotal"], k["tax"], k["total"]) == ("1.000", "0.050", "1.050")
    # later changes to the customer never alter an issued invoice
    assert operator.patch(f"/customers/{yen}", {"tax_rate": "25"}).status_code == 200
    again = operator.get(f"/invoices/{y['id']}").json()
    assert (again["tax_rate"], again["tax"], again["total"]) == ("10", "10", "111")


def test_destination_grouping(admin: Api, operator: Api) -> None:
    assert admin.patch("/settings/options", {"invoice_line_grouping": "destination"}).is_success
    cid = make_customer(operator)
    calls(
        operator,
        [
            call(
                "a", cid, "2026-10-01", "0.50", dest_name="United Kingdom Mobile", dest_code="447"
            ),
            call(
                "b", cid, "2026-10-02", "0.25", dest_name="United Kingdom Mobile", dest_code="447"
            ),
            call("c", cid, "2026-10-02", "1.125", dest_name="France", dest_code="33"),
            call("d", cid, "2026-10-02", "0.10"),
            call("e", cid, "2026-10-09", "9.00", dest_name="France", dest_code="33"),  # next week
        ],
    )
    [invoice] = generate(operator, cid, "weekly", "2026-09-28").json()["items"]
    assert [(x["description"], x["calls"], x["net"]) for x in invoice["lines"]] == [
        ("Other destinations", 1, "0.10"),
        ("France (33)", 1, "1.13"),
        ("United Kingdom Mobile (447)", 2, "0.75"),
    ]
    assert invoice["subtotal"] == "1.98"


def test_numbers_prefix_padding_and_void_frees_the_period(
    admin: Api, operator: Api, db_url: str
) -> None:
    admin.patch("/settings/options", {"invoice_number_prefix": "CD/", "invoice_number_padding": 3})
    cid = make_customer(operator)
    calls(operator, [call(f"c{d}", cid, f"2026-10-0{d}", "1") for d in range(1, 4)])
    made = generate(operator, cid, "daily", "2026-10-02", "2026-10-01").json()["items"]
    assert [(i["number"], i["period_start"][:10]) for i in made] == [
        ("CD/001", "2026-10-01"),
        ("CD/002", "2026-10-02"),
    ]
    clash = generate(operator, cid, "weekly", "2026-09-28")
    assert clash.status_code == 409
    assert (
        clash.json()["invoice_number"] == "CD/001" and clash.json()["invoice_id"] == made[0]["id"]
    )
    assert "overlaps invoice CD/001" in problem_fields(clash)["period_starts.0"]
    assert count(db_url) == 2
    no_reason = operator.post(f"/invoices/{made[0]['id']}/void", {"reason": "  "})
    assert no_reason.status_code == 422 and "reason" in problem_fields(no_reason)
    assert operator.post(f"/invoices/{made[0]['id']}/void").status_code == 400
    assert count(db_url, status="void") == 0
    voided = operator.post(f"/invoices/{made[0]['id']}/void", {"reason": "CDRs re-rated"})
    assert voided.status_code == 200
    assert (voided.json()["status"], voided.json()["number"]) == ("void", "CD/001")
    assert voided.json()["void_reason"] == "CDRs re-rated"
    assert operator.post(f"/invoices/{made[0]['id']}/void", {"reason": "x"}).status_code == 409
    still = generate(operator, cid, "weekly", "2026-09-28")  # 10-02 is still invoiced
    assert still.status_code == 409 and still.json()["invoice_number"] == "CD/002"
    again = generate(operator, cid, "daily", "2026-10-01")
    assert again.status_code == 201 and again.json()["items"][0]["number"] == "CD/003"
    assert invoice_audits(db_url, "invoice_voided") == ["Invoice CD/001 voided: CDRs re-rated"]


def test_mark_paid(operator: Api, viewer: Api, db_url: str) -> None:
    cid = make_customer(operator)
    calls(operator, [call("a", cid, "2026-10-01", "1")])
    [invoice] = generate(operator, cid, "daily", "2026-10-01").json()["items"]
    assert viewer.post(f"/invoices/{invoice['id']}/mark-paid").status_code == 403
    paid = operator.post(f"/invoices/{invoice['id']}/mark-paid")
    assert paid.status_code == 200 and paid.json()["status"] == "paid" and paid.json()["paid_at"]
    assert operator.post(f"/invoices/{invoice['id']}/mark-paid").status_code == 409
    refused = operator.post(f"/invoices/{invoice['id']}/void", {"reason": "oops"})
    assert refused.status_code == 409 and count(db_url, status="paid") == 1
    today = date.fromisoformat(invoice["invoice_date"])  # issued today
    assert paid.json()["paid_on"] == today.isoformat() and paid.json()["payment_reference"] is None
    assert invoice_audits(db_url, "invoice_paid") == [
        f"Invoice INV-000001 marked paid on {today.isoformat()}"
    ]


def test_mark_paid_records_the_payment_date_and_reference(operator: Api, db_url: str) -> None:
    cid = make_customer(operator)
    calls(operator, [call("a", cid, "2026-10-01", "1")])
    [invoice] = generate(operator, cid, "daily", "2026-10-01").json()["items"]
    today = invoice["invoice_date"]
    body = {"paid_on": today, "reference": "  BACS 88812-X  "}
    paid = operator.post(f"/invoices/{invoice['id']}/mark-paid", body).json()
    assert (paid["paid_on"], paid["payment_reference"]) == (today, "BACS 88812-X")
    assert operator.get(f"/invoices/{invoice['id']}").json()["payment_reference"] == "BACS 88812-X"
    assert invoice_audits(db_url, "invoice_paid") == [
        f"Invoice INV-000001 marked paid on {today} (reference BACS 88812-X)"
    ]
    with transaction(db_url) as session:
        entry = session.scalars(select(AuditEntry).where(AuditEntry.action == "invoice_paid")).one()
        assert entry.changes["paid_on"] == [None, today]
        assert entry.changes["payment_reference"] == [None, "BACS 88812-X"]


def test_mark_paid_refuses_bad_input_naming_the_field(operator: Api, db_url: str) -> None:
    cid = make_customer(operator)
    calls(operator, [call("a", cid, "2026-10-01", "1")])
    [invoice] = generate(operator, cid, "daily", "2026-10-01").json()["items"]
    issued = date.fromisoformat(invoice["invoice_date"])
    path = f"/invoices/{invoice['id']}/mark-paid"
    refusals = {
        "paid_on": [
            ({"paid_on": (issued + timedelta(days=1)).isoformat()}, "must not be in the future"),
            (
                {"paid_on": (issued - timedelta(days=1)).isoformat()},
                f"must not be before the invoice date ({issued.isoformat()})",
            ),
            ({"paid_on": "yesterday"}, "date"),
        ],
        "reference": [
            ({"reference": "x" * 101}, "100"),
            ({"reference": "line one\nline two"}, "must be one line"),
            ({"reference": "nul\u0000"}, "control characters"),
        ],
        "colour": [({"colour": "green"}, "not a field that can be set here")],
    }
    before = fingerprint(db_url, VOLATILE)
    for field, cases in refusals.items():
        for body, words in cases:
            answer = operator.post(path, body)
            assert answer.status_code == 422, (body, answer.text)
            fields = problem_fields(answer)
            assert field in fields and words in fields[field], (body, fields)
    assert fingerprint(db_url, VOLATILE) == before
    assert invoice_audits(db_url, "invoice_paid") == []
    assert operator.get(f"/invoices/{invoice['id']}").json()["status"] == "issued"


def test_bad_requests_store_nothing_and_leave_no_gap(operator: Api, db_url: str) -> None:
    cid = make_customer(operator)
    calls(operator, [call("a", cid, "2026-10-05", "1"), call("b", cid, "2026-10-06", "0")])
    cases = [
        ({"timeframe": "weekly", "period_starts": ["2026-10-06"]}, 422, "period_starts.0"),
        ({"timeframe": "monthly", "period_starts": ["2026-10-05"]}, 422, "period_starts.0"),
        (
            {"timeframe": "daily", "period_starts": ["2026-10-05", "2026-10-05"]},
            422,
            "period_starts.1",
        ),
        ({"timeframe": "daily", "period_starts": []}, 422, "period_starts"),
        ({"timeframe": "daily", "period_starts": ["5 Oct"]}, 422, "period_starts.0"),
        ({"timeframe": "yearly", "period_starts": ["2026-01-01"]}, 422, "timeframe"),
        ({"timeframe": "daily", "period_starts": ["2026-10-06"]}, 422, "period_starts.0"),
        ({"timeframe": "daily", "period_starts": ["2099-01-01"]}, 422, "period_starts"),
        ({"timeframe": "weekly", "period_starts": ["0001-01-01"]}, 422, "period_starts.0"),
        ({"timeframe": "monthly", "period_starts": ["9999-12-01"]}, 422, "period_starts.0"),
        ({"timeframe": "daily", "period_starts": ["2026-10-01"], "x": 1}, 422, "x"),
        # the first period is fine and takes a number; the second has no charges: all rolled back
        (
            {"timeframe": "daily", "period_starts": ["2026-10-05", "2026-10-06"]},
            422,
            "period_starts.1",
        ),
    ]
    for body, status, field in cases:
        answer = operator.post(f"/customers/{cid}/invoices", body)
        assert answer.status_code == status, (body, answer.text)
        assert field in problem_fields(answer), (body, answer.text)
    assert operator.post("/customers/999/invoices", cases[0][0]).status_code == 404
    assert count(db_url) == 0 and count(db_url, InvoiceLine) == 0
    ok = generate(operator, cid, "daily", "2026-10-05")
    assert ok.json()["items"][0]["number"] == "INV-000001"


def test_a_period_the_summary_has_not_caught_up_with_is_refused(operator: Api, db_url: str) -> None:
    cid = make_customer(operator)
    calls(operator, [call("a", cid, "2026-10-05", "1")], summarise=False)
    answer = generate(operator, cid, "daily", "2026-10-05")
    assert answer.status_code == 409 and "refresh the summary" in answer.json()["detail"]
    assert count(db_url) == 0


def test_list_filters_and_permissions(operator: Api, viewer: Api, db_url: str) -> None:
    acme = make_customer(operator, "Acme")
    beta = make_customer(operator, "Beta")
    calls(operator, [call("a", acme, "2026-10-01", "1"), call("b", beta, "2026-10-01", "2")])
    first = generate(operator, acme, "daily", "2026-10-01").json()["items"][0]
    generate(operator, beta, "daily", "2026-10-01")
    operator.post(f"/invoices/{first['id']}/mark-paid")
    assert viewer.get("/invoices").json()["total"] == 2
    assert [i["customer_name"] for i in viewer.get("/invoices").json()["items"]] == ["Beta", "Acme"]
    assert viewer.get("/invoices", params={"customer_id": beta}).json()["total"] == 1
    assert (
        viewer.get("/invoices", params={"status": "paid"}).json()["items"][0]["id"] == first["id"]
    )
    today = first["invoice_date"]
    assert viewer.get("/invoices", params={"issued_from": today}).json()["total"] == 2
    assert viewer.get("/invoices", params={"issued_to": "2026-01-01"}).json()["total"] == 0
    assert viewer.get(f"/customers/{acme}/invoices").json()["total"] == 1
    bad = viewer.get("/invoices", params={"status": "late"})
    assert bad.status_code == 422 and "status" in problem_fields(bad)
    reversed_range = viewer.get(
        "/invoices", params={"issued_from": today, "issued_to": "2020-01-01"}
    )
    assert reversed_range.status_code == 422 and "issued_to" in problem_fields(reversed_range)
    assert (
        viewer.post(
            f"/customers/{acme}/invoices", {"timeframe": "daily", "period_starts": ["2026-10-02"]}
        ).status_code
        == 403
    )
    assert viewer.post(f"/customers/{acme}/invoices/auto-generate").status_code == 403
    assert count(db_url) == 2


def test_a_customer_with_invoices_cannot_be_deleted(operator: Api) -> None:
    cid = make_customer(operator)
    calls(operator, [call("a", cid, "2026-10-01", "1")])
    generate(operator, cid, "daily", "2026-10-01")
    refused = operator.delete(f"/customers/{cid}")
    assert refused.status_code == 409 and "1 invoices" in refused.json()["detail"]
    assert operator.get(f"/customers/{cid}").status_code == 200


def test_money_is_stored_exactly(operator: Api, db_url: str) -> None:
    from carrierdesk.db import transaction

    cid = make_customer(operator)
    calls(operator, [call("a", cid, "2026-10-01", "0.123456")])
    generate(operator, cid, "daily", "2026-10-01")
    with transaction(db_url) as session:
        invoice = session.get(Invoice, 1)
        assert invoice is not None
        assert invoice.summary_charge == Decimal("0.123456") and invoice.subtotal == Decimal("0.12")
