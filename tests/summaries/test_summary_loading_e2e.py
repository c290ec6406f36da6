"""Issue 14, item 5: the Summary's first numbers come with the page (no second request), the
880 KB spreadsheet library is fetched on the first Export XLSX only, and the page's scripts
arrive gzip-compressed under versioned URLs that may be cached for a year."""

from __future__ import annotations

import pytest
from playwright.sync_api import Page, Request, Response, expect

from carrierdesk.web.assets import IMMUTABLE
from summaries.summary_page import cell, demo_customer, log_in, shown_rows, tab

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
