"""Issue 3, done when: in a real browser, blocks are assigned to two customers, a SIP user is
created from the offered free extensions, the same extension is refused as a duplicate on the
other customer, and an unused block is deleted (a block in use is not)."""

from __future__ import annotations

import re
from collections.abc import Iterator

import pytest
from playwright.sync_api import Browser, Page, expect, sync_playwright

from carrierdesk.auth.principals import CLI
from carrierdesk.config import get_settings
from carrierdesk.customers.schemas import CustomerCreate
from carrierdesk.customers.service import create_customer
from carrierdesk.db import transaction
from carrierdesk.settings.schemas import OptionsPatch
from carrierdesk.settings.service import update_options
from e2e.server import CHROMIUM, running_app

pytestmark = [pytest.mark.e2e, pytest.mark.xdist_group("browser")]


@pytest.fixture
def app_url(db_url: str) -> Iterator[str]:
    get_settings.cache_clear()
    with running_app(db_url, run_worker=False) as base_url:
        yield base_url


@pytest.fixture
def tab() -> Iterator[Page]:
    with sync_playwright() as playwright:
        browser: Browser = playwright.chromium.launch(**CHROMIUM)
        context = browser.new_context(viewport={"width": 1440, "height": 900})
        context.set_default_timeout(10_000)
        yield context.new_page()
        context.close()
        browser.close()


def log_in(page: Page, base_url: str, email: str, password: str) -> None:
    page.goto(f"{base_url}/login")
    page.fill("#email", email)
    page.fill("#password", password)
    page.click("button:has-text('Log in')")
    expect(page).not_to_have_url(re.compile(r"/login"))


def blocks_panel(page: Page):  # type: ignore[no-untyped-def]
    return page.locator("#blocks-panel")


def add_block(page: Page, expect_text: str) -> None:
    blocks_panel(page).locator("button[aria-label='Add number block']").click()
    expect(blocks_panel(page).locator("[data-blocks-message]")).to_contain_text(expect_text)


def test_blocks_sip_user_duplicate_and_delete(
    app_url: str, tab: Page, db_url: str, admin_user: tuple[str, str]
) -> None:
    with transaction(db_url) as session:
        acme = create_customer(session, CLI, CustomerCreate(name="Acme Telecom")).id
        nimbus = create_customer(session, CLI, CustomerCreate(name="Nimbus Voice")).id
    log_in(tab, app_url, *admin_user)

    # Without the settings, + explains where to define them.
    tab.goto(f"{app_url}/customers/{acme}")
    add_block(tab, "must be defined under Settings › Options")
    link = blocks_panel(tab).get_by_role("link", name="Open Settings › Options")
    expect(link).to_have_attribute("href", "/settings/options")

    with transaction(db_url) as session:
        update_options(session, CLI, OptionsPatch(number_range_start=1000, block_size=100))

    add_block(tab, "Block 1000–1099 assigned.")
    expect(blocks_panel(tab).locator("tbody")).to_contain_text("1099")
    tab.goto(f"{app_url}/customers/{nimbus}")
    add_block(tab, "Block 1100–1199 assigned.")
    add_block(tab, "Block 1200–1299 assigned.")
    grid = blocks_panel(tab).locator("tbody tr")
    expect(grid).to_have_count(2)
    blocks_panel(tab).locator("[data-blocks-sort=start]").click()  # sorted descending now
    expect(grid.first).to_contain_text("1200")

    # A SIP user on Acme, picked from the offered free extensions.
    tab.goto(f"{app_url}/customers/{acme}/auth")
    sip = tab.locator("section[data-resource=sip-users]")
    sip.locator("button[aria-label='Add SIP user']").click()
    picker = sip.locator("[data-free-extensions]")
    expect(picker.locator("option[value='1000']")).to_have_count(1)
    picker.select_option("1000")
    expect(sip.locator("input[name=username]")).to_have_value("1000")
    sip.locator("button:has-text('Save')").click()
    expect(sip.locator("[data-message]")).to_contain_text(
        "SIP user 1000 saved. Its password, shown this once: "
    )
    expect(sip.locator("tbody")).to_contain_text("1000")
    sip.locator("button[aria-label='Add SIP user']").click()
    expect(picker.locator("option[value='1000']")).to_have_count(0)
    expect(picker.locator("option[value='1001']")).to_have_count(1)
    tab.screenshot(path="/tmp/numbering-auth.png", full_page=True)

    # The same extension on Nimbus is a duplicate.
    tab.goto(f"{app_url}/customers/{nimbus}/auth")
    sip = tab.locator("section[data-resource=sip-users]")
    sip.locator("button[aria-label='Add SIP user']").click()
    sip.locator("input[name=username]").fill("1000")
    sip.locator("button:has-text('Save')").click()
    expect(sip.locator("[data-message]")).to_contain_text("Duplicate User Detected")
    expect(sip.locator("[data-error-for=username]")).to_have_text("Duplicate User Detected")
    expect(sip.locator("tbody")).to_contain_text("None yet.")

    # Acme's block is in use; Nimbus's 1200 block is not, and goes.
    tab.on("dialog", lambda dialog: dialog.accept())
    tab.goto(f"{app_url}/customers/{acme}")
    blocks_panel(tab).locator("input[name=block-ids]").check()
    blocks_panel(tab).locator("button[aria-label='Delete selected number blocks']").click()
    expect(blocks_panel(tab).locator("[data-blocks-message]")).to_contain_text(
        "in use by extension(s) 1000"
    )
    expect(blocks_panel(tab).locator("tbody tr")).to_have_count(1)
    tab.goto(f"{app_url}/customers/{nimbus}")
    blocks_panel(tab).locator("input[aria-label='Select block 1200–1299']").check()
    blocks_panel(tab).locator("button[aria-label='Delete selected number blocks']").click()
    expect(blocks_panel(tab).locator("[data-blocks-message]")).to_contain_text("1 block(s) removed")
    expect(blocks_panel(tab).locator("tbody tr")).to_have_count(1)
    expect(blocks_panel(tab).locator("tbody")).not_to_contain_text("1200")
    tab.screenshot(path="/tmp/numbering-main.png", full_page=True)
