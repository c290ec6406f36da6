"""Control Panel › Rate Cards and › Providers, and the customer form's rate card (issue 13):
each page, each refusal shown where it belongs with nothing stored, viewers only read."""

from __future__ import annotations

import re
from typing import Any

import pytest
from deck_pages import new_card, preview, rejected_rows, upload
from sqlalchemy import select

from carrierdesk.db import transaction
from carrierdesk.models import Customer, Provider, Rate, RateCard
from fixtures.builders import deck
from fixtures.database import count, fingerprint
from fixtures.panel import CUSTOMER_FORM, Panel, field_errors, flashes

VOLATILE = {"auth_sessions", "api_tokens", "login_throttle", "alembic_version"}


def rows_shown(page: str) -> list[str]:
    table = page.split('id="rates"', 1)[1].split("</table>", 1)[0]
    return re.findall(r'<td class="mono">(\d+)</td>', table)


def test_a_card_is_made_on_its_form_and_listed(panel: Panel) -> None:
    page = panel.submit("/rate-cards/new", {"name": "Retail EUR", "currency": "EUR"})
    assert page.status_code == 200
    assert "Rate card Retail EUR created." in flashes(page.text)
    assert "No rates yet: upload a deck." in page.text
    listing = panel.get("/rate-cards").text
    assert "Retail EUR" in listing and 'href="/rate-cards"' in listing
    assert 'href="/rate-cards/new"' in listing


@pytest.mark.parametrize(
    ("form", "field", "message"),
    [
        ({"name": "", "currency": "EUR"}, "name", "is required"),
        ({"name": "x" * 101, "currency": "EUR"}, "name", "at most 100 characters"),
        ({"name": "Retail", "currency": "XYZ"}, "currency", "ISO 4217"),
    ],
)
def test_bad_card_input_is_shown_by_field_and_nothing_is_stored(
    panel: Panel, db_url: str, form: dict[str, str], field: str, message: str
) -> None:
    answer = panel.post("/rate-cards/new", form)
    assert answer.status_code == 422
    assert message in field_errors(answer.text)[field]
    assert count(db_url, RateCard) == 0


def test_a_taken_name_is_shown_under_the_name(panel: Panel, db_url: str) -> None:
    new_card(panel, "Retail EUR")
    answer = panel.post("/rate-cards/new", {"name": "RETAIL eur", "currency": "USD"})
    assert answer.status_code == 422
    assert field_errors(answer.text)["name"] == "is already used by another rate card (Retail EUR)"
    assert count(db_url, RateCard) == 1


def test_a_deck_is_uploaded_searched_paged_and_downloaded(panel: Panel) -> None:
    card = new_card(panel)
    rows = [f"44{n:03d},UK {n},0.01,0,1,1,2026-01-01" for n in range(55)] + [
        "33,France,0.02,0,1,1,2026-01-01",
        "4930,Germany,0.03,0,1,1,2026-01-01",
    ]
    answer = upload(panel, card, deck(*rows))
    assert answer.status_code == 303
    page = panel.get(answer.headers["location"]).text
    assert "57 rates uploaded to Retail EUR (added to the deck)." in flashes(page)
    assert 'data-deck-size="57"' in page
    assert rows_shown(page)[:3] == ["33", "44000", "44001"]
    assert len(rows_shown(page)) == 50 and "1–50 of 57" in page
    second = panel.get(f"/rate-cards/{card}?offset=50").text
    assert len(rows_shown(second)) == 7
    germany = panel.get(f"/rate-cards/{card}?prefix=49").text
    assert rows_shown(germany) == ["4930"] and "0.030000" in germany
    assert "No rates start with 9." in panel.get(f"/rate-cards/{card}?prefix=9").text
    link = f'href="/api/v1/rate-cards/{card}/rates.csv"'
    assert link in page
    download = panel.get(f"/api/v1/rate-cards/{card}/rates.csv")  # the page's own cookie
    assert download.status_code == 200
    assert download.text.splitlines()[1] == "33,France,0.020000,0.000000,1,1,2026-01-01T00:00:00Z"


def test_a_bad_prefix_search_is_shown_under_the_search(panel: Panel) -> None:
    card = new_card(panel)
    answer = panel.get(f"/rate-cards/{card}?prefix=44a")
    assert answer.status_code == 422
    assert field_errors(answer.text)["prefix"] == "must be 1 to 20 digits"


