"""The Control Panel's path ids are bounded like the API's (1..2^31-1): an id out of range is
a 422 page naming the parameter, never a database error, and changes nothing."""

from __future__ import annotations

import html
import re
from typing import Any

import pytest

from carrierdesk.web.http import MAX_ID
from fixtures import database
from fixtures.panel import Panel

OUT_OF_RANGE = {
    0: "must be 1 or more",
    MAX_ID + 1: f"must be {MAX_ID} or less",
}
PAGES = [
    ("POST", "/settings/tokens/{token_id}/revoke"),
    ("POST", "/settings/users/{user_id}"),
    ("GET", "/customers/{customer_id}"),
    ("GET", "/customers/{customer_id}/cdrs"),
    ("GET", "/customers/{customer_id}/contacts/new"),
    ("POST", "/customers/{customer_id}/contacts/new"),
    ("GET", "/customers/{customer_id}/contacts/delete"),
    ("GET", "/customers/{customer_id}/contacts-panel"),
    ("GET", "/customers/{customer_id}/edit"),
    ("POST", "/customers/{customer_id}/edit"),
    ("GET", "/customers/{customer_id}/delete"),
    ("POST", "/customers/{customer_id}/delete"),
    ("GET", "/customers/{customer_id}/portal-menu"),
    ("GET", "/customers/{customer_id}/invoices"),
    ("POST", "/customers/{customer_id}/invoices/auto-generate"),
    ("GET", "/customers/{customer_id}/auth"),
    ("GET", "/customers/{customer_id}/conferences"),
    ("GET", "/contacts/{contact_id}/edit"),
    ("POST", "/contacts/{contact_id}/edit"),
    ("GET", "/contacts/{contact_id}/password"),
    ("POST", "/contacts/{contact_id}/password"),
    ("GET", "/contacts/{contact_id}/delete"),
    ("GET", "/contacts/{contact_id}/portal-login"),
    ("POST", "/contacts/{contact_id}/portal-login"),
    ("GET", "/invoices/{invoice_id}"),
    ("GET", "/invoices/{invoice_id}/pdf"),
    ("POST", "/invoices/{invoice_id}/mark-paid"),
    ("POST", "/invoices/{invoice_id}/void"),
    ("POST", "/delay-log/{change_id}/cancel"),
]
VOLATILE = {"auth_sessions", "login_throttle", "alembic_version"}


def fingerprint(db_url: str) -> dict[str, list[tuple[Any, ...]]]:
    return database.fingerprint(db_url, skip=VOLATILE)


def shown_error(page: str) -> str:
    found = re.search(r'<p class="mb-0">(.*?)</p>', page, re.S)
    assert found, page[:500]
    return html.unescape(found.group(1)).strip()


@pytest.mark.parametrize("bad", sorted(OUT_OF_RANGE))
def test_control_panel_path_ids_out_of_range_are_422(panel: Panel, db_url: str, bad: int) -> None:
    before = fingerprint(db_url)
    wrong = []
    for method, template in PAGES:
        param = template.split("{")[1].split("}")[0]
        path = re.sub(r"\{\w+\}", str(bad), template)
        answer = panel.get(path) if method == "GET" else panel.post(path, {"reason": "x"})
        want = f"{param}: {OUT_OF_RANGE[bad]}"
        if answer.status_code != 422 or shown_error(answer.text) != want:
            wrong.append(f"{method} {template}: {answer.status_code} {answer.text[:200]}")
    assert wrong == []
    assert fingerprint(db_url) == before


def test_an_out_of_range_customer_filter_is_422(panel: Panel) -> None:
    for path in ("/contacts", "/contacts/new"):
        answer = panel.get(path, params={"customer_id": MAX_ID + 1})
        assert answer.status_code == 422, path
        assert shown_error(answer.text) == f"customer_id: {OUT_OF_RANGE[MAX_ID + 1]}"
