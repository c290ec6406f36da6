"""Cancelling a scheduled change in a real browser asks in the app's own dialog (not the
browser's confirm()): "Keep it" keeps it pending, "Cancel the change" cancels it."""

from __future__ import annotations

import re
from datetime import UTC, datetime, timedelta

import pytest
from playwright.sync_api import Page, expect

from fixtures.browser import answer_dialog, submit_login
from fixtures.builders import make_contact, make_customer
from support import Api

pytestmark = [pytest.mark.e2e, pytest.mark.xdist_group("browser")]


def test_cancel_is_confirmed_in_the_app_dialog(
    served_app: str, page: Page, operator: Api, admin_user: tuple[str, str]
) -> None:
    acme = make_customer(operator, "Acme Telecom")
    ann = make_contact(operator, acme)
    later = (datetime.now(UTC) + timedelta(hours=4)).isoformat()
    scheduled = operator.patch(f"/contacts/{ann['id']}", {"name": "Ann Later", "apply_at": later})
    assert scheduled.status_code == 202, scheduled.text
    submit_login(page, served_app, *admin_user)
    expect(page).not_to_have_url(re.compile(r"/login"))
    page.goto(f"{served_app}/delay-log")
    row = page.locator("#delay-log tbody tr").first
    expect(row.locator("li[data-field=name]")).to_have_text("Name: Ann Lee → Ann Later")

    row.locator("button:has-text('Cancel')").click()
    answer_dialog(page, "Cancel this scheduled change?", press="cancel")
    expect(row.locator(".change-status")).to_have_text("pending")
    row.locator("button:has-text('Cancel')").click()
    expect(page.locator("#app-dialog [data-dialog-ok]")).to_have_text("Cancel the change")
    answer_dialog(page, "It will not be applied.")
    expect(page.locator(".alert-success")).to_contain_text("Cancelled: Edit contact Ann Lee")
    expect(page.locator("#delay-log tbody tr").first.locator(".change-status")).to_have_text(
        "cancelled"
    )
