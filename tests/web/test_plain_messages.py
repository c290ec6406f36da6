"""Validation messages in plain words, the same in the API's problem details and under a form's
fields (issue 14, item 10), and an IP whitelist that names every bad entry, not the first."""

from __future__ import annotations

import pytest

from carrierdesk.models import Contact, Customer
from fixtures.builders import make_customer
from fixtures.database import count
from fixtures.panel import CONTACT_FORM, CUSTOMER_FORM, Panel, field_errors
from support import Api, problem_fields

BAD_LIST = "'10.0.0.300' and 'not-an-address' are not IP addresses or CIDR ranges"


@pytest.mark.parametrize(
    ("field", "value", "message"),
    [
        ("channels", "-1", "must be 0 or more"),
        ("tax_rate", "101", "must be 100 or less"),
        ("invoice_due_days", "soon", "must be a whole number"),
        ("tax_rate", "a lot", "must be a number"),
    ],
)
def test_the_api_and_the_form_say_the_same_plain_words(
    operator: Api, panel: Panel, db_url: str, field: str, value: str, message: str
) -> None:
    answer = operator.post("/customers", {"name": "Acme", field: value})
    assert answer.status_code == 422
    assert problem_fields(answer) == {field: message}
    assert "Input should" not in answer.text
    page = panel.post("/customers/new", {**CUSTOMER_FORM, field: value})
    assert page.status_code == 422
    assert field_errors(page.text)[field] == message
    assert count(db_url, Customer) == 0


def test_the_api_names_every_bad_whitelist_entry(operator: Api, db_url: str) -> None:
    customer = make_customer(operator, "Acme")
    body = {
        "name": "Ann Lee",
        "email": "ann@acme.example",
        "ip_whitelist": ["203.0.113.7", "10.0.0.300", "198.51.100.0/24", "not-an-address"],
    }
    answer = operator.post(f"/customers/{customer}/contacts", body)
    assert answer.status_code == 422
    assert problem_fields(answer) == {"ip_whitelist": BAD_LIST}
    assert count(db_url, Contact) == 0


def test_the_contact_form_names_every_bad_whitelist_entry(panel: Panel, db_url: str) -> None:
    customer = panel.new_customer()
    whitelist = "203.0.113.7\n10.0.0.300\n198.51.100.0/24\nnot-an-address"
    answer = panel.post(
        f"/customers/{customer}/contacts/new", {**CONTACT_FORM, "ip_whitelist": whitelist}
    )
    assert answer.status_code == 422
    assert field_errors(answer.text)["ip_whitelist"] == BAD_LIST
    assert count(db_url, Contact) == 0


def test_the_whitelist_placeholder_is_no_address(panel: Panel) -> None:
    customer = panel.new_customer()
    form = panel.get(f"/customers/{customer}/contacts/new").text
    placeholder = form.split('id="f-ip_whitelist"', 1)[1].split('placeholder="', 1)[1]
    placeholder = placeholder.split('"', 1)[0]
    assert not any(ch.isdigit() for ch in placeholder), placeholder
