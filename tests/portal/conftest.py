"""Fixtures of the portal tests: two customers with a contact each, logged-in portals, and the
browser tests' live server (the idea of tests/e2e, with a real SMTP server when asked)."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from typing import Any

import pytest
from aiosmtpd.controller import Controller
from playwright.sync_api import Browser, Page, sync_playwright
from portal_helpers import PASSWORD, Inbox, Portal

from carrierdesk.config import get_settings
from e2e.server import CHROMIUM, free_port, running_app

MakeContact = Callable[..., dict[str, Any]]


@pytest.fixture
def make_customer(operator: Any) -> Callable[[str], int]:
    def make(name: str) -> int:
        response = operator.post("/customers", {"name": name})
        assert response.status_code == 201, response.text
        return int(response.json()["id"])

    return make


@pytest.fixture
def acme(make_customer: Callable[[str], int]) -> int:
    return make_customer("Acme Telecom")


@pytest.fixture
def northwind(make_customer: Callable[[str], int]) -> int:
    return make_customer("Northwind Voice")


@pytest.fixture
def make_contact(operator: Any) -> MakeContact:
    """A contact with the typed password PASSWORD (no welcome email)."""

    def make(customer_id: int, name: str, email: str, **fields: Any) -> dict[str, Any]:
        body = {
            "name": name,
            "email": email,
            "auto_generate_password": False,
            "password": PASSWORD,
            **fields,
        }
        response = operator.post(f"/customers/{customer_id}/contacts", body)
        assert response.status_code == 201, response.text
        return dict(response.json())

    return make


@pytest.fixture
def ann(make_contact: MakeContact, acme: int) -> dict[str, Any]:
    return make_contact(
        acme,
        "Ann Lee",
        "ann@acme.example",
        mobile="+44 7911 123456",
        public_notes="Your account manager is Sam.",
        private_notes="Pays late; watch the credit.",
    )


@pytest.fixture
def bob(make_contact: MakeContact, northwind: int) -> dict[str, Any]:
    return make_contact(northwind, "Bob Stone", "bob@northwind.example")


@pytest.fixture
def portal(client: Any) -> Portal:
    return Portal(client.app)


@pytest.fixture
def ann_portal(portal: Portal, ann: dict[str, Any]) -> Portal:
    response = portal.login(ann["email"])
    assert response.status_code == 200 and response.url.path == "/portal/", response.text
    return portal


# ---- browser tests ---------------------------------------------------------------------------


@pytest.fixture
def smtp(monkeypatch: pytest.MonkeyPatch) -> Iterator[Inbox]:
    inbox = Inbox()
    controller = Controller(inbox, hostname="127.0.0.1", port=free_port())
    controller.start()
    monkeypatch.setenv("CARRIERDESK_SMTP_URL", f"smtp://127.0.0.1:{controller.port}")
    get_settings.cache_clear()
    yield inbox
    controller.stop()


@pytest.fixture
def live_app(db_url: str, monkeypatch: pytest.MonkeyPatch) -> Iterator[str]:
    """The app and its worker (polling every half second) on a free port; its base URL.
    Request `smtp` before this fixture for mail to leave through the SMTP server."""
    monkeypatch.setenv("CARRIERDESK_WORKER_POLL_SECONDS", "0.5")
    get_settings.cache_clear()
    with running_app(db_url, run_worker=True) as base_url:
        yield base_url


@pytest.fixture
def browser() -> Iterator[Browser]:
    with sync_playwright() as playwright:
        chromium = playwright.chromium.launch(**CHROMIUM)
        yield chromium
        chromium.close()


@pytest.fixture
def page(browser: Browser) -> Iterator[Page]:
    context = browser.new_context(viewport={"width": 1366, "height": 900})
    context.set_default_timeout(10_000)
    tab = context.new_page()
    yield tab
    context.close()
