"""Issue 14, item 1: at 1440×900 and wider, every Summary column header and the Action column's
checkboxes and download icons are on screen without horizontal scrolling, in every timeframe;
the headers are whole (not cut off) and carry their units."""

from __future__ import annotations

from datetime import timedelta
from decimal import Decimal
from typing import Any

import pytest
from playwright.sync_api import Page

from carrierdesk.auth.principals import CLI
from carrierdesk.cdrs.storage import store
from carrierdesk.db import transaction
from carrierdesk.invoices.schemas import GenerateIn
from carrierdesk.invoices.service import generate
from carrierdesk.models.base import utcnow
from carrierdesk.summaries.refresh import refresh
from fixtures.builders import stored_cdr
from summaries.summary_page import TIMEFRAMES, demo_customer, log_in, open_main, show, tab

__all__ = ["demo_customer", "tab"]  # fixtures
pytestmark = [pytest.mark.e2e, pytest.mark.xdist_group("browser")]

GEOMETRY = """() => {
  const grid = document.querySelector('#summary-grid');
  const holder = grid.querySelector('.tabulator-tableholder');
  const box = (el) => { const r = el.getBoundingClientRect(); return [r.left, r.right]; };
  const headers = [...grid.querySelectorAll('.tabulator-col')]
    .filter((c) => c.offsetParent !== null)
    .map((c) => {
      const title = c.querySelector('.tabulator-col-title');
      return { name: title.innerText.trim() || c.getAttribute('tabulator-field'), box: box(c),
               whole: title.scrollWidth <= title.clientWidth + 1 };
    });
  const ticks = [...grid.querySelectorAll('.summary-invoice-tick')].map(box);
  const actions = [...grid.querySelectorAll(
    ".tabulator-row .tabulator-cell[tabulator-field='action']")];
  const clipped = actions.filter((c) => c.scrollWidth > c.clientWidth + 1).length;
  const downloads = [...grid.querySelectorAll('.summary-download')].map(box);
  return { width: window.innerWidth, scrollWidth: holder.scrollWidth,
           clientWidth: holder.clientWidth, headers, ticks, downloads, clipped,
           invoiced: grid.querySelectorAll('.summary-view-invoice').length,
           changed: grid.querySelectorAll('.summary-invoice-changed').length,
           pageScroll: document.documentElement.scrollWidth };
}"""


@pytest.fixture
def invoiced_days(demo_customer: int, db_url: str) -> None:
    """Yesterday and the day before invoiced; a late call for the day before since, so its row
    carries the 'changed' marker: the widest Action cells there are."""
    today = utcnow().replace(hour=0, minute=0, second=0, microsecond=0)
    days = [(today - timedelta(days=n)).date() for n in (1, 2)]
    with transaction(db_url) as session:
        generate(session, CLI, demo_customer, GenerateIn(timeframe="daily", period_starts=days))
        late = today - timedelta(days=2) + timedelta(hours=12)
        store(session, [stored_cdr(demo_customer, "late-call", late, charge=Decimal("5"))])
        refresh(session)


def inside(box: list[float], width: int) -> bool:
    left, right = box
    return left >= 0 and right <= width


@pytest.mark.parametrize(
    "viewport", [{"width": 1440, "height": 900}, {"width": 1920, "height": 1080}]
)
@pytest.mark.usefixtures("invoiced_days")
def test_every_column_and_the_action_column_are_on_screen(
    tab: Page, demo_customer: int, viewport: dict[str, int]
) -> None:
    log_in(tab)
    open_main(tab, demo_customer)
    for timeframe in TIMEFRAMES:
        show(tab, timeframe)
        seen: dict[str, Any] = tab.evaluate(GEOMETRY)
        assert seen["width"] == viewport["width"]
        assert seen["scrollWidth"] <= seen["clientWidth"], timeframe  # no horizontal scroll
        assert seen["pageScroll"] <= viewport["width"], timeframe
        names = [h["name"] for h in seen["headers"]]
        for expected in ("Duration (min)", "ACD (s)", "Charge (EUR)", "Profit %", "Action"):
            assert expected in names, (timeframe, names)
        off = [h["name"] for h in seen["headers"] if not inside(h["box"], viewport["width"])]
        assert off == [], timeframe
        cut = [h["name"] for h in seen["headers"] if not h["whole"]]
        assert cut == [], timeframe
        assert seen["downloads"] and all(inside(b, viewport["width"]) for b in seen["downloads"])
        assert seen["clipped"] == 0, timeframe  # View Invoice, the marker, the icon: all shown
        if timeframe == "24h":
            assert seen["ticks"] == []  # hours are never invoiced
        else:
            assert seen["ticks"], timeframe  # past periods with charges: a box to tick
            assert inside(seen["ticks"][0], viewport["width"]), timeframe
        if timeframe == "daily":
            assert (seen["invoiced"], seen["changed"]) == (2, 1)
