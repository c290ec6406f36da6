"""Issue 14, item 16: on Customer › Main at 1440×900, an email too long for the Contacts grid is
cut with an ellipsis, and its tooltip (title) holds the whole address."""

from __future__ import annotations

import pytest
from playwright.sync_api import expect

from carrierdesk.db import transaction
from fixtures.browser import NewPage, submit_login
from fixtures.builders import add_customer, add_user, make_contact
from support import PASSWORD, Api

pytestmark = [pytest.mark.e2e, pytest.mark.xdist_group("browser")]
EMAIL = "noc@carrier.example"
LONG = "priya.raman.head-of-interconnect-and-billing@acme-telecom-holdings.example"


def test_a_cut_email_shows_the_whole_address_in_its_tooltip(
    db_url: str, operator: Api, served_app: str, new_page: NewPage
) -> None:
    with transaction(db_url) as session:
        add_user(session, EMAIL, "operator", PASSWORD)
        customer_id = add_customer(session, "Acme Telecom").id
    make_contact(operator, customer_id, "Priya Raman", LONG)
    make_contact(operator, customer_id, "Raj Patel", "raj@acme.example")
    page = new_page()
    submit_login(page, served_app, EMAIL, PASSWORD)
    page.goto(f"{served_app}/customers/{customer_id}")
    long_cell = page.locator("#contacts tr", has_text="Priya Raman").locator("td.text-truncate")
    short_cell = page.locator("#contacts tr", has_text="Raj Patel").locator("td.text-truncate")
    expect(long_cell).to_have_attribute("title", LONG)
    expect(short_cell).to_have_attribute("title", "raj@acme.example")
    assert long_cell.evaluate("td => td.scrollWidth > td.clientWidth")  # cut on screen
    assert short_cell.evaluate("td => td.scrollWidth <= td.clientWidth")
    long_cell.hover()  # the browser's tooltip is the title; the link still mails the contact
    expect(long_cell.locator("a")).to_have_attribute("href", f"mailto:{LONG}")
