"""Control Panel › Rate Cards › a card: the upload in two steps (issue 13). Preview checks the
deck exactly as the API does and compares it with the card's rates, storing nothing; Apply
stores the file previewed and refuses any other (a changed file, a changed replace choice, a card
changed meanwhile), storing nothing then either."""

from __future__ import annotations

from decimal import Decimal

import pytest
from deck_pages import (
    HTMX,
    apply,
    counts,
    first_rows,
    new_card,
    preview,
    rejected_rows,
    stamp_of,
    upload,
)

from carrierdesk.models import AuditEntry, Rate
from carrierdesk.web.limits import MiB
from fixtures.builders import deck
from fixtures.database import count, fingerprint
from fixtures.panel import Panel, field_errors, flashes

VOLATILE = {"auth_sessions", "api_tokens", "login_throttle", "alembic_version"}
STORED = (
    "44,UK,0.1,0,1,1,2026-01-01",
    "33,France,0.2,0,1,1,2026-01-01",
    "49,DE,0.3,0,1,1,2026-01-01",
)


@pytest.fixture
def card(panel: Panel) -> int:
    """A card holding 44 (UK), 33 (France) and 49 (DE) from 2026-01-01."""
    card = new_card(panel)
    assert upload(panel, card, deck(*STORED)).status_code == 303
    return card


def a_deck() -> bytes:
    """Against the card: 44 unchanged, 33 changed (0.2 → 0.25), 24 new prefixes, and 44 again
    from a later date (a new rate of a stored prefix); 49 is not in it."""
    new = [f"7{n:02d},Russia {n},0.05,0,60,60,2026-01-01" for n in range(24)]
    return deck(
        "44,UK,0.1,0,1,1,2026-01-01",
        "33,France,0.25,0,1,1,2026-01-01",
        *new,
        "44,UK,0.11,0,1,1,2026-06-01",
    )


def test_a_preview_shows_the_counts_and_the_first_rows_and_stores_nothing(
    panel: Panel, db_url: str, card: int
) -> None:
    before = fingerprint(db_url, VOLATILE)
    page = preview(panel, card, a_deck())
    assert page.status_code == 200
    assert counts(page.text) == {
        "rows": 27,
        "rejected": 0,
        "new": 25,
        "changed": 1,
        "unchanged": 1,
        "kept": 1,
        "stored": 3,
        "after": 28,
    }
    shown = first_rows(page.text)
    assert len(shown) == 20
    assert shown[:3] == [("1", "44", "unchanged"), ("2", "33", "changed"), ("3", "700", "new")]
    assert 'rate was <span class="mono">0.200000</span>' in page.text
    assert "The first 20 of the 27 rates that are right, in file order." in page.text
    assert "Apply: store 27 rates" in page.text and "Nothing stored yet" in page.text
    assert fingerprint(db_url, VOLATILE) == before  # the card's rates as they were, no audit


def test_a_preview_with_replace_counts_what_goes(panel: Panel, card: int) -> None:
    page = preview(panel, card, a_deck(), replace=True)
    assert page.status_code == 200
    shown = counts(page.text)
    assert (shown["removed"], shown["after"]) == (1, 27) and "kept" not in shown
    assert "Replaces the whole deck" in page.text


def test_a_preview_of_a_bad_deck_lists_every_bad_row_and_stores_nothing(
    panel: Panel, db_url: str, card: int
) -> None:
    before = fingerprint(db_url, VOLATILE)
    good = [f"8{n:03d},Somewhere,0.1" for n in range(600)]
    body = (
        deck(
            "44,UK,0.1,0,1,1,2026-01-01",
            "4x,Bad prefix,0.1",
            *good,
            "45,Bad rate,-1",
            "44,UK again,0.1,0,1,1,2026-01-01",
            "46,No\x00l,0.1",
        )
        + b"47,Caf\xe9,0.1\n"
    )
    page = preview(panel, card, body)
    assert page.status_code == 422
    assert counts(page.text)["rejected"] == 5
    assert rejected_rows(page.text) == {
        "2": "<div>prefix: must be 1 to 20 digits</div>",
        "603": "<div>rate: must be a decimal ≥ 0 with at most 6 decimal places</div>",
        "604": "<div>prefix: 44 from 2026-01-01T00:00:00Z is already in row 1</div>",
        "605": "<div>destination: contains a NUL byte</div>",
        "606": "<div>destination: is not UTF-8 text (save the file as UTF-8)</div>",
    }
    assert "5 rows are not right (listed below)" in page.text
    assert 'id="deck-apply"' not in page.text and "preview_sha256" not in page.text
    assert counts(page.text)["new"] == 600  # the right rows are still compared
    assert fingerprint(db_url, VOLATILE) == before


