"""Issue 13, the Rate Card page's upload in a real browser at 1440×900: choose a file, Preview
(the panel comes in place, the file stays chosen, nothing is stored), Apply (stored, flashed);
a bad deck lists its rows and offers no Apply; another file chosen after the preview is refused."""

from __future__ import annotations

from pathlib import Path

import pytest
from playwright.sync_api import Page, expect

from carrierdesk.auth.principals import CLI
from carrierdesk.db import transaction
from carrierdesk.rating import service
from carrierdesk.rating.schemas import RateCardCreate
from fixtures.browser import NewPage, submit_login
from fixtures.builders import add_user, deck
from support import PASSWORD

pytestmark = [pytest.mark.e2e, pytest.mark.xdist_group("browser")]
EMAIL = "rates@carrier.example"


@pytest.fixture
def card(db_url: str) -> int:
    """Retail EUR holding 44 (UK), 33 (France) and 49 (DE); an operator to log in."""
    with transaction(db_url) as session:
        add_user(session, EMAIL, "operator", PASSWORD)
        card = service.create_rate_card(
            session, CLI, RateCardCreate(name="Retail EUR", currency="EUR")
        )
        stored = deck(
            "44,UK,0.1,0,1,1,2026-01-01",
            "33,France,0.2,0,1,1,2026-01-01",
            "49,DE,0.3,0,1,1,2026-01-01",
        )
        service.put_rates(session, CLI, card.id, stored)
        return card.id


@pytest.fixture
def page(card: int, served_app: str, new_page: NewPage) -> Page:
    tab = new_page(base_url=served_app)  # the default viewport: 1440×900
    submit_login(tab, served_app, EMAIL, PASSWORD)
    tab.goto(f"/rate-cards/{card}")
    return tab


def a_file(tmp_path: Path, name: str, *rows: str) -> Path:
    path = tmp_path / name
    path.write_bytes(deck(*rows))
    return path


NEW = [f"7{n:02d},Russia {n},0.05,0,60,60,2026-01-01" for n in range(24)]
DECK = ("44,UK,0.1,0,1,1,2026-01-01", "33,France,0.25,0,1,1,2026-01-01", *NEW)


def count(page: Page, name: str) -> str | None:
    return page.locator(f"#deck-counts [data-count='{name}']").get_attribute("data-value")


def test_preview_then_apply(page: Page, tmp_path: Path) -> None:
    expect(page.locator("[data-deck-size]")).to_have_text("3 rates")
    page.set_input_files("#f-deck", a_file(tmp_path, "russia.csv", *DECK))
    page.click("#deck-preview-button")
    expect(page.locator("#deck-preview-summary")).to_contain_text("Preview of russia.csv")
    assert [count(page, n) for n in ("rows", "new", "changed", "unchanged", "kept")] == [
        "26",
        "24",
        "1",
        "1",
        "1",
    ]
    assert count(page, "after") == "27"
    rows = page.locator("#deck-first-rows tbody tr")
    expect(rows).to_have_count(20)
    expect(rows.nth(1)).to_contain_text("Changed rate was 0.200000")
    expect(page.locator("#deck-apply")).to_be_visible()
    expect(page.locator("#deck-apply")).to_be_in_viewport()  # no scrolling at 1440×900
    # Nothing stored, the page not reloaded: the file is still chosen for Apply.
    expect(page.locator("[data-deck-size]")).to_have_text("3 rates")
    assert page.eval_on_selector("#f-deck", "input => input.files.length") == 1

    page.click("#deck-apply")
    expect(page.locator(".alert-dismissible").first).to_contain_text(
        "26 rates uploaded to Retail EUR (added to the deck)."
    )
    expect(page.locator("[data-deck-size]")).to_have_text("27 rates")
    expect(page.locator("#deck-preview-summary")).to_have_count(0)


def test_a_bad_deck_offers_no_apply_and_another_file_is_refused(page: Page, tmp_path: Path) -> None:
    page.set_input_files("#f-deck", a_file(tmp_path, "bad.csv", *DECK, "4x,Bad,0.1", "45,Worse,-1"))
    page.click("#deck-preview-button")
    expect(page.locator("#rejected tbody tr")).to_have_count(2)
    expect(page.locator("#rejected tr[data-row='27']")).to_contain_text(
        "prefix: must be 1 to 20 digits"
    )
    expect(page.locator("#deck-not-applicable")).to_contain_text("2 rows are not right")
    expect(page.locator("#deck-apply")).to_have_count(0)

    page.set_input_files("#f-deck", a_file(tmp_path, "good.csv", *DECK))
    page.click("#deck-preview-button")
    expect(page.locator("#rejected")).to_have_count(0)
    expect(page.locator("#deck-apply")).to_be_visible()
    # Another file chosen after the preview: Apply is refused and nothing is stored.
    page.set_input_files("#f-deck", a_file(tmp_path, "other.csv", *DECK, "99,Other,0.1"))
    page.click("#deck-apply")
    expect(page.locator("#deck-refused")).to_contain_text(
        "The file changed since the preview: nothing was stored. Preview it again."
    )
    expect(page.locator("[data-deck-size]")).to_have_text("3 rates")
