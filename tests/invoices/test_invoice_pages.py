"""Control Panel › Invoices: the global page with filters, the customer's tab with Auto
Generate Invoice, and the invoice page (lines, totals, PDF, mark paid, void with a reason)."""

from __future__ import annotations

from fixtures.builders import make_customer
from fixtures.panel import OPTIONS_FORM, Panel, field_errors, flashes
from invoices.invoice_helpers import call, calls, count, generate
from support import Api


def arrange(operator: Api) -> tuple[int, int]:
    acme = make_customer(operator, "Acme", invoice_schedule="monthly", tax_rate="20")
    beta = make_customer(operator, "Beta")
    calls(
        operator,
        [
            call("a1", acme, "2026-09-03", "10.005"),
            call("a2", acme, "2026-10-03", "2.50"),
            call("b1", beta, "2026-10-04", "1"),
        ],
    )
    return acme, beta


def test_auto_generate_from_the_tab_then_view_pay_and_void(
    operator_panel: Panel, operator: Api, db_url: str
) -> None:
    acme, _beta = arrange(operator)
    page = operator_panel.get(f"/customers/{acme}/invoices")
    assert page.status_code == 200 and "No invoices." in page.text
    assert 'data-tab="invoices"' in page.text and 'id="auto-generate"' in page.text
    shown = operator_panel.submit(f"/customers/{acme}/invoices/auto-generate")
    assert flashes(shown.text) == ["Created 2 invoice(s): INV-000001, INV-000002."]
    assert shown.text.count("data-invoice-id=") == 2
    again = operator_panel.submit(f"/customers/{acme}/invoices/auto-generate")
    assert flashes(again.text) == ["Created 0 invoice(s)."] and count(db_url) == 2

    view = operator_panel.get("/invoices/1")
    assert "INV-000001" in view.text and "2026-09-03" in view.text
    assert 'id="invoice-subtotal">10.01<' in view.text
    assert 'id="invoice-tax">2.00<' in view.text and 'id="invoice-total">12.01<' in view.text
    pdf = operator_panel.get("/invoices/1/pdf")
    assert pdf.headers["content-type"] == "application/pdf" and pdf.content[:4] == b"%PDF"

    no_reason = operator_panel.post("/invoices/1/void", {"reason": " "})
    assert no_reason.status_code == 422 and "reason" in field_errors(no_reason.text)
    assert count(db_url, status="void") == 0
    voided = operator_panel.submit("/invoices/1/void", {"reason": "wrong rates"})
    assert flashes(voided.text) == ["Invoice INV-000001 voided."]
    assert "wrong rates" in voided.text and 'data-invoice-status="void"' in voided.text
    refused = operator_panel.post("/invoices/1/mark-paid")
    assert refused.status_code == 422 and "only an issued invoice" in refused.text
    paid = operator_panel.submit("/invoices/2/mark-paid")
    assert flashes(paid.text) == ["Invoice INV-000002 marked paid."]


def test_global_list_filters(panel: Panel, operator: Api) -> None:
    acme, beta = arrange(operator)
    generate(operator, acme, "monthly", "2026-09-01")
    generate(operator, beta, "monthly", "2026-10-01")
    operator.post("/invoices/2/mark-paid")
    everything = panel.get("/invoices")
    assert everything.text.count("data-invoice-id=") == 2
    only_beta = panel.get("/invoices", params={"customer_id": beta})
    assert only_beta.text.count("data-invoice-id=") == 1 and "INV-000002" in only_beta.text
    paid = panel.get("/invoices", params={"status": "paid"})
    assert paid.text.count("data-invoice-id=") == 1 and "INV-000002" in paid.text
    none = panel.get("/invoices", params={"issued_to": "2020-01-01"})
    assert "No invoices." in none.text
    bad = panel.get("/invoices", params={"issued_from": "yesterday"})
    assert bad.status_code == 422 and "issued_from" in field_errors(bad.text)