def test_replace_makes_the_upload_the_whole_deck(panel: Panel, db_url: str) -> None:
    card = new_card(panel)
    assert upload(panel, card, deck("44,UK,0.1", "33,FR,0.2")).status_code == 303
    answer = upload(panel, card, deck("49,DE,0.3"), replace=True)
    assert answer.status_code == 303
    assert "(the whole deck now)" in flashes(panel.get(answer.headers["location"]).text)[0]
    assert count(db_url, Rate) == 1


def test_a_refused_deck_shows_every_bad_row_and_stores_nothing(panel: Panel, db_url: str) -> None:
    card = new_card(panel)
    assert upload(panel, card, deck("44,UK,0.1,0,1,1,2026-01-01")).status_code == 303
    before = fingerprint(db_url, VOLATILE)
    body = deck("33,France,0.2", "x,Bad,-1", "49,Germany,0.3,0,0,0", "50,ok,1")
    answer = preview(panel, card, body)
    assert answer.status_code == 422
    assert "2 rows to correct" in answer.text
    shown = rejected_rows(answer.text)
    assert set(shown) == {"2", "3"}
    assert "prefix: must be 1 to 20 digits" in shown["2"]
    assert "rate: must be a decimal ≥ 0 with at most 6 decimal places" in shown["2"]
    assert "next_increment: must be a whole number of seconds from 1 to 3600" in shown["3"]
    assert 'id="deck-apply"' not in answer.text
    assert fingerprint(db_url, VOLATILE) == before
    assert 'data-deck-size="1"' in answer.text  # the page shows the deck as it still is


@pytest.mark.parametrize(
    ("body", "shown"),
    [
        (b"", "body: is empty"),
        (b"prefix,destination,price\n44,UK,0.1\n", "price: unknown column"),
        (b"prefix,destination\n44,UK\n", "rate: column is missing from the header"),
        (b'prefix,destination,rate\n44,"UK,0.1\n', "Row 1 of the deck is not well-formed CSV"),
    ],
)
def test_a_deck_the_file_itself_refuses_is_explained(
    panel: Panel, db_url: str, body: bytes, shown: str
) -> None:
    card = new_card(panel)
    answer = preview(panel, card, body)
    assert answer.status_code == 422
    assert "The deck was not stored." in answer.text and shown in answer.text
    assert 'id="deck-apply"' not in answer.text
    assert count(db_url, Rate) == 0


def test_no_file_chosen_is_explained(panel: Panel, db_url: str) -> None:
    card = new_card(panel)
    answer = panel.post(f"/rate-cards/{card}/upload", {})
    assert answer.status_code == 422 and "body: is empty" in answer.text
    assert count(db_url, Rate) == 0


def test_edit_and_the_currency_rule(panel: Panel, db_url: str) -> None:
    card = new_card(panel)
    page = panel.submit(f"/rate-cards/{card}/edit", {"name": "Retail EU", "currency": "EUR"})
    assert "Rate card Retail EU saved." in flashes(page.text)
    customer = panel.new_customer(currency="EUR", rate_card_id=str(card))
    answer = panel.post(f"/rate-cards/{card}/edit", {"name": "Retail EU", "currency": "USD"})
    assert answer.status_code == 422
    assert field_errors(answer.text)["currency"] == "cannot change while customers in EUR use it"
    assert "customer Acme Telecom" in field_errors(answer.text)["_form"]
    assert panel.get(f"/customers/{customer}").status_code == 200


def test_delete_is_refused_while_used_then_done(panel: Panel, db_url: str) -> None:
    card = new_card(panel)
    assert upload(panel, card, deck("44,UK,0.1")).status_code == 303
    assert "Its 1 rates go with it" in panel.get(f"/rate-cards/{card}/delete").text
    panel.post("/providers/new", {"name": "BT", "rate_card_id": str(card)})
    refused = panel.post(f"/rate-cards/{card}/delete")
    assert refused.status_code == 409
    assert "is used by provider BT" in field_errors(refused.text)["_form"]
    assert count(db_url, RateCard) == 1
    provider = next(iter(_ids(db_url, Provider)))
    panel.post(f"/providers/{provider}/edit", {"name": "BT", "rate_card_id": ""})
    page = panel.submit(f"/rate-cards/{card}/delete")
    assert "Rate card Retail EUR deleted." in flashes(page.text)
    assert count(db_url, RateCard) == 0 and count(db_url, Rate) == 0


def _ids(db_url: str, model: Any) -> list[int]:
    with transaction(db_url) as session:
        return list(session.scalars(select(model.id).order_by(model.id)))


