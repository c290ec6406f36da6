"""Issue 2, done when: a person logs in, creates a customer, adds a contact with a generated
password (the email is in the Email Log), edits it with Delay and Save and sees it applied on
time, finds it in Global Contacts and reads every step in the Audit Log — in a real browser."""

from __future__ import annotations

import re
import time
from datetime import UTC, datetime, timedelta

import pytest
from playwright.sync_api import Page, expect

SCREENSHOT = "/tmp/customer-main.png"
APPLY_WAIT_SECONDS = 40


def log_in(page: Page, base_url: str, email: str, password: str) -> None:
    page.goto(f"{base_url}/customers")
    expect(page).to_have_url(re.compile(r"/login\?next="))
    page.fill("#email", email)
    page.fill("#password", password)
    page.click("button:has-text('Log in')")
    expect(page.locator("h1")).to_have_text("Customers")


def create_customer(page: Page) -> str:
    page.click("text=New Customer")
    page.fill("#f-name", "Nimbus Voice Ltd")
    page.fill("#f-reference", "ACC-7781")
    page.select_option("#f-currency", "GBP")
    page.fill("#f-channels", "60")
    page.click("button:has-text('Save and Continue')")
    expect(page.locator(".customer-name")).to_contain_text("Nimbus Voice Ltd")
    expect(page.locator(".alert-success")).to_contain_text("Customer Nimbus Voice Ltd created")
    return page.url


def add_contact(page: Page) -> None:
    page.click("a[aria-label='Add contact']")
    page.fill("#f-name", "Ann Lee")
    page.fill("#f-email", "ann.lee@nimbus.example")
    page.fill("#f-phone", "+44 20 7123 4567")
    page.select_option("#f-contact_type", "billing")
    expect(page.locator("#f-auto_generate_password")).to_be_checked()
    expect(page.locator("#password-group")).to_be_hidden()
    page.click("button:has-text('Save and Continue')")
    expect(page.locator(".alert-success")).to_contain_text(
        "A generated password was emailed to ann.lee@nimbus.example"
    )
    expect(page.locator("#contacts")).to_contain_text("ann.lee@nimbus.example")


def schedule_rename(page: Page, customer_url: str) -> None:
    page.goto(customer_url)
    page.click("button[aria-label='Actions for Ann Lee']")
    page.click("#contacts .dropdown-menu.show >> text=Edit")
    expect(page.locator("h1")).to_contain_text("Edit contact Ann Lee")
    page.fill("#f-name", "Ann Lee-Smith")
    page.fill("#f-mobile", "+44 7911 123456")
    page.click("#delay-toggle")
    page.select_option("#f-delay", "at")
    apply_at = datetime.now(UTC) + timedelta(seconds=6)
    page.fill("#f-delay_at", apply_at.strftime("%Y-%m-%dT%H:%M:%S"))
    page.click("button:has-text('Schedule this change')")
    expect(page.locator(".alert-success")).to_contain_text("scheduled for")
    # Not applied yet: the grid still shows the old name.
    expect(page.locator("#contacts")).to_contain_text("Ann Lee")
    expect(page.locator("#contacts")).not_to_contain_text("Ann Lee-Smith")


def wait_until_applied(page: Page, base_url: str) -> None:
    page.goto(f"{base_url}/delay-log")
    row = page.locator("#delay-log tbody tr").filter(has_text="Edit contact Ann Lee")
    expect(row.locator(".change-status")).to_have_text("pending")
    deadline = time.monotonic() + APPLY_WAIT_SECONDS
    while row.locator(".change-status").inner_text() != "applied":
        assert time.monotonic() < deadline, "the scheduled change was not applied in time"
        assert row.locator(".change-status").inner_text() == "pending", row.inner_text()
        time.sleep(1)
        page.reload()
    expect(row).to_contain_text("done")


def open_portal_as_contact(page: Page) -> None:
    """Portal Login from the row menu opens the portal, as the contact, in a new tab."""
    page.click("button[aria-label='Actions for Ann Lee-Smith']")
    with page.context.expect_page() as opened:
        page.click("#contacts .dropdown-menu.show >> text=Portal Login")
    portal = opened.value
    portal.wait_for_load_state()
    expect(portal).to_have_url(re.compile(r"/portal/"))
    expect(portal.locator("body")).to_contain_text("Ann Lee-Smith")
    expect(portal.locator("body")).to_contain_text("Viewing as")
    portal.close()


@pytest.mark.e2e
@pytest.mark.xdist_group("browser")
def test_customer_contact_delay_and_audit(
    page: Page, live_app: str, admin_user: tuple[str, str]
) -> None:
    log_in(page, live_app, *admin_user)
    customer_url = create_customer(page)
    expect(page.locator(".customer-header")).to_contain_text("Active")
    expect(page.locator(".customer-header")).to_contain_text("Channels 60")
    add_contact(page)

    page.click("nav >> text=Email Log")
    message = page.locator("#email-log tbody tr").filter(has_text="ann.lee@nimbus.example")
    expect(message).to_contain_text("Customer Portal login")
    message.locator("summary").click()
    expect(message.locator(".email-body")).to_contain_text("Hello Ann Lee")

    schedule_rename(page, customer_url)
    wait_until_applied(page, live_app)

    page.goto(customer_url)
    expect(page.locator("#contacts")).to_contain_text("Ann Lee-Smith")
    page.screenshot(path=SCREENSHOT, full_page=True)

    open_portal_as_contact(page)

    page.click("nav >> text=Global Contacts")
    page.fill("input[name=q]", "lee-smith")
    page.click("button:has-text('Search')")
    found = page.locator("#global-contacts tbody tr")
    expect(found).to_have_count(1)
    expect(found).to_contain_text("ann.lee@nimbus.example")
    expect(found).to_contain_text("Nimbus Voice Ltd")
    expect(found).to_contain_text("+447911123456")

    page.click("nav >> text=Audit Log")
    log = page.locator("#audit-log")
    expect(log).to_contain_text("Customer Nimbus Voice Ltd created")
    expect(log).to_contain_text(
        "Contact Ann Lee <ann.lee@nimbus.example> added to Nimbus Voice Ltd"
    )
    expect(log).to_contain_text("Email 'Your carrierdesk Customer Portal login' to ann.lee@nimbus")
    expect(log).to_contain_text("Edit contact Ann Lee <ann.lee@nimbus.example>")
    applied = page.locator("#audit-log tbody tr[data-action=update]").filter(
        has_text="Contact Ann Lee-Smith"
    )
    expect(applied).to_contain_text(f"scheduled by {admin_user[0]}")
    expect(applied.locator(".audit-changes")).to_contain_text("Name: Ann Lee → Ann Lee-Smith")
    expect(log).to_contain_text("opened the portal as ann.lee@nimbus.example")
