"""Issue 3, done when: in a real browser, blocks are assigned to two customers, a SIP user is
created from the offered free extensions, the same extension is refused as a duplicate on the
other customer, and an unused block is deleted (a block in use is not)."""

from __future__ import annotations

import re

import pytest
from playwright.sync_api import Page, expect
from sqlalchemy import select

from carrierdesk.auth.principals import CLI
from carrierdesk.db import transaction
from carrierdesk.models import AuditEntry
from carrierdesk.settings.schemas import OptionsPatch
from carrierdesk.settings.service import update_options
from fixtures.browser import answer_dialog, submit_login
from fixtures.builders import add_customer

pytestmark = [pytest.mark.e2e, pytest.mark.xdist_group("browser")]


def log_in(page: Page, base_url: str, email: str, password: str) -> None:
    submit_login(page, base_url, email, password)
    expect(page).not_to_have_url(re.compile(r"/login"))


def blocks_panel(page: Page):  # type: ignore[no-untyped-def]
    return page.locator("#blocks-panel")


def add_block(page: Page, expect_text: str) -> None:
    blocks_panel(page).locator("button[aria-label='Add number block']").click()
    expect(blocks_panel(page).locator("[data-blocks-message]")).to_contain_text(expect_text)


def test_blocks_sip_user_duplicate_and_delete(
    served_app: str, page: Page, db_url: str, admin_user: tuple[str, str]
) -> None:
    with transaction(db_url) as session:
        acme = add_customer(session, "Acme Telecom").id
        nimbus = add_customer(session, "Nimbus Voice").id
    log_in(page, served_app, *admin_user)

    # Without the settings, + explains where to define them.
    page.goto(f"{served_app}/customers/{acme}")
    add_block(page, "must be defined under Settings › Options")
    link = blocks_panel(page).get_by_role("link", name="Open Settings › Options")
    expect(link).to_have_attribute("href", "/settings/options")

    with transaction(db_url) as session:
        update_options(session, CLI, OptionsPatch(number_range_start=1000, block_size=100))

    add_block(page, "Block 1000–1099 assigned.")
    expect(blocks_panel(page).locator("tbody")).to_contain_text("1099")
    page.goto(f"{served_app}/customers/{nimbus}")
    add_block(page, "Block 1100–1199 assigned.")
    add_block(page, "Block 1200–1299 assigned.")
    grid = blocks_panel(page).locator("tbody tr")
    expect(grid).to_have_count(2)
    blocks_panel(page).locator("[data-blocks-sort=start]").click()  # sorted descending now
    expect(grid.first).to_contain_text("1200")

    # A SIP user on Acme, picked from the offered free extensions.
    page.goto(f"{served_app}/customers/{acme}/auth")
    sip = page.locator("section[data-resource=sip-users]")
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
    page.screenshot(path="/tmp/numbering-auth.png", full_page=True)

    # The same extension on Nimbus is a duplicate.
    page.goto(f"{served_app}/customers/{nimbus}/auth")
    sip = page.locator("section[data-resource=sip-users]")
    sip.locator("button[aria-label='Add SIP user']").click()
    sip.locator("input[name=username]").fill("1000")
    sip.locator("button:has-text('Save')").click()
    expect(sip.locator("[data-message]")).to_contain_text("Duplicate User Detected")
    expect(sip.locator("[data-error-for=username]")).to_have_text("Duplicate User Detected")
    expect(sip.locator("tbody")).to_contain_text("None yet.")

    # Acme's block is in use; Nimbus's 1200 block is not, and goes. Each removal is asked in
    # the app's own dialog; Cancel keeps the block.
    page.goto(f"{served_app}/customers/{acme}")
    blocks_panel(page).locator("input[name=block-ids]").check()
    blocks_panel(page).locator("button[aria-label='Delete selected number blocks']").click()
    answer_dialog(page, "Remove 1 number block(s)?", press="cancel")
    expect(blocks_panel(page).locator("[data-blocks-message]")).not_to_contain_text("in use")
    expect(blocks_panel(page).locator("tbody tr")).to_have_count(1)
    blocks_panel(page).locator("button[aria-label='Delete selected number blocks']").click()
    answer_dialog(page, "Remove 1 number block(s)?")
    expect(blocks_panel(page).locator("[data-blocks-message]")).to_contain_text(
        "in use by extension(s) 1000"
    )
    expect(blocks_panel(page).locator("tbody tr")).to_have_count(1)
    page.goto(f"{served_app}/customers/{nimbus}")
    blocks_panel(page).locator("input[aria-label='Select block 1200–1299']").check()
    blocks_panel(page).locator("button[aria-label='Delete selected number blocks']").click()
    answer_dialog(page, "Remove 1 number block(s)?")
    expect(blocks_panel(page).locator("[data-blocks-message]")).to_contain_text(
        "1 block(s) removed"
    )
    expect(blocks_panel(page).locator("tbody tr")).to_have_count(1)
    expect(blocks_panel(page).locator("tbody")).not_to_contain_text("1200")
    page.screenshot(path="/tmp/numbering-main.png", full_page=True)


