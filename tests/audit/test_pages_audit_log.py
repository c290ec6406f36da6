"""Control Panel › Audit Log and the Audit Comment."""

from __future__ import annotations

from sqlalchemy import select

from carrierdesk.db import transaction
from carrierdesk.models import AuditEntry, Contact, Customer
from fixtures.panel import CONTACT_FORM, CUSTOMER_FORM, OPTIONS_FORM, Panel, field_errors, flashes


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
    assert 'phone</span>: <span class="text-body-secondary">∅</span> → +442071234567' in log
    only_email = panel.get("/audit-log?action=email_queued").text
    assert "Portal login" in only_email and "Customer Acme Telecom created" not in only_email
    by_contact = panel.get(f"/audit-log?contact_id={contact_id}").text
    assert "Customer Acme Telecom created" not in by_contact and "added to" in by_contact
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
