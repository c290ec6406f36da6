"""The seller's details (Settings › Invoicing, API and page) and the buyer's details and tax
category of a customer (API and form): each bad value is refused naming its field and the rule,
and nothing is stored."""

from __future__ import annotations

from typing import Any

import pytest

from authz.world import VOLATILE  # rows any request touches (sessions, token use, audit)
from carrierdesk.invoices.einvoice.fields import (
    normalise_bic,
    normalise_country,
    normalise_iban,
    normalise_vat_id,
)
from carrierdesk.models import Customer
from fixtures.builders import make_customer
from fixtures.database import count, fingerprint
from fixtures.panel import CUSTOMER_FORM, Panel, field_errors, flashes
from invoices.einvoice_helpers import BUYER, SELLER, configure_seller
from support import Api, problem_fields


def test_the_rules_of_each_field() -> None:
    assert normalise_country(" fr ") == "FR"
    assert normalise_vat_id("de 136.695.976") == "DE136695976"
    assert normalise_vat_id("EL094259216") == "EL094259216"  # Greece's prefix
    assert normalise_vat_id("US12-3456789") == "US123456789"  # no national rule: its shape
    assert normalise_iban("de89 3704 0044 0532 0130 00") == "DE89370400440532013000"
    assert normalise_bic("deutdeff500") == "DEUTDEFF500"
    for rule, bad, message in (
        (normalise_country, "XX", "ISO 3166-1 alpha-2"),
        (normalise_country, "DEU", "ISO 3166-1 alpha-2"),
        (normalise_vat_id, "136695976", "start with the issuing country"),
        (normalise_vat_id, "DE136695977", "wrong check digits"),
        (normalise_vat_id, "FR4030326504", "not a valid VAT number for FR"),
        (normalise_vat_id, "US1", "2 to 18 letters or digits"),
        (normalise_iban, "DE89 3704 0044 0532 0130 01", "wrong check digits"),
        (normalise_iban, "not an iban", "is not an IBAN"),
        (normalise_bic, "DEUT", "is not a BIC"),
    ):
        with pytest.raises(ValueError, match=message):
            rule(bad)


BAD_SELLER = [
    ("seller_country", "Germany", "must be an ISO 3166-1 alpha-2 country code"),
    ("seller_vat_id", "DE136695977", "wrong check digits"),
    ("seller_iban", "DE89 3704 0044 0532 0130 01", "is not a valid IBAN"),
    ("seller_bic", "12345", "is not a BIC"),
    ("seller_email", "billing@", "is not a valid email address"),
    ("seller_legal_name", "x" * 201, "at most 200 characters"),
]


@pytest.mark.parametrize(("field", "bad", "message"), BAD_SELLER)
def test_seller_details_refused_through_the_api(
    admin: Api, db_url: str, field: str, bad: str, message: str
) -> None:
    configure_seller(admin)
    before, stored = admin.get("/settings/options").json(), fingerprint(db_url, VOLATILE)
    answer = admin.patch("/settings/options", {**SELLER, "seller_city": "Hamburg", field: bad})
    assert answer.status_code == 422
    assert message in problem_fields(answer)[field]
    assert admin.get("/settings/options").json() == before  # not even the valid seller_city
    assert fingerprint(db_url, VOLATILE) == stored


def test_seller_details_stored_normalised_and_cleared(admin: Api, operator: Api) -> None:
    configure_seller(admin)
    options = admin.get("/settings/options").json()
    assert options["seller_iban"] == "DE89370400440532013000"
    assert options["seller_vat_id"] == "DE136695976" and options["seller_country"] == "DE"
    assert admin.patch("/settings/options", {"seller_bic": ""}).json()["seller_bic"] is None
    assert admin.patch("/settings/options", {"seller_iban": None}).json()["seller_iban"] is None
    assert operator.patch("/settings/options", {"seller_city": "Köln"}).status_code == 403


def test_settings_invoicing_page(panel: Panel, db_url: str) -> None:
    page = panel.get("/settings/invoicing")
    assert page.status_code == 200 and 'name="seller_vat_id"' in page.text
    before = fingerprint(db_url, VOLATILE)
    form = {**SELLER, "seller_iban": "DE89 3704 0044 0532 0130 01", "seller_country": "ZZ"}
    form.pop("invoice_tax_name")
    refused = panel.post("/settings/invoicing", form)
    assert refused.status_code == 422
    errors = field_errors(refused.text)
    assert "is not a valid IBAN" in errors["seller_iban"]
    assert "ISO 3166-1 alpha-2" in errors["seller_country"]
    assert 'value="DE89 3704 0044 0532 0130 01"' in refused.text  # what was typed, shown again
    assert fingerprint(db_url, VOLATILE) == before
    form |= {"seller_iban": SELLER["seller_iban"], "seller_country": "de"}
    saved = panel.submit("/settings/invoicing", form)
    assert flashes(saved.text) == ["Invoicing details saved."]
    assert 'value="DE89370400440532013000"' in saved.text and 'value="DE"' in saved.text


