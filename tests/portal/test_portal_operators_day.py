"""The portal after the walk through every screen (issue 14, item 14): a Weekly tab like the
Control Panel's, a CDR month list that starts at the customer's first call, TOTP turned on by
POST/redirect/GET, and a navigation bar of few entries (the rest in dropdowns)."""

from __future__ import annotations

import re
from typing import Any

import pyotp
import pytest
from playwright.sync_api import Page, expect

from fixtures.builders import T0, cdr
from portal.portal_helpers import PASSWORD, Portal
from portal.portal_helpers import cdr as recent_cdr
from support import Api


def month_options(page: str) -> list[str]:
    select = page.split('id="f-month"', 1)[1].split("</select>", 1)[0]
    return re.findall(r'<option value="([\d-]+)">', select)


def test_the_month_list_starts_at_the_first_call(
    ann_portal: Portal, operator: Api, acme: int, northwind: int
) -> None:
    assert operator.post("/cdrs", [cdr("nw-old", northwind, start=T0.replace(year=2025))])
    nothing_yet = month_options(ann_portal.get("/portal/cdr-reports").text)
    assert len(nothing_yet) == 1  # this month only: no calls, nothing older to offer
    assert operator.post("/cdrs", [cdr("acme-1", acme, start=T0)]).json()["accepted"] == 1
    assert operator.post("/summary/refresh").status_code == 200
    page = ann_portal.get("/portal/cdr-reports").text
    months = month_options(page)
    assert months[-1] == T0.strftime("%Y-%m-01")  # October 2026, the first call's month
    assert months[0] == nothing_yet[0] and months == sorted(months, reverse=True)
    assert f'min="{T0.date()}"' in page  # nor a day before it


def test_the_portal_pages_carry_the_favicon(ann_portal: Portal) -> None:
    for path in ("/portal/", "/portal/invoices", "/portal/profile", "/portal/cdr-reports"):
        page = ann_portal.get(path)
        assert page.status_code == 200, path
        icon = re.search(r'<link rel="icon" type="image/svg\+xml" href="([^"]+)">', page.text)
        assert icon, path
        assert ann_portal.get(icon.group(1)).status_code == 200


def test_the_dashboard_offers_the_weekly_summary(ann_portal: Portal) -> None:
    page = ann_portal.get("/portal/").text
    tabs = re.findall(r'data-timeframe="(\w+)">\s*([\w ]+?)</button>', page)
    assert tabs == [
        ("24h", "24 Hours"),
        ("daily", "Daily"),
        ("weekly", "Weekly"),
        ("monthly", "Monthly"),
    ]
    weekly = ann_portal.get("/portal/summary.json", params={"timeframe": "weekly"})
    assert weekly.status_code == 200 and weekly.json()["timeframe"] == "weekly"


@pytest.mark.e2e
@pytest.mark.xdist_group("browser")
def test_weekly_tab_navbar_and_totp_redirect_in_the_browser(
    live_app: str, page: Page, operator: Api, acme: int, ann: dict[str, Any]
) -> None:
    errors: list[str] = []
    page.on("pageerror", lambda error: errors.append(str(error)))
    assert operator.post("/cdrs", [recent_cdr("acme-week", acme, "0.250000")]).json()["accepted"]
    assert operator.post("/summary/refresh").status_code == 200
    page.goto(f"{live_app}/portal/login")
    page.fill("#email", ann["email"])
    page.fill("#password", PASSWORD)
    page.click("button:has-text('Log in')")

    page.click("button.summary-timeframe:has-text('Weekly')")
    grid = page.locator("#summary-grid")
    expect(grid).to_have_attribute("data-loaded", "weekly")
    expect(grid.locator(".tabulator-col-title").first).to_have_text("Week of")
    download = grid.locator("a.cdr-report-download").first
    expect(download).to_have_attribute("href", re.compile(r"timeframe=weekly&period_start="))

    nav = page.locator("nav.portal-nav")
    box = nav.bounding_box()
    assert box is not None and box["height"] < 70  # one row at 1440 px
    top_level = nav.locator(".navbar-nav > .nav-item")
    expect(top_level).to_have_count(4)  # Dashboard, Services, Billing, the contact
    nav.locator(".dropdown-toggle:has-text('Billing')").click()
    expect(nav.locator(".dropdown-menu.show")).to_contain_text("Invoices")
    nav.locator(".dropdown-menu.show >> text=CDR Reports").click()
    expect(page).to_have_url(re.compile(r"/portal/cdr-reports$"))
    expect(nav.locator(".dropdown-toggle:has-text('Billing')")).to_have_class(re.compile("active"))

    page.click("#portal-account-menu")
    page.click("nav >> text=My Profile")
    page.click("button:has-text('Set up two-factor authentication')")
    secret = page.locator(".totp-secret").inner_text().strip()
    page.fill("#f-code", pyotp.TOTP(secret).now())
    page.click("button:has-text('Turn on')")
    expect(page.locator(".recovery-codes li")).to_have_count(10)
    expect(page).to_have_url(re.compile(r"/portal/profile#two-factor$"))  # not the POST's
    page.reload()  # a GET: nothing posted again, and the codes are not shown again
    expect(page.locator(".totp-state")).to_have_text("on")
    expect(page.locator(".recovery-codes li")).to_have_count(0)
    assert errors == []
