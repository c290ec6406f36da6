"""Issue 14, item 5: how soon Customer › Main shows the Summary's numbers, in Chromium at
1440×900, on the demo (`carrierdesk serve` on a fresh SQLite demo, as `make run` gives).

For each run a new browser context (an empty cache: cold) opens the customer page, then opens it
again (warm). A MutationObserver installed before the page's own scripts notes when the first
Summary figure is in the document (the first rows' table, or the grid's first cell); the
figures are milliseconds from the start of the navigation.
Baseline, in the same run: the first paint of My account, a page of the same layout without the
Summary (what any page of the Control Panel costs here). Target: numbers within 300 ms.
Options: --runs (default 7)."""

from __future__ import annotations

import argparse
import statistics
import sys
import tempfile
from pathlib import Path
from typing import Any

from bench.common import report

sys.path.insert(0, str(Path(__file__).resolve().parent.parent / "scripts"))
import screenshots  # the demo server and the login the screenshots use

RUNS = 7
# Records, in page time, when the first Summary cell appears (before any script of the page).
NUMBERS_WATCH = """
window.__numbersAt = null;
new MutationObserver((_, watch) => {
  if (document.querySelector('#summary-grid .tabulator-row .tabulator-cell, .summary-preview td')) {
    window.__numbersAt = performance.now();
    watch.disconnect();
  }
}).observe(document, { subtree: true, childList: true });
"""
FIRST_PAINT = (
    "() => (performance.getEntriesByName('first-contentful-paint')[0] || {}).startTime || null"
)


def numbers_at(page: Any, url: str) -> tuple[float, float]:
    """(ms to the first Summary cell, ms to the end of the HTML) of one visit."""
    page.goto(url, wait_until="commit")
    page.wait_for_function("window.__numbersAt !== null", timeout=20_000)
    shown = page.evaluate("window.__numbersAt")
    html = page.evaluate("performance.getEntriesByType('navigation')[0].responseEnd")
    return float(shown), float(html)


def first_paint(page: Any, url: str) -> float:
    page.goto(url, wait_until="load")
    page.wait_for_function(f"({FIRST_PAINT})() !== null", timeout=20_000)
    return float(page.evaluate(f"({FIRST_PAINT})()"))


def measure(base: str, env: dict[str, str], runs: int) -> dict[str, list[float]]:
    from playwright.sync_api import sync_playwright

    customer_id, _invoice, _card = screenshots.demo_records(env)
    main = f"{base}/customers/{customer_id}"
    figures: dict[str, list[float]] = {"cold": [], "warm": [], "html": [], "baseline": []}
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(
            executable_path="/usr/bin/chromium", headless=True, args=screenshots.CHROMIUM
        )
        try:
            login = browser.new_context(viewport=screenshots.VIEWPORT)  # type: ignore[arg-type]
            screenshots.log_in(login.new_page(), base)
            state = login.storage_state()
            login.close()
            for _ in range(runs):
                for page_kind in ("baseline", "customer"):
                    context = browser.new_context(
                        viewport=screenshots.VIEWPORT,  # type: ignore[arg-type]
                        storage_state=state,  # type: ignore[arg-type]
                    )
                    context.add_init_script(NUMBERS_WATCH)
                    page = context.new_page()
                    if page_kind == "baseline":
                        figures["baseline"].append(first_paint(page, f"{base}/account"))
                    else:
                        cold, html = numbers_at(page, main)
                        warm, _html = numbers_at(page, main)
                        figures["cold"].append(cold)
                        figures["html"].append(html)
                        figures["warm"].append(warm)
                    context.close()
        finally:
            browser.close()
    return figures


def main(argv: list[str]) -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--runs", type=int, default=RUNS)
    args, _ = parser.parse_known_args(argv)
    with (
        tempfile.TemporaryDirectory(prefix="carrierdesk-page-") as folder,
        screenshots.demo_server(Path(folder)) as (base, env),
    ):
        figures = measure(base, env, args.runs)
    baseline = statistics.median(figures["baseline"])
    html = statistics.median(figures["html"])
    print(f"median of {args.runs} runs; the HTML arrives at {html:.0f} ms (cold)")
    for kind in ("cold", "warm"):
        shown = statistics.median(figures[kind])
        report(
            f"customer page: Summary numbers shown ({kind})",
            shown,
            "ms",
            baseline,
            "target ≤ 300 ms; baseline: first paint of My account (cold)",
        )