def test_providers_are_made_listed_edited_and_deleted(panel: Panel, db_url: str) -> None:
    card = new_card(panel, "Buy USD", "USD")
    page = panel.submit("/providers/new", {"name": "BT Wholesale", "rate_card_id": str(card)})
    assert "Provider BT Wholesale created." in flashes(page.text)
    assert "Buy USD" in page.text
    provider = _ids(db_url, Provider)[0]
    form = panel.get(f"/providers/{provider}/edit").text
    assert f'<option value="{card}" selected>Buy USD (USD)</option>' in form
    edited = panel.submit(f"/providers/{provider}/edit", {"name": "BT Global", "rate_card_id": ""})
    assert "Provider BT Global saved." in flashes(edited.text)
    assert "none" in edited.text
    deleted = panel.submit(f"/providers/{provider}/delete")
    assert "Provider BT Global deleted." in flashes(deleted.text)
    assert count(db_url, Provider) == 0


@pytest.mark.parametrize(
    ("form", "field", "message"),
    [
        ({"name": "", "rate_card_id": ""}, "name", "is required"),
        ({"name": "BT", "rate_card_id": "999"}, "rate_card_id", "rate card 999 does not exist"),
        ({"name": "BT", "rate_card_id": "abc"}, "rate_card_id", "must be a whole number"),
    ],
)
def test_bad_provider_input_is_shown_by_field_and_nothing_is_stored(
    panel: Panel, db_url: str, form: dict[str, str], field: str, message: str
) -> None:
    answer = panel.post("/providers/new", form)
    assert answer.status_code == 422
    assert message in field_errors(answer.text)[field]
    assert count(db_url, Provider) == 0


def test_the_customer_form_offers_cards_of_the_customer_s_currency(
    panel: Panel, db_url: str
) -> None:
    eur = new_card(panel, "Retail EUR", "EUR")
    usd = new_card(panel, "Retail USD", "USD")
    blank = panel.get("/customers/new").text
    assert "Retail EUR (EUR)" in blank and "Retail USD (USD)" in blank
    refused = panel.post("/customers/new", {**CUSTOMER_FORM, "rate_card_id": str(usd)})
    assert refused.status_code == 422
    assert field_errors(refused.text)["rate_card_id"] == (
        "rate card Retail USD is in USD; the customer bills in EUR"
    )
    assert count(db_url, Customer) == 0
    customer = panel.new_customer(rate_card_id=str(eur))
    main = panel.get(f"/customers/{customer}").text
    assert f'data-rate-card-id="{eur}"' in main and "Retail EUR" in main
    edit = panel.get(f"/customers/{customer}/edit").text
    assert f'<option value="{eur}" selected>Retail EUR (EUR)</option>' in edit
    assert "Retail USD" not in edit
    cleared = panel.submit(f"/customers/{customer}/edit", {**CUSTOMER_FORM, "rate_card_id": ""})
    assert "Customer Acme Telecom saved." in flashes(cleared.text)
    assert 'data-rate-card-id="' not in cleared.text


def test_viewers_read_but_cannot_upload_or_edit(
    panel: Panel, viewer_panel: Panel, db_url: str
) -> None:
    card = new_card(panel)
    assert upload(panel, card, deck("44,UK,0.1")).status_code == 303
    page = viewer_panel.get(f"/rate-cards/{card}").text
    assert "44" in rows_shown(page)
    assert 'id="upload"' not in page and f'href="/rate-cards/{card}/edit"' not in page
    assert 'href="/rate-cards/new"' not in viewer_panel.get("/rate-cards").text
    before = fingerprint(db_url, VOLATILE)
    assert preview(viewer_panel, card, deck("33,FR,0.1")).status_code == 403
    assert viewer_panel.post("/rate-cards/new", {"name": "X", "currency": "EUR"}).status_code == 403
    assert viewer_panel.post("/providers/new", {"name": "X"}).status_code == 403
    assert viewer_panel.get(f"/rate-cards/{card}/edit").status_code == 403
    assert fingerprint(db_url, VOLATILE) == before


def test_an_operator_may_upload(panel: Panel, operator_panel: Panel, db_url: str) -> None:
    card = new_card(panel)
    assert upload(operator_panel, card, deck("44,UK,0.1")).status_code == 303
    assert count(db_url, Rate) == 1


def test_unknown_cards_and_providers_are_404(panel: Panel) -> None:
    assert panel.get("/rate-cards/999").status_code == 404
    assert panel.get("/providers/999/edit").status_code == 404