def test_htmx_gets_the_preview_panel_alone_even_for_a_bad_deck(panel: Panel, card: int) -> None:
    good = preview(panel, card, a_deck(), headers=HTMX)
    assert good.status_code == 200
    assert good.text.lstrip().startswith('<div class="card') and "<html" not in good.text
    assert counts(good.text)["new"] == 25 and 'form="deck-upload"' in good.text
    bad = preview(panel, card, deck("4x,Bad,0.1"), headers=HTMX)
    assert bad.status_code == 200  # htmx swaps 2xx answers only
    assert set(rejected_rows(bad.text)) == {"1"}
    unusable = preview(panel, card, b"prefix,destination\n44,UK\n", headers=HTMX)
    assert unusable.status_code == 200
    assert "rate: column is missing from the header" in field_errors(unusable.text)["rate"]


def test_apply_stores_the_deck_previewed(panel: Panel, db_url: str, card: int) -> None:
    body = a_deck()
    shown = preview(panel, card, body)
    answer = apply(panel, card, body, stamp_of(shown.text))
    assert answer.status_code == 303
    page = panel.get(answer.headers["location"]).text
    assert "27 rates uploaded to Retail EUR (added to the deck)." in flashes(page)
    assert count(db_url, Rate) == counts(shown.text)["after"] == 28
    assert count(db_url, Rate, prefix="33", rate=Decimal("0.25")) == 1
    assert count(db_url, AuditEntry, action="rates") == 2  # the fixture's upload and this one


def test_apply_with_replace_stores_the_whole_deck(panel: Panel, db_url: str, card: int) -> None:
    body = a_deck()
    shown = preview(panel, card, body, replace=True)
    answer = apply(panel, card, body, stamp_of(shown.text), replace=True)
    assert answer.status_code == 303
    assert "(the whole deck now)" in flashes(panel.get(answer.headers["location"]).text)[0]
    assert count(db_url, Rate) == counts(shown.text)["after"] == 27
    assert count(db_url, Rate, prefix="49") == 0


def test_apply_of_another_file_than_the_one_previewed_is_refused(
    panel: Panel, db_url: str, card: int
) -> None:
    stamp = stamp_of(preview(panel, card, a_deck()).text)
    before = fingerprint(db_url, VOLATILE)
    answer = apply(panel, card, a_deck() + b"99,Other,0.1\n", stamp)
    assert answer.status_code == 409
    errors = field_errors(answer.text)
    assert errors["_form"] == (
        "The file changed since the preview: nothing was stored. Preview it again."
    )
    assert errors["deck"] == "deck: is not the file previewed; preview it again"
    assert fingerprint(db_url, VOLATILE) == before
    assert 'data-deck-size="3"' in answer.text


def test_apply_after_changing_replace_is_refused(panel: Panel, db_url: str, card: int) -> None:
    body = a_deck()
    stamp = stamp_of(preview(panel, card, body).text)
    before = fingerprint(db_url, VOLATILE)
    answer = apply(panel, card, body, stamp, replace=True)
    assert answer.status_code == 409
    assert (
        field_errors(answer.text)["replace"] == "replace: changed since the preview; preview again"
    )
    assert fingerprint(db_url, VOLATILE) == before


def test_apply_after_the_card_changed_is_refused(panel: Panel, db_url: str, card: int) -> None:
    body = a_deck()
    stamp = stamp_of(preview(panel, card, body).text)
    assert upload(panel, card, deck("1,USA,0.01")).status_code == 303  # someone else's upload
    before = fingerprint(db_url, VOLATILE)
    answer = apply(panel, card, body, stamp)
    assert answer.status_code == 409
    assert (
        field_errors(answer.text)["deck"] == "deck: rate card Retail EUR changed since the preview"
    )
    assert "Preview again to see what the deck changes now." in field_errors(answer.text)["_form"]
    assert fingerprint(db_url, VOLATILE) == before


def test_apply_without_a_preview_is_refused(panel: Panel, db_url: str, card: int) -> None:
    before = fingerprint(db_url, VOLATILE)
    answer = apply(panel, card, a_deck(), {})
    assert answer.status_code == 422
    assert field_errors(answer.text)["deck"] == (
        "deck: preview the deck first: Apply stores a previewed deck"
    )
    assert fingerprint(db_url, VOLATILE) == before


def test_a_deck_over_the_usual_limit_previews_and_over_64_mib_is_refused(
    panel: Panel, db_url: str, card: int
) -> None:
    rows = [
        f"{44_000_000 + n},United Kingdom Mobile {n},0.{n:06d},0,60,60,2026-01-01"
        for n in range(30_000)
    ]
    body = deck(*rows)
    assert len(body) > MiB
    assert counts(preview(panel, card, body).text)["new"] == 30_000
    before = fingerprint(db_url, VOLATILE)
    too_large = preview(panel, card, deck("44,UK,0.1") + b" " * (64 * MiB))
    assert too_large.status_code == 413
    assert fingerprint(db_url, VOLATILE) == before


def test_viewers_cannot_preview(viewer_panel: Panel, panel: Panel, card: int) -> None:
    assert preview(viewer_panel, card, a_deck()).status_code == 403
    assert 'id="deck-upload"' not in viewer_panel.get(f"/rate-cards/{card}").text
