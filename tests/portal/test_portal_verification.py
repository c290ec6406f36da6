"""Verification (PRODUCT.md §10): the email by a link, the mobile by a 6-digit SMS code with
5 tries; each sets its flag and is audited."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from sqlalchemy import select

from carrierdesk.db import transaction
from carrierdesk.models import OneTimeToken
from portal.portal_helpers import Portal, audit, code_in, contact_row, link_in, outbox


def confirm_link(portal: Portal, token: str) -> Any:
    """The link page's button: the token is used by this POST, not by opening the link."""
    return portal.post("/portal/verify-email", {"token": token}, csrf=False)


def test_email_is_verified_through_the_emailed_link_once(
    ann_portal: Portal, ann: dict[str, Any], db_url: str
) -> None:
    sent = ann_portal.post("/portal/verification/email")
    assert sent.url.path == "/portal/verification"
    assert "We sent a link to ann@acme.example" in sent.text
    [mail] = outbox(db_url, ann["email"])
    assert "Confirm your email" in mail.subject
    link = link_in(mail.body)
    assert link.startswith("/portal/verify-email?token=")

    opened = Portal(ann_portal.client.app).get(link)  # the link works without a session
    assert opened.status_code == 200 and "Verify my email address" in opened.text
    assert contact_row(db_url, ann["id"])["email_verified"] is False  # opening is not enough
    token = link.split("token=", 1)[1]
    verified = confirm_link(ann_portal, token)
    assert verified.status_code == 200 and "ann@acme.example is verified" in verified.text
    assert contact_row(db_url, ann["id"])["email_verified"] is True
    [entry] = audit(db_url, "verify", ann["id"])
    assert entry.changes == {"email_verified": [False, True]}

    again = confirm_link(ann_portal, token)
    assert again.status_code == 401 and "expired or was already used" in again.text
    dashboard = ann_portal.get("/portal/")
    assert "checklist-email done" in dashboard.text and "checklist-mobile todo" in dashboard.text
    page = ann_portal.get("/portal/verification")
    assert "Email me a verification link" not in page.text


def test_mobile_code_allows_five_tries(
    ann_portal: Portal, ann: dict[str, Any], db_url: str
) -> None:
    sent = ann_portal.post("/portal/verification/mobile")
    assert "We sent a 6-digit code to +447911123456" in sent.text
    [sms] = outbox(db_url, "+447911123456", kind="sms")
    code = code_in(sms.body)
    wrong = "000000" if code != "000000" else "111111"
    for left in (4, 3, 2, 1):
        response = ann_portal.post("/portal/verification/mobile/confirm", {"code": wrong})
        assert response.status_code == 422 and f"is wrong ({left} tries left)" in response.text
    fifth = ann_portal.post("/portal/verification/mobile/confirm", {"code": wrong})
    assert fifth.status_code == 422 and "is wrong; ask for a new code" in fifth.text
    blocked = ann_portal.post("/portal/verification/mobile/confirm", {"code": code})
    assert blocked.status_code == 429 and "Too many wrong codes" in blocked.text
    assert contact_row(db_url, ann["id"])["mobile_verified"] is False

    again = ann_portal.post("/portal/verification/mobile")
    assert again.status_code == 429 and "less than a minute ago" in again.text
    assert len(outbox(db_url, "+447911123456", kind="sms")) == 1  # no second SMS
    a_minute_passes(db_url)
    ann_portal.post("/portal/verification/mobile")
    fresh = code_in(outbox(db_url, "+447911123456", kind="sms")[-1].body)
    assert ann_portal.post("/portal/verification/mobile/confirm", {"code": code}).status_code == 422
    done = ann_portal.post("/portal/verification/mobile/confirm", {"code": fresh})
    assert "your mobile number is verified" in done.text
    assert contact_row(db_url, ann["id"])["mobile_verified"] is True
    [entry] = audit(db_url, "verify", ann["id"])
    assert entry.changes == {"mobile_verified": [False, True]}
    assert "checklist-mobile done" in ann_portal.get("/portal/").text


def test_without_a_mobile_there_is_nothing_to_verify(
    portal: Portal, bob: dict[str, Any], db_url: str
) -> None:
    portal.login(bob["email"])
    page = portal.get("/portal/verification")
    assert "Add your mobile number under" in page.text
    refused = portal.post("/portal/verification/mobile")
    assert refused.status_code == 422
    assert "add your mobile number to your profile first" in refused.text
    assert outbox(db_url, None, kind="sms") == []
    assert contact_row(db_url, bob["id"])["mobile_verified"] is False


def a_minute_passes(db_url: str) -> None:
    """Age every one-time token by a minute (the resend limit counts from their creation)."""
    with transaction(db_url) as session:
        for token in session.scalars(select(OneTimeToken)):
            token.created_at -= timedelta(seconds=61)
