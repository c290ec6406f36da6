"""The invoice PDF, checked as a person would: rendered to an image, and its text read back."""

from __future__ import annotations

import subprocess
from pathlib import Path

from fixtures.builders import contact_api, make_customer
from invoices.invoice_helpers import call, calls, generate
from support import Api


def test_pdf_renders_and_says_what_the_invoice_says(
    admin: Api, operator: Api, tmp_path: Path
) -> None:
    admin.patch(
        "/settings/options",
        {
            "invoice_company_text": "Northwind Voice Ltd\n1 Carrier Way, London",
            "invoice_payment_text": "IBAN GB29 NWBK 6016 1331 9268 19",
            "invoice_tax_name": "VAT",
        },
    )
    cid = make_customer(operator, "Zürich Telekom", reference="ACC-77", tax_rate="20")
    calls(
        operator,
        [call("a", cid, "2026-10-01", "10.005"), call("b", cid, "2026-10-02", "1234.5")],
    )
    [invoice] = generate(operator, cid, "weekly", "2026-09-28").json()["items"]
    answer = operator.get(f"/invoices/{invoice['id']}/pdf")
    assert answer.status_code == 200 and answer.headers["content-type"] == "application/pdf"
    assert f'filename="{invoice["number"]}.pdf"' in answer.headers["content-disposition"]
    pdf = tmp_path / "invoice.pdf"
    pdf.write_bytes(answer.content)
    subprocess.run(["pdftoppm", "-png", "-r", "50", str(pdf), str(tmp_path / "page")], check=True)
    assert (tmp_path / "page-1.png").stat().st_size > 5000
    text = subprocess.run(
        ["pdftotext", "-layout", str(pdf), "-"], check=True, capture_output=True, text=True
    ).stdout
    for expected in (
        "Northwind Voice Ltd",
        "1 Carrier Way, London",
        "Zürich Telekom",
        "ACC-77",
        invoice["number"],
        "2026-09-28 to 2026-10-04",
        "VAT (20%)",
        "IBAN GB29 NWBK 6016 1331 9268 19",
    ):
        assert expected in text, (expected, text)
    assert [line.split() for line in text.splitlines() if line.strip().startswith("2026-10-0")] == [
        ["2026-10-01", "1", "1.00", "10.01"],
        ["2026-10-02", "1", "1.00", "1,234.50"],
    ]
    assert "1,244.51" in text and "248.90" in text
    assert invoice["total"] == "1493.41" and "1,493.41" in text


def test_pdf_of_another_customer_is_not_found_for_a_contact(operator: Api) -> None:
    acme = make_customer(operator, "Acme")
    beta = make_customer(operator, "Beta")
    calls(operator, [call("a", acme, "2026-10-01", "1"), call("b", beta, "2026-10-01", "1")])
    [mine] = generate(operator, acme, "daily", "2026-10-01").json()["items"]
    [theirs] = generate(operator, beta, "daily", "2026-10-01").json()["items"]
    ann = contact_api(operator, acme, "ann@acme.example", name="Ann")
    assert ann.get(f"/invoices/{mine['id']}/pdf").status_code == 200
    assert ann.get(f"/invoices/{theirs['id']}/pdf").status_code == 404
    assert ann.get(f"/invoices/{theirs['id']}").status_code == 404
    assert [i["id"] for i in ann.get("/invoices").json()["items"]] == [mine["id"]]
    assert ann.get("/invoices", params={"customer_id": beta}).status_code == 404
    assert ann.get(f"/customers/{acme}/invoices").json()["total"] == 1
    assert ann.post(f"/invoices/{mine['id']}/mark-paid").status_code == 403
    assert ann.post(f"/invoices/{mine['id']}/void", {"reason": "no"}).status_code == 403
    refused = ann.post(f"/customers/{acme}/invoices/auto-generate")
    assert refused.status_code == 403