def test_viewer_sees_but_cannot_change(viewer_panel: Panel, operator: Api, db_url: str) -> None:
    acme, _ = arrange(operator)
    generate(operator, acme, "monthly", "2026-09-01")
    page = viewer_panel.get("/invoices/1")
    assert page.status_code == 200 and 'id="void"' not in page.text
    assert 'id="auto-generate"' not in viewer_panel.get(f"/customers/{acme}/invoices").text
    assert viewer_panel.post("/invoices/1/void", {"reason": "x"}).status_code == 403
    assert viewer_panel.post(f"/customers/{acme}/invoices/auto-generate").status_code == 403
    assert count(db_url) == 1 and count(db_url, status="void") == 0


def test_settings_options_carry_the_invoice_texts(panel: Panel, operator: Api) -> None:
    form = panel.get("/settings/options").text
    assert 'name="invoice_number_prefix" type="text"\n         value="INV-"' in form
    invoice_texts = {
        "invoice_number_prefix": "NW-",
        "invoice_number_padding": "4",
        "invoice_tax_name": "VAT",
        "invoice_company_text": "Northwind Voice Ltd\n1 Carrier Way",
        "invoice_payment_text": "IBAN GB00 0000",
    }
    bad = panel.post(
        "/settings/options", {**OPTIONS_FORM, **invoice_texts, "invoice_number_padding": "0"}
    )
    assert bad.status_code == 422 and "invoice_number_padding" in field_errors(bad.text)
    bad_prefix = panel.post(
        "/settings/options", {**OPTIONS_FORM, **invoice_texts, "invoice_number_prefix": "A B"}
    )
    assert bad_prefix.status_code == 422 and "invoice_number_prefix" in field_errors(
        bad_prefix.text
    )
    saved = panel.submit("/settings/options", {**OPTIONS_FORM, **invoice_texts})
    assert flashes(saved.text) == ["Options saved."]
    assert "Northwind Voice Ltd\n1 Carrier Way</textarea>" in saved.text
    acme = make_customer(operator)
    calls(operator, [call("a", acme, "2026-10-01", "1")])
    [invoice] = generate(operator, acme, "daily", "2026-10-01").json()["items"]
    assert (invoice["number"], invoice["tax_name"]) == ("NW-0001", "VAT")


def test_mark_paid_dialog_records_the_date_and_reference(
    operator_panel: Panel, operator: Api, db_url: str
) -> None:
    acme, _ = arrange(operator)
    [invoice] = generate(operator, acme, "monthly", "2026-09-01").json()["items"]
    issued = invoice["invoice_date"]
    page = operator_panel.get("/invoices/1").text
    dialog = page.split('id="mark-paid-dialog"', 1)[1]
    assert f'value="{issued}"' in dialog and f'min="{issued}" max="{issued}"' in dialog
    assert 'data-bs-target="#mark-paid-dialog"' in page

    too_late = operator_panel.post(
        "/invoices/1/mark-paid", {"paid_on": "2999-01-01", "reference": "TR-1"}
    )
    assert too_late.status_code == 422
    assert field_errors(too_late.text)["paid_on"].startswith("must not be in the future")
    assert "data-open-on-load" in too_late.text and 'value="TR-1"' in too_late.text
    long = operator_panel.post("/invoices/1/mark-paid", {"paid_on": issued, "reference": "x" * 101})
    assert "100 characters" in field_errors(long.text)["reference"]
    assert count(db_url, status="paid") == 0

    paid = operator_panel.submit("/invoices/1/mark-paid", {"paid_on": issued, "reference": "TR-1"})
    assert flashes(paid.text) == ["Invoice INV-000001 marked paid."]
    shown = paid.text.split('id="invoice-paid">', 1)[1].split("</dd>", 1)[0]
    assert shown.startswith(issued) and "reference <span" in shown and ">TR-1<" in shown
    log = operator_panel.get("/audit-log?action=invoice_paid").text
    assert f"marked paid on {issued} (reference TR-1)" in log
