"""Schemathesis against /api/v1/openapi.json with an admin token: no 5xx, no answer that breaks
the documented schema (status codes, content types, bodies). Bounded in size.

The database is made when the module is collected, because Schemathesis parametrizes the test
per API operation at that moment: an SQLite file with two customers and their contacts."""

from __future__ import annotations

import tempfile
from pathlib import Path

import pytest
import schemathesis
from hypothesis import HealthCheck, settings
from schemathesis.checks import not_a_server_error
from schemathesis.specs.openapi.checks import (
    content_type_conformance,
    response_schema_conformance,
    status_code_conformance,
)

from carrierdesk.app import create_app
from carrierdesk.auth.principals import CLI
from carrierdesk.contacts.schemas import ContactCreate
from carrierdesk.contacts.service import create_contact
from carrierdesk.customers.schemas import CustomerCreate
from carrierdesk.customers.service import create_customer
from carrierdesk.db import transaction
from carrierdesk.migrate import upgrade
from support import make_token

pytestmark = pytest.mark.xdist_group("schemathesis")
CHECKS = [
    not_a_server_error,
    status_code_conformance,
    content_type_conformance,
    response_schema_conformance,
]


def _seeded_database() -> str:
    url = f"sqlite:///{Path(tempfile.mkdtemp(prefix='carrierdesk-fuzz-')) / 'fuzz.db'}"
    upgrade(url)
    with transaction(url) as session:
        for name in ("Acme Telecom", "Blue Harbour"):
            customer = create_customer(session, CLI, CustomerCreate(name=name))
            create_contact(
                session,
                CLI,
                customer.id,
                ContactCreate(name="Ann", email=f"ann@{name.split()[0].lower()}.example"),
            )
    return url


DATABASE = _seeded_database()
HEADERS = {"Authorization": f"Bearer {make_token(DATABASE, 'admin')}"}
schema = schemathesis.openapi.from_asgi("/api/v1/openapi.json", create_app(DATABASE))


@schema.parametrize()
@settings(max_examples=8, deadline=None, derandomize=True, suppress_health_check=list(HealthCheck))
def test_api_answers_within_its_schema(case: schemathesis.Case) -> None:
    case.call_and_validate(headers=HEADERS, checks=CHECKS)
