"""Issue 14, item 5: the Summary's first numbers come with the page (no second request, and
shown before the grid is built), the
880 KB spreadsheet library is fetched on the first Export XLSX only, and the page's scripts
arrive gzip-compressed under versioned URLs that may be cached for a year."""

from __future__ import annotations

import pytest
from playwright.sync_api import Page, Request, Response, Route, expect

from carrierdesk.web.assets import IMMUTABLE
from summaries.summary_page import cell, demo_customer, log_in, shown_rows, tab, titles

__all__ = ["demo_customer", "tab"]  # fixtures
pytestmark = [pytest.mark.e2e, pytest.mark.xdist_group("browser")]
SHEETJS = "/static/vendor/xlsx/xlsx.full.min.js"


def test_numbers_come_with_the_page_and_heavy_code_waits(tab: Page, demo_customer: int) -> None:
    log_in(tab)
    requests: list[Request] = []
    responses: list[Response] = []
    tab.on("request", lambda request: requests.append(request))
    tab.on("response", lambda response: responses.append(response))
    errors: list[str] = []
    tab.on("pageerror", lambda error: errors.append(str(error)))
    tab.on("console", lambda m: errors.append(m.text) if m.type in ("error", "warning") else None)
    tab.goto(f"/customers/{demo_customer}")
    expect(tab.locator("#summary-grid[data-loaded='true'][data-timeframe='24h']")).to_be_visible()
    rows = shown_rows(tab)
    assert len(rows) >= 10 and sum(int(r["attempts"]) for r in rows) > 0
    tab.wait_for_load_state("networkidle")
    summary_calls = [r.url for r in requests if f"/customers/{demo_customer}/summary" in r.url]
    assert summary_calls == []  # the rows were in the page
    assert not [r.url for r in requests if SHEETJS in r.url]

    # the page's scripts: gzip, versioned, cached for a year
    for name in ("/static/app.js?", "/static/summary.js?", "/tabulator/tabulator.min.js?"):
        [answer] = [r for r in responses if name in r.url]
        assert "?v=" in answer.url
        assert answer.header_value("content-encoding") == "gzip", answer.url
        assert answer.header_value("cache-control") == IMMUTABLE, answer.url

    # the first Export XLSX fetches SheetJS once; the next one uses it
    for _ in range(2):
        cell(tab, 1, "attempts").click(button="right")
        with tab.expect_download() as download:
            tab.locator(".tabulator-menu-item").get_by_text("Export XLSX", exact=True).click()
        assert download.value.suggested_filename.endswith(".xlsx")
    fetched = [r for r in responses if SHEETJS in r.url]
    assert len(fetched) == 1
    assert fetched[0].header_value("content-encoding") == "gzip"
    assert errors == []  # no script error, no CSP refusal, no Tabulator warning


def test_the_first_rows_show_before_the_grid_is_built(tab: Page, demo_customer: int) -> None:
    """Tabulator is held back: the first rows are already there, as a plain table with the
    grid's own headers and texts; once the grid is built it alone shows them."""
    log_in(tab)
    held: list[Route] = []
    tab.route("**/tabulator/tabulator.min.js*", lambda route: held.append(route))  # for later
    tab.goto(f"/customers/{demo_customer}", wait_until="commit")
    preview = tab.locator(".summary-preview table")
    expect(preview.locator("tbody tr").first).to_be_visible()
    assert tab.locator("#summary-grid .tabulator-row").count() == 0  # no grid yet
    early_titles = preview.locator("thead th").all_inner_texts()
    early_rows = [r.locator("td").all_inner_texts() for r in preview.locator("tbody tr").all()]
    for route in held:
        route.continue_()
    expect(tab.locator("#summary-grid[data-loaded='true'][data-timeframe='24h']")).to_be_visible()
    expect(tab.locator(".summary-preview")).to_have_count(0)
    fields = [f for f in titles(tab) if f not in ("action", "_row")]
    assert [" ".join(t.split()) for t in early_titles] == [titles(tab)[f] for f in fields]
    grid = shown_rows(tab)
    assert len(early_rows) >= 10 and len(grid) >= 10
    assert [[r[f] for f in fields] for r in grid[:10]] == [r for r in early_rows[:10]]


def test_the_first_rows_stay_when_the_grid_cannot_load(tab: Page, demo_customer: int) -> None:
    log_in(tab)
    errors: list[str] = []
    tab.on("pageerror", lambda error: errors.append(str(error)))
    tab.route("**/tabulator/tabulator.min.js*", lambda route: route.abort())
    tab.goto(f"/customers/{demo_customer}")
    tab.wait_for_load_state("load")
    expect(tab.locator(".summary-preview tbody tr").first).to_be_visible()
    assert tab.locator(".summary-preview tbody tr").count() >= 10
    assert errors == []  # the page goes on without its grid
