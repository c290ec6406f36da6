"""The portal's invoices (list, view, PDF) and CDR report downloads (PRODUCT.md §10): a contact
reaches its own customer's only; another customer's are 404 and appear nowhere."""

from __future__ import annotations

import csv
import io
import subprocess
from datetime import timedelta
from pathlib import Path
from typing import Any

import pytest
from playwright.sync_api import Page, expect

from carrierdesk.cdrs.fields import REPORT_COLUMNS
from fixtures.builders import T0, cdr
from invoices.invoice_helpers import call, calls, generate
from portal.portal_helpers import PASSWORD, Portal
from portal.portal_helpers import cdr as portal_cdr
from support import Api

Invoices = dict[str, list[dict[str, Any]]]


@pytest.fixture
def invoices(operator: Api, acme: int, northwind: int) -> Invoices:
    """Acme: a September and an October invoice (in that order); Northwind: an October one."""
    calls(
        operator,
        [
            call("acme-sep", acme, "2026-09-15", "2.5", billed_duration=120),
            call("acme-oct", acme, "2026-10-01", "10.005"),
            call("nw-oct", northwind, "2026-10-01", "777.77"),
        ],
    )
    made: Invoices = {"acme": [], "northwind": []}
    for owner, cid, start in (
        ("acme", acme, "2026-09-01"),
        ("acme", acme, "2026-10-01"),
        ("northwind", northwind, "2026-10-01"),
    ):
        answer = generate(operator, cid, "monthly", start)
        assert answer.status_code == 201, answer.text
        made[owner] += answer.json()["items"]
    return made


def test_contact_lists_its_invoices_newest_first(ann_portal: Portal, invoices: Invoices) -> None:
    september, october = invoices["acme"]
    page = ann_portal.get("/portal/invoices")
    assert page.status_code == 200
    assert 'href="/portal/invoices">Invoices</a>' in page.text  # in the navigation
    assert page.text.index(october["number"]) < page.text.index(september["number"])
    row = page.text.split(f'data-invoice-id="{october["id"]}"', 1)[1].split("</tr>", 1)[0]
    assert f'href="/portal/invoices/{october["id"]}">{october["number"]}</a>' in row
    assert "Monthly · 2026-10-01 – 2026-10-31" in row
    assert f"<td>{october['invoice_date']}</td>" in row
    assert f"<td>{october['due_date']}</td>" in row
    assert f"{october['total']} USD" in row and ">Issued</span>" in row
    assert f'href="/portal/invoices/{october["id"]}/pdf"' in row
    assert "<script>" not in page.text


def test_contact_views_an_invoice_and_downloads_its_pdf(
    ann_portal: Portal, invoices: Invoices, tmp_path: Path
) -> None:
    september = invoices["acme"][0]
    page = ann_portal.get(f"/portal/invoices/{september['id']}")
    assert page.status_code == 200
    assert f'id="invoice-number">{september["number"]}</span>' in page.text
    assert "<tr><td>2026-09-15</td>" in page.text and ">2.00</td>" in page.text  # the line
    for part in ("subtotal", "tax", "total"):
        assert f'id="invoice-{part}">{september[part]}</td>' in page.text
    assert f'href="/portal/invoices/{september["id"]}/pdf"' in page.text
    pdf = ann_portal.get(f"/portal/invoices/{september['id']}/pdf")
    assert pdf.status_code == 200 and pdf.headers["content-type"] == "application/pdf"
    assert f'filename="{september["number"]}.pdf"' in pdf.headers["content-disposition"]
    path = tmp_path / "invoice.pdf"
    path.write_bytes(pdf.content)
    text = subprocess.run(
        ["pdftotext", "-layout", str(path), "-"], check=True, capture_output=True, text=True
    ).stdout
    assert september["number"] in text and "Acme Telecom" in text


def test_another_customers_invoice_is_404_and_nowhere_listed(
    ann_portal: Portal, invoices: Invoices
) -> None:
    theirs = invoices["northwind"][0]
    for path in (f"/portal/invoices/{theirs['id']}", f"/portal/invoices/{theirs['id']}/pdf"):
        answer = ann_portal.get(path)
        assert answer.status_code == 404, path
        assert theirs["number"] not in answer.text and "Northwind" not in answer.text
    assert ann_portal.get("/portal/invoices/999999").status_code == 404
    listed = ann_portal.get("/portal/invoices").text + ann_portal.get("/portal/").text
    for other in (theirs["number"], "Northwind", "777.77"):
        assert other not in listed, other


def read_csv(text: str) -> list[dict[str, str]]:
    return list(csv.DictReader(io.StringIO(text)))


@pytest.fixture
def cdrs(operator: Api, acme: int, northwind: int) -> None:
    """Acme: two calls on 2026-10-05 and one the next day; Northwind: one on 2026-10-05."""
    rows = [
        cdr("acme-1", acme, start=T0),
        cdr("acme-2", acme, start=T0 + timedelta(hours=1)),
        cdr("acme-next-day", acme, start=T0 + timedelta(days=1)),
        cdr("nw-1", northwind, start=T0, charge="9.990000"),
    ]
    assert operator.post("/cdrs", rows).json()["accepted"] == 4


