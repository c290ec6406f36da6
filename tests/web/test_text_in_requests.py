"""Text no database can store in a request (issue 9, gap 13): a NUL (PostgreSQL refuses it),
another control character or a lone surrogate in any text field of an API body or a Control
Panel form is a 422 naming the field and the rule, on both databases, and nothing changes.

The rule lives in one place, carrierdesk.validation.Input, the base of every request schema;
the forms parse into the same schemas, so they say the same."""

from __future__ import annotations

from typing import Any

import pytest
from pydantic import BaseModel
from sqlalchemy import text
from sqlalchemy.exc import DataError

from carrierdesk.api import create_api
from carrierdesk.db import transaction
from carrierdesk.models import AuditEntry, Contact, Customer, OptionRow
from carrierdesk.validation import Input
from carrierdesk.web.problems import data_problem
from fixtures.builders import make_customer
from fixtures.database import count
from fixtures.panel import CONTACT_FORM, CUSTOMER_FORM, Panel, field_errors
from support import Api, postgres_only, problem_fields

NUL = "must not contain control characters (found U+0000)"


def assert_refused(answer: Any, field: str, message: str) -> None:
    assert answer.status_code == 422, answer.text
    assert problem_fields(answer) == {field: message}
    body = answer.json()
    assert body["type"] == "https://carrierdesk.dev/problems/invalid"
    assert body["detail"] == f"{field}: {message}"


@pytest.mark.parametrize(
    ("name", "message"),
    [
        ("Acme\x00Telecom", NUL),
        ("Acme\x07Telecom", "must not contain control characters (found U+0007)"),
        ("Acme\x9bTelecom", "must not contain control characters (found U+009B)"),
    ],
)
def test_customer_name_via_the_api(operator: Api, db_url: str, name: str, message: str) -> None:
    audited = count(db_url, AuditEntry)
    assert_refused(operator.post("/customers", {"name": name}), "name", message)
    assert count(db_url, Customer) == 0 and count(db_url, AuditEntry) == audited


def test_customer_name_with_a_lone_surrogate(operator: Api, db_url: str) -> None:
    body = b'{"name": "Acme \\ud800"}'  # valid JSON, but not Unicode text
    answer = operator.post("/customers", content=body, headers={"Content-Type": "application/json"})
    assert_refused(answer, "name", "must be valid Unicode text (found a lone surrogate, U+D800)")
    assert count(db_url, Customer) == 0


def test_customer_change_via_the_api_changes_nothing(operator: Api, db_url: str) -> None:
    created = operator.post("/customers", {"name": "Acme", "reference": "ACME"}).json()
    audited = count(db_url, AuditEntry)
    answer = operator.patch(f"/customers/{created['id']}", {"reference": "AC\x00ME"})
    assert_refused(answer, "reference", NUL)
    assert operator.get(f"/customers/{created['id']}").json()["reference"] == "ACME"
    assert count(db_url, AuditEntry) == audited


def test_customer_name_via_the_control_panel_form(panel: Panel, db_url: str) -> None:
    answer = panel.post("/customers/new", {**CUSTOMER_FORM, "name": "Acme\x00Telecom"})
    assert answer.status_code == 422
    assert field_errors(answer.text) == {"name": NUL}
    assert count(db_url, Customer) == 0


def test_a_form_field_outside_the_schemas_is_refused_by_the_safety_net(
    panel: Panel, db_url: str
) -> None:
    """The audit comment of any form: on PostgreSQL the driver refuses the NUL; the page
    says so (422) instead of a 500, and nothing is stored."""
    form = {**CUSTOMER_FORM, "audit_comment": "because\x00"}
    answer = panel.post("/customers/new", form)
    if db_url.startswith("sqlite"):  # SQLite stores a NUL: the comment is kept as typed
        assert answer.status_code == 303
        return
    assert answer.status_code == 422
    assert "cannot be stored (NUL)" in answer.text
    assert count(db_url, Customer) == 0


