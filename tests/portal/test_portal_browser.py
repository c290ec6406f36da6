"""Issue 6's browser tests, in headless Chromium against the real app and its worker:
1. a contact logs in with the password of the welcome email (a real SMTP server), verifies the
   email through the mailed link and the mobile through the SMS code, enrols TOTP and logs in
   again with it;
2. an operator uses Portal Login, sees the banner, edits the profile, and the audit log shows
   the operator as actor on behalf of the contact;
3. ten wrong passwords lead to 429."""

from __future__ import annotations

import re
import time
from typing import Any

import pyotp
import pytest
from playwright.sync_api import Page, expect

from fixtures.builders import make_customer, make_user
from fixtures.smtp import Inbox
from portal.portal_helpers import PASSWORD, cdr, code_in, link_in, outbox

pytestmark = [pytest.mark.e2e, pytest.mark.xdist_group("browser")]
MOBILE = "+447911123456"


def new_contact(api: Any, **fields: Any) -> dict[str, Any]:
    customer = make_customer(api, "Nimbus Voice Ltd")
    body = {"name": "Ann Lee", "email": "ann@nimbus.example", "mobile": MOBILE, **fields}
    response = api.post(f"/customers/{customer}/contacts", body)
    assert response.status_code == 201, response.text
    return dict(response.json())


def script_problems(page: Page) -> list[str]:
    """Script errors and Content-Security-Policy refusals seen by the page, as they come."""
    seen: list[str] = []
    page.on("pageerror", lambda error: seen.append(str(error)))
    page.on(
        "console",
        lambda m: seen.append(m.text) if "Content Security Policy" in m.text else None,
    )
    return seen


def portal_log_in(page: Page, email: str, password: str) -> None:
    page.fill("#email", email)
    page.fill("#password", password)
    page.click("button:has-text('Log in')")


def test_contact_logs_in_verifies_and_enrols_totp(
    smtp: Inbox, live_app: str, page: Page, operator: Any, db_url: str
) -> None:
    problems = script_problems(page)
    contact = new_contact(operator)
    welcome = smtp.wait_for("Customer Portal login")
    password = next(line.split()[-1] for line in welcome.splitlines() if "Password:" in line)

    page.goto(f"{live_app}/portal/")
    expect(page).to_have_url(re.compile(r"/portal/login\?next="))
    portal_log_in(page, contact["email"], password)
    expect(page.locator("h1.customer-name")).to_have_text("Nimbus Voice Ltd")
    expect(page.locator("#summary-status")).to_have_text("No data yet.")
    page.click("button.summary-timeframe:has-text('24 Hours')")
    expect(page.locator("#summary-grid")).to_have_attribute("data-loaded", "24h")
    expect(page.locator("#summary-grid .tabulator-placeholder")).to_contain_text("No data yet")

    page.click("#checklist >> text=Verify your email address")
    page.click("button:has-text('Email me a verification link')")
    expect(page.locator(".flash")).to_contain_text("We sent a link to ann@nimbus.example")
    page.goto(live_app + link_in(smtp.wait_for("Confirm your email")))
    page.click("button:has-text('Verify my email address')")
    expect(page.locator(".portal-message")).to_contain_text("ann@nimbus.example is verified")

    page.goto(f"{live_app}/portal/verification")
    page.click("button:has-text('Text me a code')")
    expect(page.locator(".flash")).to_contain_text(f"We sent a 6-digit code to {MOBILE}")
    page.fill("#f-code", code_in(outbox(db_url, MOBILE, kind="sms")[-1].body))
    page.click("#verify-mobile button:has-text('Verify')")
    expect(page.locator(".flash")).to_contain_text("your mobile number is verified")
    expect(page.locator(".mobile-state")).to_have_text("verified")

    page.click("#portal-account-menu")  # the contact's own pages are under their name
    page.click("nav >> text=My Profile")
    page.click("button:has-text('Set up two-factor authentication')")
    secret = page.locator(".totp-secret").inner_text().strip()
    expect(page.locator("img.totp-qr")).to_be_visible()
    page.wait_for_function(  # the QR code image, served by its own route, has loaded
        "() => { const img = document.querySelector('img.totp-qr');"
        " return img.complete && img.naturalWidth > 0; }"
    )
    page.fill("#f-code", pyotp.TOTP(secret).now())
    page.click("button:has-text('Turn on')")
    expect(page.locator(".recovery-codes li")).to_have_count(10)
    expect(page.locator(".totp-state")).to_have_text("on")

    page.click("#portal-account-menu")
    page.click("button:has-text('Log out')")
    expect(page.locator(".flash")).to_contain_text("You have logged out.")
    portal_log_in(page, contact["email"], password)
    expect(page.locator("h1")).to_contain_text("Two-factor authentication")
    page.fill("#code", pyotp.TOTP(secret).at(time.time() + 30))  # the enrolment used this step
    page.click("button:has-text('Verify')")
    expect(page.locator("h1.customer-name")).to_have_text("Nimbus Voice Ltd")
    for item in ("email", "mobile", "totp"):
        expect(page.locator(f".checklist-{item}")).to_have_class(re.compile(r"\bdone\b"))
    assert problems == []


