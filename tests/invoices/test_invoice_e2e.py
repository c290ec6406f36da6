"""Issue 5, done when: in a real browser, tick two days on a customer's Daily summary, Generate
Invoice, see View Invoice on both rows, open one and download its PDF; Auto Generate Invoice on a
monthly-scheduled customer creates the month's invoice once, and a second run creates nothing."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest
from playwright.sync_api import Locator, Page, expect

from carrierdesk.cdrs.demo import add_demo_cdrs
from carrierdesk.db import transaction
from fixtures.browser import NewPage, submit_login
from fixtures.builders import add_customer, add_user
from support import PASSWORD

pytestmark = [pytest.mark.e2e, pytest.mark.xdist_group("browser")]
EMAIL = "billing@carrier.example"


@pytest.fixture
def customers(db_url: str) -> tuple[int, int]:
    """Two customers with calls from 10 days before this month up to now (so exactly one
    complete month): one invoiced by hand, one monthly-scheduled."""
    with transaction(db_url) as session:
        add_user(session, EMAIL, "operator", PASSWORD)
        acme = add_customer(session, "Acme Telecom", tax_rate=20)
        northwind = add_customer(session, "Northwind Voice", invoice_schedule="monthly")
        add_demo_cdrs(session, rows=4000, days=datetime.now(UTC).day + 10)
        return acme.id, northwind.id


@pytest.fixture
def page(customers: tuple[int, int], served_app: str, new_page: NewPage) -> Page:
    tab = new_page(
        viewport={"width": 1600, "height": 1000}, accept_downloads=True, base_url=served_app
    )
    submit_login(tab, served_app, EMAIL, PASSWORD)
    return tab


def row(page: Page, index: int) -> Locator:
    return page.locator("#summary-grid .tabulator-row").nth(index)


def open_summary(page: Page, customer_id: int) -> None:
    page.goto(f"/customers/{customer_id}")
    # The first load (24 Hours) must be in before switching timeframes: a late 24-hour answer
    # would otherwise replace the rows of the tab clicked meanwhile.
    expect(page.locator("#summary-grid[data-loaded='true'][data-timeframe='24h']")).to_be_visible()


def show(page: Page, timeframe: str) -> None:
    page.click(f"#summary-tabs [data-timeframe='{timeframe}']")
    loaded = f"#summary-grid[data-loaded='true'][data-timeframe='{timeframe}']"
    expect(page.locator(loaded)).to_be_visible()


def test_generate_view_pdf_and_auto_generate(page: Page, customers: tuple[int, int]) -> None:
    acme, northwind = customers
    open_summary(page, acme)
    show(page, "daily")
    expect(row(page, 0).locator(".summary-invoice-tick")).to_have_count(0)  # today: still open
    expect(page.locator("#invoice-generate")).to_be_disabled()
    days = [
        row(page, i).locator(".summary-invoice-tick").get_attribute("data-period-start")
        for i in (1, 2)
    ]
    row(page, 1).locator(".summary-invoice-tick").check()
    row(page, 2).locator(".summary-invoice-tick").check()
    page.click("#invoice-generate")
    expect(page.locator("#invoice-result")).to_have_text("Created INV-000001, INV-000002.")
    for i in (1, 2):
        expect(row(page, i).locator(".summary-view-invoice")).to_have_text("View Invoice")
        expect(row(page, i).locator(".summary-invoice-tick")).to_have_count(0)
    expect(row(page, 3).locator(".summary-invoice-tick")).to_be_enabled()

    row(page, 2).locator(".summary-view-invoice").click()
    expect(page.locator("#invoice-number")).to_have_text("INV-000001")
    expect(page.locator("#invoice-period")).to_contain_text(str(days[1]))
    with page.expect_download() as download:
        page.click("#download-pdf")
    pdf = download.value
    assert pdf.suggested_filename == "INV-000001.pdf"
    with open(pdf.path(), "rb") as stored:
        assert stored.read(5) == b"%PDF-"

    open_summary(page, northwind)
    show(page, "monthly")
    page.click("#invoice-auto-generate")
    expect(page.locator("#invoice-result")).to_have_text("Created INV-000003.")
    expect(page.locator("#summary-grid .summary-view-invoice")).to_have_count(1)
    expect(row(page, 1).locator(".summary-view-invoice")).to_be_visible()  # last month
    page.click("#invoice-auto-generate")
    expect(page.locator("#invoice-result")).to_have_text("No invoice created.")
    expect(page.locator("#summary-grid .summary-view-invoice")).to_have_count(1)
