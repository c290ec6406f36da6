"""Issue 5, done when: in a real browser, tick two days on a customer's Daily summary, Generate
Invoice, see View Invoice on both rows, open one and download its PDF; Auto Generate Invoice on a
monthly-scheduled customer creates the month's invoice once, and a second run creates nothing."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime

import pytest
from playwright.sync_api import Browser, Locator, Page, expect, sync_playwright

from carrierdesk.auth.principals import CLI
from carrierdesk.auth.service import create_user
from carrierdesk.cdrs.demo import add_demo_cdrs
from carrierdesk.customers.schemas import CustomerCreate
from carrierdesk.customers.service import create_customer
from carrierdesk.db import transaction
from e2e.server import CHROMIUM, running_app

pytestmark = [pytest.mark.e2e, pytest.mark.xdist_group("browser")]
EMAIL, PASSWORD = "billing@carrier.example", "Str0ng!Passw0rd"


@pytest.fixture
def customers(db_url: str) -> tuple[int, int]:
    """Two customers with calls from 10 days before this month up to now (so exactly one
    complete month): one invoiced by hand, one monthly-scheduled."""
    with transaction(db_url) as session:
        create_user(session, CLI, EMAIL, "operator", PASSWORD)
        acme = create_customer(session, CLI, CustomerCreate(name="Acme Telecom", tax_rate=20))
        northwind = create_customer(
            session, CLI, CustomerCreate(name="Northwind Voice", invoice_schedule="monthly")
        )
        add_demo_cdrs(session, rows=4000, days=datetime.now(UTC).day + 10)
        return acme.id, northwind.id


@pytest.fixture
def page(db_url: str, customers: tuple[int, int]) -> Iterator[Page]:
    with running_app(db_url, run_worker=False) as base_url, sync_playwright() as playwright:
        browser: Browser = playwright.chromium.launch(**CHROMIUM)
        context = browser.new_context(
            viewport={"width": 1600, "height": 1000}, accept_downloads=True, base_url=base_url
        )
        context.set_default_timeout(10_000)
        tab = context.new_page()
        tab.goto("/login")
        tab.fill("#email", EMAIL)
        tab.fill("#password", PASSWORD)
        tab.click("button:has-text('Log in')")
        yield tab
        context.close()
        browser.close()


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
    expect(row(page, 0).locator(".summary-invoice-tick")).to_be_disabled()  # today: still open
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