def test_operator_portal_login_shows_the_banner_and_is_audited(
    live_app: str, page: Page, admin: Any, db_url: str
) -> None:
    operator = "olivia@carrier.example"
    make_user(db_url, operator, "operator", PASSWORD)
    contact = new_contact(admin, auto_generate_password=False, password=PASSWORD)
    call = cdr("nimbus-1", contact["customer_id"], "0.125000")
    assert admin.post("/cdrs", [call]).json()["accepted"] == 1
    assert admin.post("/summary/refresh").status_code == 200

    page.goto(f"{live_app}/login")
    page.fill("#email", operator)
    page.fill("#password", PASSWORD)
    page.click("button:has-text('Log in')")
    expect(page).to_have_url(re.compile(r"/customers"))
    link = page.evaluate(
        "id => window.carrierdesk.api('POST', `/contacts/${id}/portal-login`)", contact["id"]
    )

    tab = page.context.new_page()
    tab.goto(live_app + link_in(link["url"]))
    banner = tab.locator(".portal-login-banner")
    expect(banner).to_contain_text(f"Viewing as Ann Lee — operator {operator} —")
    expect(tab.locator("h1.customer-name")).to_have_text("Nimbus Voice Ltd")
    expect(tab.locator("#summary-status")).to_contain_text("Totals: 1 attempts, 1 connected")
    # the charge of 0.125 USD in the currency's cents, under a header with its unit
    expect(tab.locator("#summary-grid")).to_contain_text("Charge (USD)")
    expect(tab.locator("#summary-grid")).to_contain_text("ACD (s)")  # seconds, as on Main
    expect(tab.locator("#summary-grid .tabulator-row").first).to_contain_text("0.13")
    expect(tab.locator("#summary-grid")).not_to_contain_text("Cost")
    tab.click("#portal-account-menu")
    tab.click("nav >> text=My Profile")
    expect(banner).to_be_visible()
    expect(tab.locator(".portal-login-locked")).to_contain_text("cannot be changed")
    expect(tab.locator("#f-current_password")).to_be_disabled()
    tab.fill("#f-name", "Ann Lee-Smith")
    tab.click("#details button:has-text('Save')")
    expect(tab.locator(".flash")).to_contain_text("Your profile was saved.")
    expect(tab.locator("#f-name")).to_have_value("Ann Lee-Smith")

    entries = page.evaluate(
        "id => window.carrierdesk.api('GET', `/audit-log?contact_id=${id}&action=update`)",
        contact["id"],
    )
    latest = entries["items"][0]
    assert latest["actor"] == operator and latest["on_behalf_of"] == contact["email"]
    assert latest["changes"]["name"] == ["Ann Lee", "Ann Lee-Smith"]

    tab.click(".portal-login-banner button:has-text('End')")
    expect(tab.locator(".flash")).to_contain_text("Portal Login ended.")
    page.reload()  # the operator's own Control Panel session is untouched
    expect(page).to_have_url(re.compile(r"/customers"))


def test_ten_wrong_passwords_lead_to_429(
    live_app: str, page: Page, operator: Any, db_url: str
) -> None:
    contact = new_contact(operator, auto_generate_password=False, password=PASSWORD)
    page.goto(f"{live_app}/portal/login")
    for attempt in range(10):
        portal_log_in(page, contact["email"], f"Wrong!Passw0rd{attempt}")
        expect(page.locator(".form-error")).to_have_text("Wrong email or password.")
    with page.expect_response(
        lambda r: r.url.endswith("/portal/login") and r.request.method == "POST"
    ) as answer:
        portal_log_in(page, contact["email"], PASSWORD)  # even the right one, now
    assert answer.value.status == 429
    assert int(answer.value.headers["retry-after"]) > 0
    expect(page.locator(".form-error")).to_contain_text("Too many failed logins")
