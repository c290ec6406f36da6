"""Control Panel › Email Log: every email and SMS of the outbox, filtered by kind and
recipient."""

from __future__ import annotations

import re

from fixtures.builders import make_contact, make_customer
from fixtures.panel import Panel
from portal.portal_helpers import PASSWORD, Portal
from support import Api


def kinds_shown(page: str) -> list[str]:
    return re.findall(r'data-message-id="\d+" data-kind="(\w+)"', page)


def test_email_log_lists_the_outbox_with_the_body(panel: Panel) -> None:
    panel.new_contact(panel.new_customer())
    log = panel.get("/email-log").text
    assert "ann@acme.example" in log and "Your carrierdesk Customer Portal login" in log
    assert "Hello Ann Lee" in log and ">held<" in log
    assert "No message matches." in panel.get("/email-log?to=nobody").text


def test_sms_verification_codes_appear_beside_emails_filterable_by_kind(
    panel: Panel, operator: Api
) -> None:
    acme = make_customer(operator, "Acme")
    make_contact(operator, acme, "Ann Lee", "ann@acme.example", mobile="+44 7911 123456")
    bo = Portal(panel.client.app)
    make_contact(operator, acme, "Bo Lee", "bo@acme.example", PASSWORD, mobile="+44 7400 123456")
    assert bo.login("bo@acme.example").status_code == 200
    sent = bo.post("/portal/verification/mobile", follow_redirects=True)
    assert sent.status_code == 200, sent.text

    everything = panel.get("/email-log").text
    assert kinds_shown(everything) == ["sms", "email"]  # newest first: the code, the welcome
    sms_row = everything.split('data-kind="sms"', 1)[1].split("</tr>", 1)[0]
    assert "+447400123456" in sms_row and '<i class="bi bi-phone"></i> SMS' in sms_row
    assert "is your carrierdesk verification code" in sms_row
    assert not re.search(r"\b\d{6}\b is your", sms_row)  # the code itself is masked
    assert "••••••••" in sms_row

    only_sms = panel.get("/email-log?kind=sms").text
    assert kinds_shown(only_sms) == ["sms"] and '<option value="sms" selected>' in only_sms
    assert kinds_shown(panel.get("/email-log?kind=email").text) == ["email"]
    assert kinds_shown(panel.get("/email-log?kind=sms&to=%2B447400123456").text) == ["sms"]
    assert kinds_shown(panel.get("/email-log?kind=sms&to=ann@").text) == []
