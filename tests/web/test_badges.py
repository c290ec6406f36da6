"""Verification badges tell their state by an icon and words, not by colour alone (issue 14,
item 16): Global Contacts' Email/Mobile badges."""

from __future__ import annotations

import re

from fixtures.builders import make_contact, make_customer
from fixtures.panel import Panel
from support import Api


def badges(page: str) -> list[str]:
    found = re.findall(r'<span class="badge verified-badge[^"]*"[^>]*>(.*?)</span>', page, re.S)
    return [
        " ".join(re.sub(r'<i class="bi ([\w-]+)"[^>]*></i>', r"[\1]", b).split()) for b in found
    ]


def test_verified_and_unverified_differ_by_icon_and_words(operator: Api, panel: Panel) -> None:
    contact = make_contact(operator, make_customer(operator, "Acme"), mobile="+447911123456")
    assert operator.patch(f"/contacts/{contact['id']}", {"email_verified": True}).status_code == 200
    assert badges(panel.get("/contacts").text) == [
        "[bi-check-circle-fill] Email verified",
        "[bi-dash-circle] Mobile not verified",
    ]