BAD_BUYER: list[tuple[dict[str, Any], str, str]] = [
    ({"country": "UK"}, "country", "ISO 3166-1 alpha-2"),
    ({"vat_id": "FR00303265045"}, "vat_id", "not a valid VAT number"),
    ({"vat_id": "303265045"}, "vat_id", "start with the issuing country"),
    ({"invoice_email": "ap@@acme"}, "invoice_email", "is not a valid email address"),
    ({"tax_category": "zero"}, "tax_category", "must be one of 'standard', 'reverse_charge'"),
    (
        {"tax_category": "reverse_charge", "vat_id": None},
        "vat_id",
        "is required when the tax category is reverse_charge",
    ),
    (
        {"tax_category": "reverse_charge", "tax_rate": "20"},
        "tax_rate",
        "must be 0 when the tax category is reverse_charge",
    ),
    (
        {"tax_category": "exempt", "tax_exemption_reason": " "},
        "tax_exemption_reason",
        "is required when the tax category is exempt",
    ),
    (
        {"tax_category": "outside_scope", "tax_rate": "5"},
        "tax_rate",
        "must be 0 when the tax category is outside_scope",
    ),
]


@pytest.mark.parametrize(("change", "field", "message"), BAD_BUYER)
def test_buyer_details_refused_on_create_and_update(
    operator: Api, db_url: str, change: dict[str, Any], field: str, message: str
) -> None:
    cid = make_customer(operator, "Existing", **BUYER, tax_rate="20")
    before = fingerprint(db_url, VOLATILE)
    created = operator.post("/customers", {"name": "Acme", **BUYER, "tax_rate": "0", **change})
    assert created.status_code == 422
    assert message in problem_fields(created)[field]
    updated = operator.patch(f"/customers/{cid}", {"tax_rate": "0", **change})
    assert updated.status_code == 422
    assert message in problem_fields(updated)[field]
    assert fingerprint(db_url, VOLATILE) == before


def test_buyer_details_and_tax_category_stored(operator: Api) -> None:
    cid = make_customer(
        operator,
        "Acme",
        **{**BUYER, "vat_id": "fr 40 303 265 045", "country": "fr"},
        tax_category="exempt",
        tax_exemption_reason="Article 135(1)(d)",
    )
    shown = operator.get(f"/customers/{cid}").json()
    assert (shown["vat_id"], shown["country"]) == ("FR40303265045", "FR")
    assert (shown["tax_category"], shown["tax_exemption_reason"]) == (
        "exempt",
        "Article 135(1)(d)",
    )
    # the category and its reason change together; the rate stays 0 off the standard rate
    changed = operator.patch(f"/customers/{cid}", {"tax_category": "standard", "tax_rate": "19"})
    assert changed.status_code == 200 and changed.json()["tax_category"] == "standard"
    cleared = operator.patch(f"/customers/{cid}", {"vat_id": "", "city": None})
    assert (cleared.json()["vat_id"], cleared.json()["city"]) == (None, None)


def test_customer_form_buyer_details(panel: Panel, db_url: str) -> None:
    page = panel.get("/customers/new")
    assert 'name="vat_id"' in page.text and 'name="tax_category"' in page.text
    before = fingerprint(db_url, VOLATILE)
    form = {**CUSTOMER_FORM, **BUYER, "vat_id": "FR00303265045", "tax_category": "exempt"}
    refused = panel.post("/customers/new", form)
    assert refused.status_code == 422
    errors = field_errors(refused.text)
    assert "not a valid VAT number" in errors["vat_id"]
    assert fingerprint(db_url, VOLATILE) == before
    form |= {"vat_id": BUYER["vat_id"], "tax_rate": "20"}
    refused = panel.post("/customers/new", form)
    errors = field_errors(refused.text)
    assert "must be 0 when the tax category is exempt" in errors["tax_rate"]
    assert "is required when the tax category is exempt" in errors["tax_exemption_reason"]
    assert fingerprint(db_url, VOLATILE) == before
    form |= {"tax_rate": "0", "tax_exemption_reason": "Article 135(1)(d)"}
    saved = panel.submit("/customers/new", form)
    assert saved.status_code == 200, saved.text
    stored = {"vat_id": "FR40303265045", "country": "FR", "tax_category": "exempt"}
    assert count(db_url, Customer, **stored) == 1