def test_contact_name_via_the_api_and_the_form(operator: Api, panel: Panel, db_url: str) -> None:
    customer = make_customer(operator, "Acme")
    audited = count(db_url, AuditEntry)
    body = {"name": "Ann\x00Lee", "email": "ann@acme.example"}
    assert_refused(operator.post(f"/customers/{customer}/contacts", body), "name", NUL)
    form = {**CONTACT_FORM, "name": "Ann\x00Lee"}
    answer = panel.post(f"/customers/{customer}/contacts/new", form)
    assert answer.status_code == 422
    assert field_errors(answer.text) == {"name": NUL}
    assert count(db_url, Contact) == 0 and count(db_url, AuditEntry) == audited


def test_a_nul_inside_a_list_names_the_list(operator: Api, db_url: str) -> None:
    customer = make_customer(operator, "Acme")
    body = {"name": "Ann", "email": "ann@acme.example", "ip_whitelist": ["10.0.0.1\x00"]}
    answer = operator.post(f"/customers/{customer}/contacts", body)
    assert_refused(answer, "ip_whitelist", NUL)
    assert count(db_url, Contact) == 0


def test_settings_option_text(admin: Api, db_url: str) -> None:
    before = admin.get("/settings/options").json(), count(db_url, OptionRow)
    answer = admin.patch("/settings/options", {"invoice_company_text": "Acme Ltd\x00"})
    assert_refused(answer, "invoice_company_text", NUL)
    assert (admin.get("/settings/options").json(), count(db_url, OptionRow)) == before


def test_line_breaks_and_tabs_are_text(operator: Api, db_url: str) -> None:
    customer = make_customer(operator, "Acme")
    body = {"name": "Ann", "email": "ann@acme.example", "public_notes": "Line 1\r\n\tLine 2"}
    answer = operator.post(f"/customers/{customer}/contacts", body)
    assert answer.status_code == 201, answer.text
    assert answer.json()["public_notes"] == "Line 1\r\n\tLine 2"


def _models() -> dict[str, type[BaseModel]]:
    found: dict[str, type[BaseModel]] = {}
    pending = list(BaseModel.__subclasses__())
    while pending:
        model = pending.pop()
        pending.extend(model.__subclasses__())
        if model.__module__.startswith("carrierdesk."):
            found[model.__name__] = model
    return found


def test_every_request_body_of_the_api_is_an_input_schema() -> None:
    """A new endpoint whose body schema forgets the rule fails here."""
    document = create_api().openapi()
    names = set()
    for path in document["paths"].values():
        for operation in path.values():
            for media in operation.get("requestBody", {}).get("content", {}).values():
                ref = media.get("schema", {}).get("$ref", "")
                if ref:
                    names.add(ref.rsplit("/", 1)[1])
    models = _models()
    assert len(names) >= 15 and names <= set(models), sorted(names - set(models))
    outside = {name for name in names if not issubclass(models[name], Input)}
    assert outside == set()


@postgres_only
def test_the_database_safety_net_names_what_it_refused(db_url: str) -> None:
    """What slips past every field rule gets a true message; numbers keep theirs."""
    with transaction(db_url) as session:
        session.execute(text("CREATE TEMP TABLE net (word varchar(2), day date)"))
        for sql, params, detail in [
            ("INSERT INTO net (word) VALUES (:v)", {"v": "a\x00"}, TEXT_NUL),
            ("INSERT INTO net (word) VALUES (:v)", {"v": "abc"}, TEXT_LONG),
            ("INSERT INTO net (day) VALUES (CAST(:v AS date))", {"v": "2026-13-45"}, DAY),
            ("SELECT CAST(:v AS integer)", {"v": 2**40}, NUMBER),
            ("SELECT CAST(:v AS numeric(3, 0))", {"v": 12345}, NUMBER),
        ]:
            nested = session.begin_nested()
            with pytest.raises(DataError) as refused:
                session.execute(text(sql), params)
            nested.rollback()
            assert data_problem(refused.value).problem() == {
                "type": "https://carrierdesk.dev/problems/invalid",
                "title": "Invalid field values",
                "status": 422,
                "detail": detail,
            }, sql


TEXT_NUL = "A text in the request contains a character that cannot be stored (NUL)."
TEXT_LONG = "A text in the request is longer than the database can store."
DAY = "A date or time in the request is out of range."
NUMBER = "A number in the request is out of range."
