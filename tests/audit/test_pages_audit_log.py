"""Control Panel › Audit Log and the Audit Comment."""

from __future__ import annotations

import html
import re

from fastapi.testclient import TestClient
from sqlalchemy import select

from carrierdesk.db import transaction
from carrierdesk.models import AuditEntry, Contact, Customer
from fixtures.builders import make_contact, make_customer, make_user
from fixtures.panel import CONTACT_FORM, CUSTOMER_FORM, OPTIONS_FORM, Panel, field_errors, flashes
from portal.portal_helpers import PASSWORD, Portal, link_in
from support import Api

OPERATOR = "olivia@carrier.example"


def actors_of(page: str) -> list[str]:
    return [
        " ".join(html.unescape(a).split())
        for a in re.findall(r'<td class="audit-actor">(.*?)(?:<div|</td>)', page, re.S)
    ]


def test_portal_login_and_failed_logins_read_the_right_way_round(
    panel: Panel, operator: Api, client: TestClient, db_url: str
) -> None:
    acme = make_customer(operator, "Acme")
    ann = make_contact(operator, acme, "Ann Lee", "ann@acme.example", PASSWORD)
    make_user(db_url, OPERATOR, "operator", PASSWORD)
    session = client.post("/api/v1/auth/token", json={"email": OPERATOR, "password": PASSWORD})
    bearer = {"Authorization": f"Bearer {session.json()['access_token']}"}
    link = client.post(f"/api/v1/contacts/{ann['id']}/portal-login", headers=bearer)
    tab = Portal(client.app)
    assert tab.get(link_in(link.json()["url"])).status_code == 200
    saved = tab.post("/portal/profile", {"name": "Ann Lee-Smith", "phone": "", "mobile": ""})
    assert "Your profile was saved." in saved.text
    Portal(client.app).login("mallory@acme.example", "not-the-password")

    update = panel.get("/audit-log?action=update").text
    assert actors_of(update) == [f"{OPERATOR} on behalf of ann@acme.example (Portal Login)"]
    assert 'Name</span>: <span class="text-body-secondary">Ann Lee</span> → Ann Lee-Smith' in update
    failed = panel.get("/audit-log?action=login_failed").text
    assert actors_of(failed) == ["mallory@acme.example (failed login)"]
    assert "(system)" not in failed.split('id="audit-log"', 1)[1]
    api = panel.client.get("/api/v1/audit-log", params={"action": "update"}).json()["items"]
    assert api[0]["actor_label"] == f"{OPERATOR} on behalf of ann@acme.example (Portal Login)"


def test_the_contact_filter_finds_a_contact_by_name_or_email(panel: Panel, operator: Api) -> None:
    acme = make_customer(operator, "Acme")
    make_contact(operator, acme, "Ann Lee", "ann@acme.example", PASSWORD)
    make_contact(operator, acme, "Bo Brown", "bo@acme.example", PASSWORD)
    page = panel.get("/audit-log").text
    assert (
        'list="a-contacts"' in page and '<option value="bo@acme.example">Bo Brown</option>' in page
    )
    assert "Contact id" not in page
    for words, shown in (("brown", "Bo Brown"), ("ANN@acme", "Ann Lee"), ("lee", "Ann Lee")):
        found = panel.get("/audit-log", params={"contact": words}).text
        messages = re.findall(r'<td class="audit-message">(.*?)</td>', found)
        assert messages and all(shown in html.unescape(m) for m in messages), (words, messages)
    assert "No entries match" in panel.get("/audit-log?contact=nobody%25").text


def test_audit_log_shows_and_filters_every_step(panel: Panel) -> None:
    customer_id, contact_id = panel.schedule_contact_edit()
    log = panel.get(f"/audit-log?customer_id={customer_id}").text
    for step in (
        "Customer Acme Telecom created",
        "Contact Ann Lee &lt;ann@acme.example&gt; added to Acme Telecom",
        "Email &#39;Your carrierdesk Customer Portal login&#39; to ann@acme.example (held)",
        "Scheduled for",
    ):
        assert step in log, step
    assert "boss@carrier.example" in log and "testclient" in log
    assert 'Phone</span>: <span class="text-body-secondary">(empty)</span> → +442071234567' in log
    assert (
        'IP whitelist</span>: <span class="text-body-secondary">(empty)</span> → 203.0.113.7, '
        in log
    )
    only_email = panel.get("/audit-log?action=email_queued").text
    assert "Portal login" in only_email and "Customer Acme Telecom created" not in only_email
    by_contact = panel.get(f"/audit-log?contact_id={contact_id}").text
    assert "Customer Acme Telecom created" not in by_contact and "added to" in by_contact
    assert "Ann Lee &lt;ann@acme.example&gt;</span>" in by_contact  # the contact picked, named
    assert "No entries match" in panel.get("/audit-log?actor=nobody").text


def test_audit_comment_required_on_every_save(panel: Panel, db_url: str) -> None:
    turn_on = {**OPTIONS_FORM, "audit_comment_required": "on"}
    # The save that turns the option on is itself asked for a reason.
    refused = panel.post("/settings/options", turn_on)
    assert field_errors(refused.text)["audit_comment"] == "a reason for this change is required"
    saved = panel.submit("/settings/options", {**turn_on, "audit_comment": "Audit policy"})
    assert "Options saved." in flashes(saved.text)
    form = panel.get("/customers/new").text
    assert 'name="audit_comment"' in form and "Reason for this change" in form

    answer = panel.post("/customers/new", CUSTOMER_FORM)
    assert answer.status_code == 422
    assert field_errors(answer.text)["audit_comment"] == "a reason for this change is required"
    with transaction(db_url) as session:
        assert session.scalars(select(Customer)).all() == []

    customer_id = panel.new_customer(audit_comment="New wholesale deal")
    rename = panel.post(f"/customers/{customer_id}/edit", {**CUSTOMER_FORM, "name": "Renamed"})
    assert rename.status_code == 422 and "audit_comment" in field_errors(rename.text)
    assert "Edit customer Acme Telecom" in rename.text  # not the refused new name
    assert 'value="Renamed"' in rename.text  # what was typed is kept in the field
    contact = {**CONTACT_FORM, "audit_comment": "Billing contact"}
    panel.new_contact(customer_id, **contact)
    without = panel.post(f"/contacts/{1}/edit", {**CONTACT_FORM, "name": "Ann B"})
    assert without.status_code == 422 and "audit_comment" in field_errors(without.text)
    with transaction(db_url) as session:
        assert session.scalars(select(Contact.name)).all() == ["Ann Lee"]
        comments = session.scalars(
            select(AuditEntry.comment).where(
                AuditEntry.action == "create", AuditEntry.table_name.in_(["customers", "contacts"])
            )
        ).all()
    assert sorted(comments) == ["Billing contact", "New wholesale deal"]
    assert "New wholesale deal" in panel.get("/audit-log").text
