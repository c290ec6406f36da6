"""Forgot password (PRODUCT.md §10): the same answer for every address, a link by email that
works once within 30 minutes, and a new password that passes the policy."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import pytest
from sqlalchemy import select

from carrierdesk.db import transaction
from carrierdesk.models import OneTimeToken
from carrierdesk.models.base import utcnow
from portal.portal_helpers import PASSWORD, Portal, contact_row, link_in, outbox

NEW_PASSWORD = "Fresh!Passw0rd-27"
SAME_ANSWER = "If the address is registered, we sent a link to it."


def ask_for_link(portal: Portal, email: str) -> Any:
    assert portal.get("/portal/forgot-password").status_code == 200
    return portal.post("/portal/forgot-password", {"email": email}, csrf=False)


def reset_link(portal: Portal, db_url: str, email: str) -> str:
    assert SAME_ANSWER in ask_for_link(portal, email).text
    return link_in(outbox(db_url, email)[-1].body)


def choose(portal: Portal, link: str, password: str, again: str | None = None) -> Any:
    page = portal.get(link)
    assert page.status_code == 200 and "Choose a new password" in page.text
    return send(portal, link, password, again)


def send(portal: Portal, link: str, password: str, again: str | None = None) -> Any:
    """The form as a page opened before the link stopped working would send it."""
    token = link.split("token=", 1)[1]
    form = {"token": token, "new_password": password, "confirm_password": again or password}
    return portal.post("/portal/reset-password", form, csrf=False)


def shows_link_no_longer_valid(portal: Portal, link: str) -> None:
    """The page of a used, expired or unknown link says so at once, with no form to fill."""
    page = portal.get(link)
    assert page.status_code == 200
    assert "This link is no longer valid" in page.text
    assert 'href="/portal/forgot-password"' in page.text
    assert 'name="new_password"' not in page.text


def test_known_and_unknown_addresses_get_the_same_answer(
    portal: Portal, ann: dict[str, Any], db_url: str
) -> None:
    known = ask_for_link(portal, "Ann@Acme.example")
    unknown = ask_for_link(portal, "nobody@acme.example")
    assert known.status_code == unknown.status_code == 200
    for response in (known, unknown):
        assert SAME_ANSWER in response.text
    assert len(outbox(db_url, ann["email"])) == 1
    assert outbox(db_url, "nobody@acme.example") == []
    blank = portal.post("/portal/forgot-password", {"email": " "}, csrf=False)
    assert blank.status_code == 422 and "is required" in blank.text


def test_the_link_sets_a_new_password_once(
    portal: Portal, ann: dict[str, Any], db_url: str
) -> None:
    link = reset_link(portal, db_url, ann["email"])
    before = contact_row(db_url, ann["id"])["password_hash"]

    mismatch = choose(portal, link, NEW_PASSWORD, "Other!Passw0rd-27")
    assert mismatch.status_code == 422 and "does not match the new password" in mismatch.text
    weak = choose(portal, link, "short")
    assert weak.status_code == 422 and 'id="e-new_password"' in weak.text
    assert contact_row(db_url, ann["id"])["password_hash"] == before  # refused: unchanged

    done = choose(portal, link, NEW_PASSWORD)  # the refusals did not use the link up
    assert done.url.path == "/portal/login"
    assert "Your password was changed" in done.text
    assert portal.login(ann["email"], PASSWORD).status_code == 401
    assert portal.login(ann["email"], NEW_PASSWORD).url.path == "/portal/"

    shows_link_no_longer_valid(portal, link)
    reused = send(portal, link, "Another!Passw0rd-28")
    assert reused.status_code == 401
    assert "This link has expired or was already used." in reused.text
    assert 'href="/portal/forgot-password"' in reused.text
    assert portal.login(ann["email"], NEW_PASSWORD).url.path == "/portal/"


def test_the_link_expires_after_30_minutes(
    portal: Portal, ann: dict[str, Any], db_url: str
) -> None:
    link = reset_link(portal, db_url, ann["email"])
    with transaction(db_url) as session:
        token = session.scalars(
            select(OneTimeToken).where(OneTimeToken.purpose == "password_reset")
        ).one()
        assert token.expires_at - utcnow() <= timedelta(minutes=30)
        token.expires_at = utcnow() - timedelta(seconds=1)
    before = contact_row(db_url, ann["id"])["password_hash"]
    shows_link_no_longer_valid(portal, link)
    expired = send(portal, link, NEW_PASSWORD)
    assert expired.status_code == 401
    assert "This link has expired or was already used." in expired.text
    assert contact_row(db_url, ann["id"])["password_hash"] == before


def test_a_reset_ends_every_session_of_the_contact(
    ann_portal: Portal, client: Any, ann: dict[str, Any], db_url: str
) -> None:
    other = Portal(client.app)
    link = reset_link(other, db_url, ann["email"])
    assert choose(other, link, NEW_PASSWORD).url.path == "/portal/login"
    assert ann_portal.get("/portal/").url.path == "/portal/login"
    changed = outbox(db_url, ann["email"])[-1]
    assert "password" in changed.subject.lower() and NEW_PASSWORD not in changed.body


@pytest.mark.parametrize("token", ["", "garbage", "cdl_" + "x" * 40])
def test_a_garbage_link_says_it_is_no_longer_valid(portal: Portal, token: str) -> None:
    shows_link_no_longer_valid(portal, f"/portal/reset-password?token={token}")


def test_an_older_link_stops_working_when_a_new_one_is_sent(
    portal: Portal, ann: dict[str, Any], db_url: str
) -> None:
    first = reset_link(portal, db_url, ann["email"])
    with transaction(db_url) as session:  # past the one-a-minute limit on sending links
        for token in session.scalars(select(OneTimeToken)):
            token.created_at = utcnow() - timedelta(minutes=2)
    second = reset_link(portal, db_url, ann["email"])
    shows_link_no_longer_valid(portal, first)
    assert "Choose a new password" in portal.get(second).text