def test_cdr_report_of_a_day_and_a_month(
    ann_portal: Portal, operator: Api, acme: int, cdrs: None
) -> None:
    day = ann_portal.get(
        "/portal/cdrs.csv", params={"timeframe": "daily", "period_start": "2026-10-05"}
    )
    assert day.status_code == 200 and day.headers["content-type"].startswith("text/csv")
    assert day.headers["content-disposition"] == f"attachment; filename=cdr_{acme}_2026-10-05.csv"
    header = day.text.splitlines()[0].split(",")
    # neither the carrier's cost nor the provider it bought the call from is shown
    assert header == [c for c in REPORT_COLUMNS if c not in ("cost", "provider")]
    rows = read_csv(day.text)
    assert [r["call_id"] for r in rows] == ["acme-1", "acme-2"]
    assert {r["customer_name"] for r in rows} == {"Acme Telecom"}
    assert rows[0]["start_time"] == "2026-10-05T12:00:00Z" and rows[0]["charge"] == "0.012500"
    # the same rows as the API's report of the customer, but for the cost
    api = operator.get(
        f"/customers/{acme}/cdrs.csv",
        params={"timeframe": "daily", "period_start": "2026-10-05", "columns": ",".join(header)},
    )
    assert api.text == day.text
    month = ann_portal.get(
        "/portal/cdrs.csv", params={"timeframe": "monthly", "period_start": "2026-10-01"}
    )
    assert month.headers["content-disposition"].endswith(f"cdr_{acme}_2026-10.csv")
    assert [r["call_id"] for r in read_csv(month.text)] == ["acme-1", "acme-2", "acme-next-day"]
    assert "nw-1" not in day.text + month.text and "9.99" not in day.text + month.text


def test_cdr_report_refuses_what_is_not_a_period(ann_portal: Portal, cdrs: None) -> None:
    for params in (
        {"timeframe": "monthly", "period_start": "2026-10-05"},
        {"timeframe": "daily", "period_start": "yesterday"},
        {"timeframe": "daily"},
        {"timeframe": "yearly", "period_start": "2026-01-01"},
    ):
        answer = ann_portal.get("/portal/cdrs.csv", params=params)
        assert answer.status_code == 422, params
        assert "period_start" in answer.text or "timeframe" in answer.text
        assert "acme-1" not in answer.text


def test_cdr_reports_page_and_the_summary_grid_offer_downloads(ann_portal: Portal) -> None:
    page = ann_portal.get("/portal/cdr-reports")
    assert page.status_code == 200
    assert 'href="/portal/cdr-reports">CDR Reports</a>' in page.text
    for form, timeframe in (("cdr-report-day", "daily"), ("cdr-report-month", "monthly")):
        chunk = page.text.split(f'id="{form}"', 1)[1].split("</form>", 1)[0]
        assert f'name="timeframe" value="{timeframe}"' in chunk and 'name="period_start"' in chunk
    assert 'action="/portal/cdrs.csv"' in page.text
    script = ann_portal.get("/static/portal.js").text
    assert "/portal/cdrs.csv?timeframe=" in script  # the Summary grid's per-row download


def test_anonymous_is_sent_to_the_login(portal: Portal, invoices: Invoices) -> None:
    mine = invoices["acme"][0]["id"]
    for path in (
        "/portal/invoices",
        f"/portal/invoices/{mine}",
        f"/portal/invoices/{mine}/pdf",
        "/portal/cdr-reports",
        "/portal/cdrs.csv?timeframe=daily&period_start=2026-10-05",
    ):
        answer = portal.get(path, follow_redirects=False)
        assert answer.status_code == 303, path
        assert answer.headers["location"].startswith("/portal/login?next="), path


@pytest.mark.e2e
@pytest.mark.xdist_group("browser")
def test_summary_rows_download_their_cdr_report(
    live_app: str, page: Page, operator: Api, acme: int, ann: dict[str, Any]
) -> None:
    errors: list[str] = []
    page.on("pageerror", lambda error: errors.append(str(error)))
    call = portal_cdr("acme-browser", acme, "0.125000")
    assert operator.post("/cdrs", [call]).json()["accepted"] == 1
    assert operator.post("/summary/refresh").status_code == 200
    day, month = call["start_time"][:10], call["start_time"][:7]

    page.goto(f"{live_app}/portal/login")
    page.fill("#email", ann["email"])
    page.fill("#password", PASSWORD)
    page.click("button:has-text('Log in')")
    grid = page.locator("#summary-grid")
    expect(grid).to_have_attribute("data-loaded", "daily")
    for timeframe, label, name in (("daily", "Daily", day), ("monthly", "Monthly", month)):
        page.click(f"button.summary-timeframe:has-text('{label}')")
        expect(grid).to_have_attribute("data-loaded", timeframe)
        with page.expect_download() as started:
            grid.get_by_label(f"Download the CDR report of {name}", exact=True).click()
        download = started.value
        assert download.suggested_filename == f"cdr_{acme}_{name}.csv"
        text = Path(download.path()).read_text()
        assert text.startswith("call_id,") and "acme-browser" in text and ",cost," not in text
    page.click("button.summary-timeframe:has-text('24 Hours')")
    expect(grid).to_have_attribute("data-loaded", "24h")
    expect(grid.locator("a.cdr-report-download")).to_have_count(0)
    assert errors == []
