"""What the Summary browser tests share (issue 14): a customer with 40 days of demo calls, two
operators, the customer's Main page open at 1440×900, and readers of what the grid shows."""

from __future__ import annotations

from typing import Any

import pytest
from playwright.sync_api import Locator, Page, expect

from carrierdesk.cdrs.demo import add_demo_cdrs
from carrierdesk.db import transaction
from fixtures.browser import NewPage, submit_login
from fixtures.builders import add_customer, add_user
from support import PASSWORD

EMAIL = "noc@carrier.example"
OTHER = "billing@carrier.example"
TIMEFRAMES = ("24h", "daily", "weekly", "monthly")
FIGURES = (
    "attempts",
    "connected",
    "duration",
    "billed_duration",
    "asr",
    "acd",
    "charge",
    "cost",
    "profit",
    "profit_pct",
)


@pytest.fixture
def demo_customer(db_url: str) -> int:
    """Acme Telecom (EUR) with about 3,000 calls over the last 40 days, summarised."""
    with transaction(db_url) as session:
        add_user(session, EMAIL, "operator", PASSWORD)
        add_user(session, OTHER, "operator", PASSWORD)
        customer = add_customer(session, "Acme Telecom", reference="ACME-001", currency="EUR")
        add_demo_cdrs(session, rows=3000, days=40)
        return customer.id


@pytest.fixture
def tab(served_app: str, new_page: NewPage) -> Page:
    """A tab at the viewport of the test (1440×900 unless overridden), downloads and the
    clipboard allowed."""
    page = new_page(accept_downloads=True, base_url=served_app)
    page.context.grant_permissions(["clipboard-read", "clipboard-write"], origin=served_app)
    return page


def log_in(page: Page, email: str = EMAIL) -> None:
    submit_login(page, "", email, PASSWORD)  # the tab's base URL is the app's
    expect(page.locator("a[title='My account']")).to_be_visible()


def open_main(page: Page, customer_id: int) -> None:
    page.goto(f"/customers/{customer_id}")
    expect(page.locator("#summary-grid[data-loaded='true'][data-timeframe='24h']")).to_be_visible()


def show(page: Page, timeframe: str) -> None:
    if page.locator("#summary-grid").get_attribute("data-timeframe") == timeframe:
        return
    page.click(f"#summary-tabs [data-timeframe='{timeframe}']")
    loaded = f"#summary-grid[data-loaded='true'][data-timeframe='{timeframe}']"
    expect(page.locator(loaded)).to_be_visible()


def row(page: Page, index: int) -> Locator:
    return page.locator("#summary-grid .tabulator-row").nth(index)


def cell(page: Page, index: int, field: str) -> Locator:
    return row(page, index).locator(f".tabulator-cell[tabulator-field='{field}']")


def shown_rows(page: Page) -> list[dict[str, str]]:
    """{field: text} of every row the grid has drawn, top to bottom."""
    rows: list[dict[str, str]] = page.evaluate(
        """() => [...document.querySelectorAll(
            '#summary-grid .tabulator-tableholder .tabulator-row')]
          .map(r => Object.fromEntries([...r.querySelectorAll('.tabulator-cell[tabulator-field]')]
            .map(c => [c.getAttribute('tabulator-field'), c.innerText.trim()])))"""
    )
    return rows


def titles(page: Page) -> dict[str, str]:
    """{field: header title} of the grid's visible columns."""
    found: dict[str, str] = page.evaluate(
        """() => Object.fromEntries([...document.querySelectorAll(
            '#summary-grid .tabulator-col[tabulator-field]')]
          .filter(c => c.offsetParent !== null)
          .map(c => [c.getAttribute('tabulator-field'), c.querySelector('.tabulator-col-title')
            .innerText.replace(/\\s+/g, ' ').trim()]))"""
    )
    return found


def select_range(page: Page, start: Locator, end: Locator) -> None:
    """Drag from one cell to another, as a user selects a range."""
    first, last = start.bounding_box(), end.bounding_box()
    assert first and last
    page.mouse.move(first["x"] + 5, first["y"] + 5)
    page.mouse.down()
    page.mouse.move(last["x"] + 5, last["y"] + 5, steps=5)
    page.mouse.up()


def api(page: Page, method: str, path: str, body: Any = None) -> Any:
    """The JSON API as the page's session calls it (its cookie and CSRF token)."""
    token = page.locator("meta[name='csrf-token']").get_attribute("content") or ""
    answer = page.request.fetch(
        f"/api/v1{path}",
        method=method,
        data=body,
        headers={"X-CSRF-Token": token, "Content-Type": "application/json"},
    )
    return answer.json()
