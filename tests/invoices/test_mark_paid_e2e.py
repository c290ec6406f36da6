"""Mark paid in a real browser: the app's own dialog asks for the payment date (today, not later,
not before the invoice date) and a reference; Cancel changes nothing; the invoice then shows
both."""

from __future__ import annotations

import re

import pytest
from playwright.sync_api import Page, expect

from fixtures.browser import submit_login
from fixtures.builders import make_customer, make_user
from invoices.invoice_helpers import call, calls, generate
from support import PASSWORD, Api

pytestmark = [pytest.mark.e2e, pytest.mark.xdist_group("browser")]
EMAIL = "billing@carrier.example"


def test_mark_paid_asks_for_the_date_and_reference(
    served_app: str, page: Page, operator: Api, db_url: str
) -> None:
    acme = make_customer(operator, "Acme Telecom", currency="EUR")
    calls(operator, [call("a", acme, "2026-10-01", "12.5", currency="EUR")])
    [invoice] = generate(operator, acme, "daily", "2026-10-01").json()["items"]
    issued = invoice["invoice_date"]
    make_user(db_url, EMAIL, "operator", PASSWORD)
    submit_login(page, served_app, EMAIL, PASSWORD)
    expect(page).not_to_have_url(re.compile(r"/login"))
    page.goto(f"{served_app}/invoices/{invoice['id']}")

    dialog = page.locator("#mark-paid-dialog")
    page.click("#mark-paid")
    expect(dialog).to_be_visible()
    expect(dialog.locator("#f-paid_on")).to_have_value(issued)  # today: the invoice's own day
    expect(dialog.locator("#f-paid_on")).to_have_attribute("max", issued)
    dialog.locator("button:has-text('Cancel')").click()
    expect(dialog).to_be_hidden()
    expect(page.locator("[data-invoice-status]")).to_have_attribute("data-invoice-status", "issued")

    page.click("#mark-paid")
    expect(dialog).to_be_visible()
    dialog.locator("#f-paid_on").fill("2999-01-01")  # typed past the picker's limit
    dialog.locator("#f-reference").fill("BACS 88812")
    dialog.locator("#confirm-mark-paid").click()
    # Refused: the dialog opens again with the error under the field and what was typed.
    expect(dialog).to_be_visible()
    expect(dialog.locator("[data-error-for=paid_on]")).to_contain_text("must not be in the future")
    expect(dialog.locator("#f-reference")).to_have_value("BACS 88812")
    dialog.locator("#f-paid_on").fill(issued)
    dialog.locator("#confirm-mark-paid").click()

    expect(page.locator(".alert-success")).to_contain_text(
        f"Invoice {invoice['number']} marked paid."
    )
    expect(page.locator("#invoice-paid")).to_contain_text(issued)
    expect(page.locator("#invoice-paid")).to_contain_text("reference BACS 88812")
    expect(page.locator("#mark-paid")).to_have_count(0)
    assert operator.get(f"/invoices/{invoice['id']}").json()["payment_reference"] == "BACS 88812"
