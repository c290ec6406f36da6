"""Control Panel › Delay Log, Audit Log, Email Log, Settings › Options and the Audit Comment."""

# ruff: noqa: F811  (pytest fixtures imported from test_pages_support)
from __future__ import annotations

from sqlalchemy import select

from carrierdesk.db import transaction
from carrierdesk.models import AuditEntry, Contact, Customer, ScheduledChange
from carrierdesk.scheduling.jobs import run as apply_due
from carrierdesk.settings.service import get_options
from test_pages_support import (  # noqa: F401 (fixtures)
    CONTACT_FORM,
    CUSTOMER_FORM,
    Panel,
    field_errors,
    flashes,
    new_contact,
    new_customer,
    operator_panel,
    panel,
    viewer_panel,
)

OPTIONS_FORM = {
    "number_range_start": "10000",
    "block_size": "100",
    "invoice_line_grouping": "destination",
    "summary_refresh_seconds": "120",
    "auto_logout_minutes": "30",
    "max_auth_failures": "5",
    "invoice_number_prefix": "NV/",
    "invoice_number_padding": "5",
    "invoice_tax_name": "VAT",
    "invoice_company_text": "Nimbus Carrier plc\n1 Exchange Sq, London",
    "invoice_payment_text": "IBAN GB00 TEST 0000 0000",
}


def scheduled(db_url: str) -> list[ScheduledChange]:
    with transaction(db_url) as session:
        return list(session.scalars(select(ScheduledChange).order_by(ScheduledChange.id)))


def schedule_contact_edit(panel: Panel) -> tuple[int, int]:
    customer_id = new_customer(panel)
    contact_id = new_contact(panel, customer_id)
    edit = {**CONTACT_FORM, "name": "Ann Later", "save": "delay", "delay": "4h"}
    assert panel.post(f"/contacts/{contact_id}/edit", edit).status_code == 303
    return customer_id, contact_id


def test_delay_log_filters_and_cancels(panel: Panel, db_url: str) -> None:
    schedule_contact_edit(panel)
    [change] = scheduled(db_url)
    log = panel.get("/delay-log").text
    assert "Edit contact Ann Lee &lt;ann@acme.example&gt;" in log
    assert "boss@carrier.example" in log and 'data-status="pending"' in log
    assert "Edit contact Ann Lee" not in panel.get("/delay-log?status=applied").text

    page = panel.submit(f"/delay-log/{change.id}/cancel")
    assert any(f.startswith("Cancelled: Edit contact Ann Lee") for f in flashes(page.text))
    assert scheduled(db_url)[0].status == "cancelled"
    assert "Edit contact Ann Lee" in panel.get("/delay-log?status=cancelled").text

    again = panel.post(f"/delay-log/{change.id}/cancel")
    assert again.status_code == 409 and "no longer pending" in again.text


def test_viewer_cannot_cancel(panel: Panel, viewer_panel: Panel, db_url: str) -> None:
    schedule_contact_edit(panel)
    [change] = scheduled(db_url)
    page = viewer_panel.get("/delay-log").text
    assert "Ann Lee" in page and f"/delay-log/{change.id}/cancel" not in page
    assert viewer_panel.post(f"/delay-log/{change.id}/cancel").status_code == 403
    assert scheduled(db_url)[0].status == "pending"


def test_audit_log_shows_and_filters_every_step(panel: Panel) -> None:
    customer_id, contact_id = schedule_contact_edit(panel)
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


def test_email_log_lists_the_outbox_with_the_body(panel: Panel) -> None:
    new_contact(panel, new_customer(panel))
    log = panel.get("/email-log").text
    assert "ann@acme.example" in log and "Your carrierdesk Customer Portal login" in log
    assert "Hello Ann Lee" in log and ">held<" in log
    assert "No email yet" in panel.get("/email-log?to=nobody").text


def test_admin_saves_options(panel: Panel, db_url: str) -> None:
    page = panel.get("/settings/options").text
    assert 'name="summary_refresh_seconds"' in page and 'name="max_auth_failures"' in page
    saved = panel.submit("/settings/options", OPTIONS_FORM)
    assert "Options saved." in flashes(saved.text)
    with transaction(db_url) as session:
        options = get_options(session)
    assert (options.number_range_start, options.block_size) == (10000, 100)
    assert options.invoice_line_grouping == "destination"
    assert (options.summary_refresh_seconds, options.auto_logout_minutes) == (120, 30)
    assert options.max_auth_failures == 5 and not options.audit_comment_required
    assert (options.invoice_number_prefix, options.invoice_number_padding) == ("NV/", 5)
    assert options.invoice_tax_name == "VAT"
    assert options.invoice_company_text == "Nimbus Carrier plc\n1 Exchange Sq, London"


def test_bad_options_are_refused_by_field(panel: Panel, db_url: str) -> None:
    bad = {
        **OPTIONS_FORM,
        "summary_refresh_seconds": "1",
        "max_auth_failures": "",
        "invoice_tax_name": "",
        "invoice_number_prefix": "INV 2026",
    }
    answer = panel.post("/settings/options", bad)
    assert answer.status_code == 422
    errors = field_errors(answer.text)
    assert "greater than or equal to 5" in errors["summary_refresh_seconds"]
    assert errors["max_auth_failures"] == "is required"
    assert errors["invoice_tax_name"] == "is required"
    assert "should match pattern" in errors["invoice_number_prefix"]
    with transaction(db_url) as session:
        assert get_options(session).summary_refresh_seconds == 60


def test_options_are_for_admins_only(
    operator_panel: Panel, viewer_panel: Panel, db_url: str
) -> None:
    assert operator_panel.get("/settings/options").status_code == 403
    assert viewer_panel.get("/settings/options").status_code == 403
    assert operator_panel.post("/settings/options", OPTIONS_FORM).status_code == 403
    with transaction(db_url) as session:
        assert get_options(session).block_size is None


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

    customer_id = new_customer(panel, audit_comment="New wholesale deal")
    rename = panel.post(f"/customers/{customer_id}/edit", {**CUSTOMER_FORM, "name": "Renamed"})
    assert rename.status_code == 422 and "audit_comment" in field_errors(rename.text)
    assert "Edit customer Acme Telecom" in rename.text  # not the refused new name
    assert 'value="Renamed"' in rename.text  # what was typed is kept in the field
    contact = {**CONTACT_FORM, "audit_comment": "Billing contact"}
    new_contact(panel, customer_id, **contact)
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


def test_a_change_that_fails_when_applied_is_kept_with_its_error(panel: Panel, db_url: str) -> None:
    customer_id = new_customer(panel)
    contact_id = new_contact(panel, customer_id)
    edit = {**CONTACT_FORM, "email": "taken@acme.example", "save": "delay", "delay": "15m"}
    assert panel.post(f"/contacts/{contact_id}/edit", edit).status_code == 303
    new_contact(panel, customer_id, name="Bo Taken", email="taken@acme.example")
    [change] = scheduled(db_url)
    with transaction(db_url) as session:
        assert apply_due(session, now=change.apply_at) == 1
    log = panel.get("/delay-log?status=failed").text
    assert "Edit contact Ann Lee" in log and "email: is already used by another contact" in log
    assert 'data-status="failed"' in log and "/cancel" not in log
