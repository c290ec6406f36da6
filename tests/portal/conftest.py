"""Fixtures of the portal tests: two customers with a contact each, and logged-in portals.
(The customers `acme` and `northwind`, the browser fixtures and `smtp` are tests/fixtures'.)"""

from __future__ import annotations

from typing import Any

import pytest

from fixtures.builders import make_contact
from portal.portal_helpers import PASSWORD, Portal
from support import Api


@pytest.fixture
def ann(operator: Api, acme: int) -> dict[str, Any]:
    """Acme's contact, with the typed password PASSWORD (no welcome email)."""
    return make_contact(
        operator,
        acme,
        "Ann Lee",
        "ann@acme.example",
        password=PASSWORD,
        mobile="+44 7911 123456",
        public_notes="Your account manager is Sam.",
        private_notes="Pays late; watch the credit.",
    )


@pytest.fixture
def bob(operator: Api, northwind: int) -> dict[str, Any]:
    """Northwind's contact, with the typed password PASSWORD."""
    return make_contact(
        operator, northwind, "Bob Stone", "bob@northwind.example", password=PASSWORD
    )


@pytest.fixture
def portal(client: Any) -> Portal:
    return Portal(client.app)


@pytest.fixture
def ann_portal(portal: Portal, ann: dict[str, Any]) -> Portal:
    response = portal.login(ann["email"])
    assert response.status_code == 200 and response.url.path == "/portal/", response.text
    return portal


@pytest.fixture
def viewport() -> dict[str, int]:
    """The portal's browser tests run in a laptop's window."""
    return {"width": 1366, "height": 900}
