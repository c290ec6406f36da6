"""What the Control Panel page tests share: a logged-in browser-like client that sends the
page's CSRF token, and the field errors a form page shows. (No tests here.)"""

from __future__ import annotations

import html
import re
from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import Any

import pytest
from fastapi.testclient import TestClient

from carrierdesk.app import create_app
from carrierdesk.auth.principals import CLI
from carrierdesk.auth.service import create_user
from carrierdesk.db import transaction
from support import login_form

PASSWORD = "Str0ng!Passw0rd"
CSRF_META = re.compile(r'<meta name="csrf-token" content="([^"]*)">')
FIELD_ERROR = re.compile(r'data-error-for="([^"]+)">(.*?)</div>', re.S)


@dataclass
class Panel:
    """A Control Panel session: log in once, then GET pages and POST forms like a browser."""

    client: TestClient
    csrf: str = ""
    history: list[str] = field(default_factory=list)

    def login(self, email: str, password: str = PASSWORD) -> Panel:
        self.client.get("/login")
        answer = self.client.post(
            "/login", data={"email": email, "password": password, **login_form(self.client)}
        )
        assert answer.status_code == 200 and "/login" not in str(answer.url), answer.text[:500]
        self.csrf = csrf_of(answer.text)
        return self

    def get(self, path: str, **kw: Any) -> Any:
        return self.client.get(path, follow_redirects=kw.pop("follow_redirects", True), **kw)

    def post(self, path: str, data: dict[str, Any] | None = None, csrf: bool = True) -> Any:
        form = {**(data or {}), **({"csrf_token": self.csrf} if csrf else {})}
        return self.client.post(path, data=form, follow_redirects=False)

    def submit(self, path: str, data: dict[str, Any] | None = None) -> Any:
        """POST, then follow the redirect as a browser does; returns the page shown."""
        answer = self.post(path, data)
        if answer.status_code == 303:
            return self.get(answer.headers["location"])
        return answer


def csrf_of(page: str) -> str:
    found = CSRF_META.search(page)
    assert found and found.group(1), "the page carries no CSRF token"
    return found.group(1)


def field_errors(page: str) -> dict[str, str]:
    """{field: message} shown under the fields of a form page."""
    return {name: html.unescape(text).strip() for name, text in FIELD_ERROR.findall(page)}


def flashes(page: str) -> list[str]:
    return [
        " ".join(html.unescape(m).split())
        for m in re.findall(
            r'<div class="alert alert-\w+ alert-dismissible[^>]*>(.*?)<button', page, re.S
        )
    ]


def make_user(db_url: str, email: str, role: str) -> None:
    with transaction(db_url) as session:
        create_user(session, CLI, email, role, PASSWORD)


@pytest.fixture
def panel(client: TestClient, admin_user: tuple[str, str]) -> Panel:
    """An admin logged in to the Control Panel."""
    return Panel(client).login(*admin_user)


@pytest.fixture
def operator_panel(db_url: str) -> Iterator[Panel]:
    make_user(db_url, "ops@carrier.example", "operator")
    with TestClient(create_app(db_url)) as other:
        yield Panel(other).login("ops@carrier.example")


@pytest.fixture
def viewer_panel(db_url: str) -> Iterator[Panel]:
    make_user(db_url, "watcher@carrier.example", "viewer")
    with TestClient(create_app(db_url)) as other:
        yield Panel(other).login("watcher@carrier.example")


CUSTOMER_FORM = {
    "name": "Acme Telecom",
    "reference": "ACME-1",
    "status": "active",
    "currency": "EUR",
    "tax_rate": "20",
    "channels": "120",
    "invoice_schedule": "monthly",
    "invoice_due_days": "30",
    "save": "continue",
}

CONTACT_FORM = {
    "name": "Ann Lee",
    "email": "ann@acme.example",
    "phone": "+44 20 7123 4567",
    "mobile": "",
    "contact_type": "billing",
    "auto_generate_password": "on",
    "public_notes": "Billing questions only",
    "private_notes": "",
    "ip_whitelist": "203.0.113.7\n198.51.100.0/24",
    "enabled": "on",
    "save": "continue",
}


def new_customer(panel: Panel, **changes: str) -> int:
    answer = panel.post("/customers/new", {**CUSTOMER_FORM, **changes})
    assert answer.status_code == 303, field_errors(answer.text) or answer.text[:500]
    return int(answer.headers["location"].rsplit("/", 1)[1])


def new_contact(panel: Panel, customer_id: int, **changes: str) -> int:
    answer = panel.post(f"/customers/{customer_id}/contacts/new", {**CONTACT_FORM, **changes})
    assert answer.status_code == 303, field_errors(answer.text) or answer.text[:500]
    page = panel.get(f"/customers/{customer_id}").text
    email = changes.get("email", CONTACT_FORM["email"])
    found = re.search(rf'data-contact-id="(\d+)">(?:(?!</tr>).)*{re.escape(email)}', page, re.S)
    assert found, f"{email} is not in the contacts grid"
    return int(found.group(1))
