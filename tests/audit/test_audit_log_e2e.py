"""The Audit Log at 1440×900 in a real browser: every column, Changes and Comment included, is
in view without scrolling sideways, even for an entry with long changes and a long comment."""

from __future__ import annotations

import re

import pytest
from playwright.sync_api import Page, expect

from fixtures.browser import submit_login
from fixtures.builders import make_customer
from support import Api

pytestmark = [pytest.mark.e2e, pytest.mark.xdist_group("browser")]
COMMENT = "Ticket 5521: the customer moved its whole switching platform to a new data centre"


def test_changes_wrap_and_comment_is_in_view_at_1440(
    served_app: str, page: Page, operator: Api, admin_user: tuple[str, str]
) -> None:
    acme = make_customer(operator, "Acme Telecom")
    whitelist = [f"198.51.{i}.0/24" for i in range(40)]
    contact = {
        "name": "Ann Lee",
        "email": "ann.lee.accounts-payable@acme-telecommunications.example",
        "public_notes": "Invoices go to the accounts payable team; " * 12,
        "ip_whitelist": whitelist,
    }
    made = operator.post(
        f"/customers/{acme}/contacts", contact, headers={"X-Audit-Comment": COMMENT}
    )
    assert made.status_code == 201, made.text
    assert page.viewport_size == {"width": 1440, "height": 900}
    submit_login(page, served_app, *admin_user)
    expect(page).not_to_have_url(re.compile(r"/login"))
    page.goto(f"{served_app}/audit-log?action=create&contact_id={made.json()['id']}")

    row = page.locator("#audit-log tbody tr").first
    expect(row.locator(".audit-comment")).to_have_text(COMMENT)
    expect(row.locator(".audit-changes li[data-field=ip_whitelist]")).to_contain_text(
        "198.51.39.0/24"
    )
    for header in ("At", "Actor", "Action", "Record", "Message", "Changes", "Comment"):
        box = page.locator("#audit-log thead th", has_text=header).bounding_box()
        assert box is not None and box["x"] >= 0 and box["x"] + box["width"] <= 1440, header
    comment = row.locator(".audit-comment").bounding_box()
    assert comment is not None and comment["x"] + comment["width"] <= 1440
    sideways = page.evaluate(
        """() => {
          const pane = document.querySelector('#audit-log').closest('.table-responsive');
          return [pane.scrollWidth - pane.clientWidth,
                  document.documentElement.scrollWidth - window.innerWidth];
        }"""
    )
    assert sideways == [0, 0]