def test_edit_toggle_reset_ip_warning_and_conference(
    served_app: str, page: Page, db_url: str, admin_user: tuple[str, str]
) -> None:
    with transaction(db_url) as session:
        update_options(session, CLI, OptionsPatch(number_range_start=5000, block_size=10))
        acme = add_customer(session, "Acme Telecom").id
        other = add_customer(session, "Other Co").id
    log_in(page, served_app, *admin_user)

    # A customer without blocks: any free name, and the form says so.
    page.goto(f"{served_app}/customers/{other}/auth")
    sip = page.locator("section[data-resource=sip-users]")
    sip.locator("button[aria-label='Add SIP user']").click()
    expect(sip.locator("input[name=username]")).to_have_attribute("placeholder", "any free name")
    sip.locator("input[name=username]").fill("trunk.main")
    sip.locator("input[name=password]").fill("weak")
    sip.locator("button:has-text('Save')").click()
    expect(sip.locator("[data-error-for=password]")).to_contain_text("must be 8 to 128")
    sip.locator("input[name=password]").fill("Trunk-Secret-2026")
    sip.locator("input[name=channels]").fill("8")
    sip.locator("select[name=protocol]").select_option("tls")
    sip.locator("button:has-text('Save')").click()
    expect(sip.locator("[data-message]")).to_have_text("SIP user trunk.main saved.")
    row = sip.locator("tbody tr", has_text="trunk.main")
    expect(row).to_contain_text("TLS")

    sip.locator("button[aria-label='Edit SIP user trunk.main']").click()
    expect(sip.locator("input[name=username]")).to_be_disabled()
    expect(sip.locator("input[name=channels]")).to_have_value("8")
    sip.locator("input[name=channels]").fill("12")
    sip.locator("input[name=ip_whitelist]").fill("203.0.113.9, 198.51.100.7/24")
    sip.locator("button:has-text('Save')").click()
    expect(row).to_contain_text("12")
    expect(row).to_contain_text("203.0.113.9, 198.51.100.0/24")
    sip.locator("button[aria-label='Disable SIP user trunk.main']").click()
    expect(row).to_contain_text("Disabled")
    sip.locator("button[aria-label='Reset Password SIP user trunk.main']").click()
    answer_dialog(page, "Generate a new password for trunk.main?")
    expect(sip.locator("[data-message]")).to_contain_text("Its password, shown this once: ")

    # IP authentication: an address another customer's entry covers is saved with a warning.
    ip = page.locator("section[data-resource=ip-auth]")
    ip.locator("button[aria-label='Add IP authentication']").click()
    ip.locator("input[name=ip]").fill("192.0.2.0/24")
    ip.locator("button:has-text('Save')").click()
    expect(ip.locator("tbody")).to_contain_text("192.0.2.0/24")
    page.goto(f"{served_app}/customers/{acme}/auth")
    ip = page.locator("section[data-resource=ip-auth]")
    ip.locator("button[aria-label='Add IP authentication']").click()
    ip.locator("input[name=ip]").fill("192.0.2.15")
    ip.locator("input[name=port]").fill("5080")
    ip.locator("button:has-text('Save')").click()
    expect(ip.locator("[data-message]")).to_contain_text(
        "192.0.2.15 is already covered by the IP authentication entry 192.0.2.0/24 of Other Co."
    )
    expect(ip.locator("tbody")).to_contain_text("5080")

    # Conferences: Acme gets a block, a room is created from a free extension, then moved.
    page.goto(f"{served_app}/customers/{acme}")
    add_block(page, "Block 5000–5009 assigned.")
    page.locator("a[data-tab=conferences]").click()
    rooms = page.locator("section[data-resource=conferences]")
    rooms.locator("button[aria-label='Add conference room']").click()
    rooms.locator("input[name=name]").fill("NOC Bridge")
    rooms.locator("[data-free-extensions]").select_option("5000")
    rooms.locator("input[name=pin]").fill("4321")
    rooms.locator("input[name=moderator_pin]").fill("4321")
    rooms.locator("button:has-text('Save')").click()
    expect(rooms.locator("[data-error-for=moderator_pin]")).to_have_text("must differ from the PIN")
    rooms.locator("input[name=moderator_pin]").fill("8765")
    rooms.locator("select[name=quality]").select_option("ultra_wide")
    rooms.locator("button:has-text('Save')").click()
    expect(rooms.locator("tbody")).to_contain_text("Ultra-wide band")
    rooms.locator("button[aria-label='Edit conference room NOC Bridge']").click()
    rooms.locator("input[name=extension]").fill("5003")
    rooms.locator("button:has-text('Save')").click()
    expect(rooms.locator("tbody tr", has_text="NOC Bridge")).to_contain_text("5003")
    rooms.locator("button[aria-label='Delete conference room NOC Bridge']").click()
    answer_dialog(page, "Delete conference room NOC Bridge?")
    expect(rooms.locator("tbody")).to_contain_text("None yet.")


def test_audit_comment_is_asked_and_recorded(
    served_app: str, page: Page, db_url: str, admin_user: tuple[str, str]
) -> None:
    with transaction(db_url) as session:
        patch = OptionsPatch(number_range_start=100, block_size=10, audit_comment_required=True)
        update_options(session, CLI, patch)
        acme = add_customer(session, "Acme Telecom").id
    log_in(page, served_app, *admin_user)
    page.goto(f"{served_app}/customers/{acme}")
    blocks_panel(page).locator("button[aria-label='Add number block']").click()
    answer_dialog(page, "ask for a reason", typed="Ticket 4411: new site")
    expect(blocks_panel(page).locator("[data-blocks-message]")).to_contain_text(
        "Block 100–109 assigned."
    )
    with transaction(db_url) as session:
        entry = session.scalars(
            select(AuditEntry).where(AuditEntry.table_name == "number_blocks")
        ).one()
        assert entry.comment == "Ticket 4411: new site"
