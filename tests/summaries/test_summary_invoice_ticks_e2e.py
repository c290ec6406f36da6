"""Issue 14, item 4: the invoice checkbox is only on rows an invoice can be made of (a past
period with charges and no invoice), and a refusal is told in words (no "period_starts.0"),
at the top of the Summary, where the Generate Invoice button is."""

from __future__ import annotations

import re
from datetime import UTC, datetime, timedelta

import pytest
from playwright.sync_api import Page, expect
from sqlalchemy import text

from carrierdesk.cdrs.tables import sqlite_time
from carrierdesk.db import is_postgres, transaction
from summaries.summary_page import api, demo_customer, log_in, open_main, row, show, tab

__all__ = ["demo_customer", "tab"]  # fixtures
pytestmark = [pytest.mark.e2e, pytest.mark.xdist_group("browser")]
TICK = ".summary-invoice-tick"


def ticks_by_period(page: Page) -> dict[str, bool]:
    """{period label: has a checkbox} of the rows drawn."""
    found: dict[str, bool] = page.evaluate(
        """() => Object.fromEntries([...document.querySelectorAll(
            '#summary-grid .tabulator-tableholder .tabulator-row')].map((r) => [
              r.querySelector("[tabulator-field='date']").innerText.trim(),
              r.querySelector('.summary-invoice-tick') !== null]))"""
    )
    return found


def invoiceable(page: Page, customer_id: int, timeframe: str) -> dict[str, bool]:
    body = api(page, "GET", f"/customers/{customer_id}/summary?timeframe={timeframe}")
    width = 7 if timeframe == "monthly" else 10
    return {i["period_start"][:width]: i["invoiceable"] for i in body["items"]}


def take_the_charges_away(db_url: str, customer_id: int, day: str) -> None:
    """As if the day's calls had been re-rated to nothing since the page was drawn."""
    start = datetime.fromisoformat(day).replace(tzinfo=UTC)
    with transaction(db_url) as session:
        bounds = (start, start + timedelta(days=1))
        first, last = bounds if is_postgres(session) else map(sqlite_time, bounds)
        session.execute(
            text(
                "UPDATE cdr_hourly SET charge = 0 "
                "WHERE customer_id = :c AND hour >= :first AND hour < :last"
            ),
            {"c": customer_id, "first": first, "last": last},
        )


def test_checkboxes_only_where_an_invoice_can_be_made(tab: Page, demo_customer: int) -> None:
    log_in(tab)
    open_main(tab, demo_customer)
    for timeframe in ("daily", "weekly", "monthly"):
        show(tab, timeframe)
        drawn = ticks_by_period(tab)
        wanted = invoiceable(tab, demo_customer, timeframe)
        assert drawn == {period: wanted[period] for period in drawn}, timeframe
        assert any(drawn.values()), timeframe
    # Monthly goes back to January: the months without calls, and this month, have no box
    attempts = {
        period: int(count)
        for period, count in tab.evaluate(
            """() => [...document.querySelectorAll(
                '#summary-grid .tabulator-tableholder .tabulator-row')].map((r) => [
                  r.querySelector("[tabulator-field='date']").innerText.trim(),
                  r.querySelector("[tabulator-field='attempts']").innerText.trim()])"""
        )
    }
    assert any(count == 0 for count in attempts.values())
    assert [p for p in drawn if drawn[p] and attempts[p] == 0] == []
    assert drawn[max(drawn)] is False  # this month has not ended


def test_refusals_in_words_next_to_the_button(tab: Page, demo_customer: int, db_url: str) -> None:
    log_in(tab)
    open_main(tab, demo_customer)
    show(tab, "daily")
    first, second = (row(tab, i).locator(TICK).get_attribute("data-period-start") for i in (1, 2))
    assert first and second
    row(tab, 1).locator(TICK).check()
    row(tab, 2).locator(TICK).check()
    # meanwhile someone else invoices the first of the two days
    made = api(
        tab,
        "POST",
        f"/customers/{demo_customer}/invoices",
        {"timeframe": "daily", "period_starts": [first]},
    )
    number = made["items"][0]["number"]
    tab.click("#invoice-generate")
    result = tab.locator("#invoice-result")
    expect(result).to_contain_text("Created")
    expect(result).to_contain_text(
        f"Not invoiced: {first} overlaps invoice {number} ({first}); void that invoice first"
    )
    assert "period_starts" not in result.inner_text()

    # where the eye is: at the top of the panel, above the grid, on screen
    box, grid = result.bounding_box(), tab.locator("#summary-grid").bounding_box()
    button = tab.locator("#invoice-generate").bounding_box()
    assert box and grid and button
    assert button["y"] < box["y"] < grid["y"]
    assert box["y"] >= 0 and box["y"] + box["height"] <= 900

    # a day whose charges went away after the page was drawn: "has no charges", in words
    third_row = next(i for i in range(3, 12) if row(tab, i).locator(TICK).count() == 1)
    third = row(tab, third_row).locator(TICK).get_attribute("data-period-start")
    assert third
    row(tab, third_row).locator(TICK).check()
    take_the_charges_away(db_url, demo_customer, third)
    tab.click("#invoice-generate")
    expect(result).to_have_text(
        f"No invoice created.\nNot invoiced: {third} has no charges to invoice.",
        use_inner_text=True,
    )
    expect(result).to_have_class(re.compile(r"\balert-warning\b"))
    tab.locator("#invoice-result .btn-close").click()
    expect(result).to_be_hidden()
