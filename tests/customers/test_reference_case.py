"""A customer reference is unique whatever its case (issue 14, item 10): "acme-001" beside
"ACME-001" is refused by the API and the form alike, naming the field, and nothing changes."""

from __future__ import annotations

from carrierdesk.models import Customer
from fixtures.builders import make_customer
from fixtures.database import count, fingerprint
from fixtures.panel import CUSTOMER_FORM, Panel, field_errors
from support import Api, problem_fields

VOLATILE = {"auth_sessions", "api_tokens", "login_throttle", "alembic_version"}


def test_the_api_refuses_a_reference_that_differs_only_by_case(operator: Api, db_url: str) -> None:
    make_customer(operator, "Acme", reference="ACME-001")
    other = make_customer(operator, "Other", reference="OTHER-1")
    before = fingerprint(db_url, VOLATILE)
    created = operator.post("/customers", {"name": "Acme again", "reference": "acme-001"})
    assert created.status_code == 409
    assert problem_fields(created) == {"reference": "is already used by another customer"}
    assert "(ACME-001)" in created.json()["detail"]  # the spelling already stored
    edited = operator.patch(f"/customers/{other}", {"reference": "Acme-001"})
    assert edited.status_code == 409
    assert problem_fields(edited) == {"reference": "is already used by another customer"}
    assert fingerprint(db_url, VOLATILE) == before
    # its own reference in another case is no clash with itself
    assert operator.patch(f"/customers/{other}", {"reference": "other-1"}).status_code == 200


def test_the_form_refuses_a_reference_that_differs_only_by_case(panel: Panel, db_url: str) -> None:
    panel.new_customer(reference="ACME-1")
    answer = panel.post(
        "/customers/new", {**CUSTOMER_FORM, "name": "Other Ltd", "reference": "acme-1"}
    )
    assert answer.status_code == 422
    assert field_errors(answer.text)["reference"] == "is already used by another customer"
    assert count(db_url, Customer) == 1
