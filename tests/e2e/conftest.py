"""Browser tests: the real app with its worker, and headless Chromium driven by Playwright."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from playwright.sync_api import Browser, Page, sync_playwright

from carrierdesk.config import get_settings
from e2e.server import CHROMIUM, running_app


@pytest.fixture
def live_app(db_url: str, monkeypatch: pytest.MonkeyPatch) -> Iterator[str]:
    """The app on a free port with the worker polling every half second; its base URL."""
    monkeypatch.setenv("CARRIERDESK_WORKER_POLL_SECONDS", "0.5")
    get_settings.cache_clear()
    with running_app(db_url, run_worker=True) as base_url:
        yield base_url


@pytest.fixture
def browser() -> Iterator[Browser]:
    with sync_playwright() as playwright:
        chromium = playwright.chromium.launch(**CHROMIUM)
        yield chromium
        chromium.close()


@pytest.fixture
def page(browser: Browser) -> Iterator[Page]:
    context = browser.new_context(viewport={"width": 1440, "height": 900})
    context.set_default_timeout(10_000)
    tab = context.new_page()
    yield tab
    context.close()
