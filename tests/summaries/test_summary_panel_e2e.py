"""Issue 4, done when: in a real browser, a demo customer's Main tab shows the Summary; the four
tabs switch; a selected range of cells gives its sum and average; Copy with Headers puts them
on the clipboard; and a row's Download CDR report holds as many CDRs as the row's Attempts."""

from __future__ import annotations

import csv
import io
from datetime import UTC, datetime

import pytest
from playwright.sync_api import Locator, Page, expect

from carrierdesk.cdrs.demo import add_demo_cdrs
from carrierdesk.db import transaction
from fixtures.browser import NewPage
from fixtures.builders import add_customer, add_user
from support import PASSWORD

pytestmark = [pytest.mark.e2e, pytest.mark.xdist_group("browser")]
DATE_TITLE = "#summary-grid .tabulator-col[tabulator-field='date'] .tabulator-col-title"
EMAIL = "noc@carrier.example"


@pytest.fixture
def demo_customer(db_url: str) -> int:
    with transaction(db_url) as session:
        add_user(session, EMAIL, "operator", PASSWORD)
        customer = add_customer(session, "Acme Telecom", reference="ACME-001", currency="EUR")
        add_demo_cdrs(session, rows=1500, days=3)
        return customer.id


@pytest.fixture
def page(demo_customer: int, served_app: str, new_page: NewPage) -> tuple[Page, str]:
    tab = new_page(
        viewport={"width": 1600, "height": 1000}, accept_downloads=True, base_url=served_app
    )
    tab.context.grant_permissions(["clipboard-read", "clipboard-write"], origin=served_app)
    return tab, served_app


def cell(page: Page, row: int, field: str) -> Locator:
    grid_row = page.locator("#summary-grid .tabulator-row").nth(row)
    return grid_row.locator(f".tabulator-cell[tabulator-field='{field}']")


def show(page: Page, timeframe: str) -> None:
    page.click(f"#summary-tabs [data-timeframe='{timeframe}']")
    expect(
        page.locator(f"#summary-grid[data-loaded='true'][data-timeframe='{timeframe}']")
    ).to_be_visible()


def test_summary_panel(page: tuple[Page, str], demo_customer: int) -> None:
    tab, base_url = page
    tab.goto(f"{base_url}/login")
    tab.fill("#email", EMAIL)
    tab.fill("#password", PASSWORD)
    tab.click("button:has-text('Log in')")
    tab.goto(f"{base_url}/customers/{demo_customer}")
    expect(tab.locator("#summary-grid[data-loaded='true'][data-timeframe='24h']")).to_be_visible()
    now = datetime.now(UTC).strftime("%Y-%m-%d %H:00")
    expect(tab.locator(DATE_TITLE)).to_have_text("Call Time")
    expect(cell(tab, 0, "date")).to_have_text(now)
    expect(tab.locator("#summary-refreshed")).to_contain_text("refreshed at")
    with tab.expect_response("**/api/v1/summary/refresh") as refreshed:
        tab.click("#summary-refresh")
    assert refreshed.value.status == 200  # the page's CSRF token went along
    expect(tab.locator("#summary-grid[data-loaded='true'][data-timeframe='24h']")).to_be_visible()
    for timeframe in ("weekly", "monthly", "daily"):
        show(tab, timeframe)
        assert int(cell(tab, 0, "attempts").inner_text()) > 0
    expect(tab.locator(DATE_TITLE)).to_have_text("Date")

    # select the Attempts of yesterday and the day before: the readout shows sum and average
    first, second = (int(cell(tab, i, "attempts").inner_text()) for i in (1, 2))
    start, end = cell(tab, 1, "attempts").bounding_box(), cell(tab, 2, "attempts").bounding_box()
    assert start and end
    tab.mouse.move(start["x"] + 10, start["y"] + 10)
    tab.mouse.down()
    tab.mouse.move(end["x"] + 10, end["y"] + 10, steps=5)
    tab.mouse.up()
    readout = tab.locator("#summary-selection")
    expect(readout.locator("[data-figure='sum']")).to_have_text(f"Sum: {first + second}")
    expect(readout.locator("[data-figure='average']")).to_contain_text(
        f"Average: {(first + second) / 2:g}"
    )

    # right-click › Copy with Headers: the clipboard holds the header and the two values
    cell(tab, 2, "attempts").click(button="right")
    tab.locator(".tabulator-menu-item:has-text('Copy with Headers')").click()
    expect(readout).to_have_attribute("data-copied", "headers")
    clipboard = tab.evaluate("navigator.clipboard.readText()")
    assert clipboard == f"Attempts\n{first}\n{second}"

    cell(tab, 2, "attempts").click(button="right")
    tab.locator(".tabulator-menu-item:has-text('Copy with Group Headers')").click()
    expect(readout).to_have_attribute("data-copied", "groups")
    grouped = tab.evaluate("navigator.clipboard.readText()")
    assert grouped == f"Traffic\nAttempts\n{first}\n{second}"
    cell(tab, 2, "attempts").click(button="right")
    with tab.expect_download() as exported:
        tab.locator(".tabulator-menu-item:has-text('Export CSV')").click()
    assert exported.value.suggested_filename == "summary_ACME-001_daily.csv"
    cell(tab, 2, "attempts").click(button="right")
    with tab.expect_download() as workbook:
        tab.locator(".tabulator-menu-item:has-text('Export XLSX')").click()
    assert workbook.value.suggested_filename == "summary_ACME-001_daily.xlsx"
    with open(workbook.value.path(), "rb") as handle:
        assert handle.read(2) == b"PK"  # an Office Open XML (zip) workbook

    # the column chooser hides a column
    tab.click("#summary-columns-button")
    tab.uncheck("#summary-col-cost")
    expect(tab.locator("#summary-grid .tabulator-col[tabulator-field='cost']")).to_be_hidden()
    tab.click("#summary-columns-button")

    # the row's Download CDR report: one CSV line per attempt of that day
    with tab.expect_download() as download:
        cell(tab, 1, "action").locator("a.summary-download").click()
    path = download.value.path()
    day = tab.locator("#summary-grid .tabulator-row").nth(1).locator("[tabulator-field='date']")
    assert download.value.suggested_filename == f"cdr_ACME-001_{day.inner_text()}.csv"
    with open(path, encoding="utf-8") as handle:
        rows = list(csv.DictReader(io.StringIO(handle.read())))
    assert len(rows) == first
    assert {r["customer_id"] for r in rows} == {str(demo_customer)}

    # a header filter narrows the rows
    rows_shown = tab.locator("#summary-grid .tabulator-tableholder .tabulator-row")
    expect(rows_shown.first).to_be_visible()
    attempts_filter = tab.locator("#summary-grid .tabulator-col[tabulator-field='attempts'] input")
    attempts_filter.fill("> 999999")
    attempts_filter.press("Enter")
    expect(rows_shown).to_have_count(0)
