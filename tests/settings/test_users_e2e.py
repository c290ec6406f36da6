"""Settings › Users in Chromium (with the Control Panel's navbar on one line, as an admin
sees it): Reset password asks in the app's own dialog, then shows the new
password once; Delete asks on its own page."""

from __future__ import annotations

import pytest
from playwright.sync_api import Page, expect

from fixtures.browser import answer_dialog, submit_login
from fixtures.builders import make_user
from support import PASSWORD

pytestmark = [pytest.mark.e2e, pytest.mark.xdist_group("browser")]
NOC = "noc@carrier.example"
LONG_NAMED_ADMIN = "olivia.montgomery-fairweather@carrier-operations.example"


def test_reset_password_and_delete_a_user(served_app: str, page: Page, db_url: str) -> None:
    errors: list[str] = []
    page.on("pageerror", lambda error: errors.append(str(error)))
    make_user(db_url, NOC, "operator", PASSWORD)
    make_user(db_url, LONG_NAMED_ADMIN, "admin", PASSWORD)  # the widest navbar
    submit_login(page, served_app, LONG_NAMED_ADMIN, PASSWORD)
    page.goto(f"{served_app}/settings/users")
    nav = page.locator("nav.app-navbar")
    box = nav.bounding_box()
    assert box is not None and box["height"] < 70  # every item on one line at 1440 px
    log_out = nav.locator("button:has-text('Log out')").bounding_box()
    assert log_out is not None and log_out["x"] + log_out["width"] <= 1440  # and all in view
    expect(nav.locator(".navbar-nav .nav-link")).to_have_count(9)
    row = page.locator("tr", has_text=NOC)
    row.locator("button:has-text('Reset password')").click()
    answer_dialog(page, f"Set a new password for {NOC}?", press="cancel")
    expect(page.locator("#new-password")).to_have_count(0)  # cancelled: nothing happened
    row.locator("button:has-text('Reset password')").click()
    answer_dialog(page, f"Set a new password for {NOC}?")
    expect(page.locator("#new-password")).to_be_visible()
    assert len(page.locator("#new-password").inner_text()) >= 16

    page.goto(f"{served_app}/settings/users")
    page.locator("tr", has_text=NOC).locator("a:has-text('Delete')").click()
    expect(page.get_by_role("heading", name=f"Delete {NOC}?")).to_be_visible()
    page.click("main button:has-text('Delete')")
    expect(page.locator(".alert-success")).to_contain_text(f"User {NOC} deleted.")
    expect(page.locator("tr", has_text=NOC)).to_have_count(0)
    assert errors == []
