"""Control Panel › contacts: add/edit with the save options, Change Password, delete, Global
Contacts."""

from __future__ import annotations

import re
from datetime import UTC, datetime, timedelta

from sqlalchemy import func, select

from carrierdesk.db import transaction
from carrierdesk.models import AuditEntry, Contact, OutboxMessage, ScheduledChange
from carrierdesk.scheduling.jobs import run as apply_due
from fixtures.panel import CONTACT_FORM, Panel, field_errors, flashes

TYPED_PASSWORD = "Blue-Kettle-42x"


def contacts(db_url: str) -> list[Contact]:
    with transaction(db_url) as session:
        return list(session.scalars(select(Contact).order_by(Contact.id)))


def outbox(db_url: str) -> list[OutboxMessage]:
    with transaction(db_url) as session:
        return list(session.scalars(select(OutboxMessage).order_by(OutboxMessage.id)))


def test_add_contact_with_generated_password(panel: Panel, db_url: str) -> None:
    customer_id = panel.new_customer()
    form = panel.get(f"/customers/{customer_id}/contacts/new").text
    assert 'id="f-auto_generate_password" name="auto_generate_password" value="on" checked' in form
    assert "DO NOT save passwords in notes" in form
    page = panel.submit(f"/customers/{customer_id}/contacts/new", CONTACT_FORM)
    assert any(
        "A generated password was emailed to ann@acme.example" in f for f in flashes(page.text)
    )
    assert "ann@acme.example" in page.text
    [contact] = contacts(db_url)
    assert (contact.phone, contact.contact_type) == ("+442071234567", "billing")
    assert contact.ip_whitelist == ["203.0.113.7", "198.51.100.0/24"]
    assert contact.enabled and not contact.email_verified and contact.password_hash
    [mail] = outbox(db_url)
    assert (mail.to, mail.status) == ("ann@acme.example", "held")
    assert mail.secrets[0] not in page.text
    assert "ann@acme.example" in panel.get("/email-log").text


def test_save_and_stay_clears_the_form_for_the_next_contact(panel: Panel) -> None:
    customer_id = panel.new_customer()
    page = panel.submit(f"/customers/{customer_id}/contacts/new", {**CONTACT_FORM, "save": "stay"})
    assert str(page.url).endswith(f"/customers/{customer_id}/contacts/new")
    assert any("Contact Ann Lee <ann@acme.example> added" in f for f in flashes(page.text))
    assert 'value="ann@acme.example"' not in page.text


def test_typed_password_breaking_the_policy_is_refused_and_never_shown(
    panel: Panel, db_url: str
) -> None:
    customer_id = panel.new_customer()
    form = {**CONTACT_FORM, "auto_generate_password": "", "password": "short"}
    answer = panel.post(f"/customers/{customer_id}/contacts/new", form)
    assert answer.status_code == 422
    message = field_errors(answer.text)["password"]
    assert "8 to 128 characters" in message and "upper-case" in message and "symbol" in message
    assert 'value="short"' not in answer.text
    assert 'value="Ann Lee"' in answer.text  # the rest of what was typed is kept
    assert contacts(db_url) == [] and outbox(db_url) == []

    page = panel.submit(
        f"/customers/{customer_id}/contacts/new", {**form, "password": TYPED_PASSWORD}
    )
    assert "generated password" not in " ".join(flashes(page.text))
    assert len(contacts(db_url)) == 1 and outbox(db_url) == []


def test_bad_fields_are_shown_under_each_field(panel: Panel, db_url: str) -> None:
    customer_id = panel.new_customer()
    bad = {**CONTACT_FORM, "email": "not-an-email", "phone": "12", "ip_whitelist": "10.0.0.999"}
    answer = panel.post(f"/customers/{customer_id}/contacts/new", bad)
    assert answer.status_code == 422
    errors = field_errors(answer.text)
    assert "valid email address" in errors["email"]
    assert "phone number" in errors["phone"]
    assert errors["ip_whitelist"] == "'10.0.0.999' is not an IP address or CIDR range"
    assert "10.0.0.999" in answer.text
    assert contacts(db_url) == []


def test_credential_in_notes_and_duplicate_email_are_refused(panel: Panel, db_url: str) -> None:
    customer_id = panel.new_customer()
    notes = {**CONTACT_FORM, "private_notes": "pwd=Hunter2!"}
    answer = panel.post(f"/customers/{customer_id}/contacts/new", notes)
    assert answer.status_code == 422
    assert "looks like a credential" in field_errors(answer.text)["private_notes"]
    assert contacts(db_url) == []

    panel.new_contact(customer_id)
    again = panel.post(
        f"/customers/{customer_id}/contacts/new", {**CONTACT_FORM, "email": "ANN@acme.example"}
    )
    assert again.status_code == 422
    assert field_errors(again.text)["email"] == "is already used by another contact"
    assert len(contacts(db_url)) == 1


def test_edit_with_delay_and_save_is_applied_later(panel: Panel, db_url: str) -> None:
    customer_id = panel.new_customer()
    contact_id = panel.new_contact(customer_id)
    form = panel.get(f"/contacts/{contact_id}/edit").text
    assert 'value="Ann Lee"' in form and "203.0.113.7\n198.51.100.0/24" in form
    at = (datetime.now(UTC) + timedelta(hours=2)).replace(microsecond=0)
    edit = {**CONTACT_FORM, "name": "Ann Lee-Smith", "save": "delay", "delay": "at"}
    page = panel.submit(
        f"/contacts/{contact_id}/edit", {**edit, "delay_at": at.strftime("%Y-%m-%dT%H:%M:%S")}
    )
    expected = f"scheduled for {at.strftime('%Y-%m-%d %H:%M:%S')} UTC"
    assert any(expected in f for f in flashes(page.text)), flashes(page.text)
    assert contacts(db_url)[0].name == "Ann Lee"
    delay_log = panel.get("/delay-log?status=pending").text
    assert "Edit contact Ann Lee" in delay_log
    name_line = re.search(r'<li data-field="name">(.*?)</li>', delay_log, re.S)
    assert name_line and re.sub(r"<[^>]+>", "", name_line[1]) == "Name: Ann Lee → Ann Lee-Smith"

    with transaction(db_url) as session:
        assert apply_due(session, now=at + timedelta(seconds=1)) == 1
    assert contacts(db_url)[0].name == "Ann Lee-Smith"
    assert "Ann Lee-Smith" in panel.get(f"/customers/{customer_id}").text
    audit = panel.get("/audit-log?actor=scheduled+by").text
    assert "Contact Ann Lee-Smith &lt;ann@acme.example&gt; updated" in audit


def test_delay_in_the_past_is_refused(panel: Panel, db_url: str) -> None:
    customer_id = panel.new_customer()
    contact_id = panel.new_contact(customer_id)
    past = (datetime.now(UTC) - timedelta(minutes=5)).strftime("%Y-%m-%dT%H:%M")
    form = {**CONTACT_FORM, "name": "Later", "save": "delay", "delay": "at", "delay_at": past}
    answer = panel.post(f"/contacts/{contact_id}/edit", form)
    assert answer.status_code == 422
    assert "must be in the future" in field_errors(answer.text)["apply_at"]
    with transaction(db_url) as session:
        assert session.scalar(select(func.count()).select_from(ScheduledChange)) == 0
    assert contacts(db_url)[0].name == "Ann Lee"


def test_edit_save_and_continue_and_stay(panel: Panel, db_url: str) -> None:
    customer_id = panel.new_customer()
    contact_id = panel.new_contact(customer_id)
    page = panel.submit(
        f"/contacts/{contact_id}/edit", {**CONTACT_FORM, "email_verified": "on", "save": "stay"}
    )
    assert str(page.url).split("?")[0].endswith(f"/contacts/{contact_id}/edit")
    assert "Contact Ann Lee <ann@acme.example> saved." in flashes(page.text)
    assert contacts(db_url)[0].email_verified
    bad = panel.post(f"/contacts/{contact_id}/edit", {**CONTACT_FORM, "mobile": "+1 555"})
    assert bad.status_code == 422 and "mobile" in field_errors(bad.text)
    assert contacts(db_url)[0].mobile is None


def test_change_password(panel: Panel, db_url: str) -> None:
    customer_id = panel.new_customer()
    contact_id = panel.new_contact(customer_id)
    before = contacts(db_url)[0].password_hash
    weak = "ann@acme.example1A!"
    refused = panel.post(
        f"/contacts/{contact_id}/password", {"password": weak, "confirm_password": weak}
    )
    assert refused.status_code == 422
    assert "must not be or contain the email address" in field_errors(refused.text)["password"]
    assert contacts(db_url)[0].password_hash == before
    mismatch = {"password": TYPED_PASSWORD, "confirm_password": TYPED_PASSWORD + "x"}
    refused = panel.post(f"/contacts/{contact_id}/password", mismatch)
    assert field_errors(refused.text) == {"confirm_password": "does not match the new password"}
    assert contacts(db_url)[0].password_hash == before
    form = panel.get(f"/contacts/{contact_id}/password").text
    assert "with an upper-case and a lower-case letter, a digit and a symbol" in form

    typed = {"password": TYPED_PASSWORD, "confirm_password": TYPED_PASSWORD}
    page = panel.submit(f"/contacts/{contact_id}/password", typed)
    assert "The password of ann@acme.example was changed." in flashes(page.text)
    typed = contacts(db_url)[0].password_hash
    assert typed != before and len(outbox(db_url)) == 1

    page = panel.submit(f"/contacts/{contact_id}/password", {"auto_generate": "on"})
    assert any("generated and emailed" in f for f in flashes(page.text))
    assert contacts(db_url)[0].password_hash != typed and len(outbox(db_url)) == 2


def test_delete_one_and_selected_contacts(panel: Panel, db_url: str) -> None:
    customer_id = panel.new_customer()
    ids = [panel.new_contact(customer_id, email=f"c{i}@acme.example") for i in range(3)]
    confirm = panel.get(f"/customers/{customer_id}/contacts/delete?ids={ids[0]}&ids={ids[1]}")
    assert "Delete 2 contacts of Acme Telecom?" in confirm.text
    page = panel.submit("/contacts/delete", {"ids": [str(ids[0]), str(ids[1])]})
    assert any(f.startswith("Deleted:") for f in flashes(page.text))
    assert [c.id for c in contacts(db_url)] == [ids[2]]
    panel.submit("/contacts/delete", {"ids": [str(ids[2])]})
    assert contacts(db_url) == []
    with transaction(db_url) as session:
        deleted = session.scalar(
            select(func.count()).select_from(AuditEntry).where(AuditEntry.action == "delete")
        )
    assert deleted == 3


def test_deleting_more_contacts_than_the_cap_at_once_is_refused_whole(
    panel: Panel, db_url: str
) -> None:
    """Issue 9, gap 9: a selection of 501 ids (one real) deletes nothing, and says why."""
    customer_id = panel.new_customer()
    kept = panel.new_contact(customer_id)
    ids = [kept, *range(10_000, 10_500)]
    message = "ids: at most 500 contacts can be deleted at once (got 501); nothing was deleted."
    query = "&".join(f"ids={i}" for i in ids)
    confirm = panel.get(f"/customers/{customer_id}/contacts/delete?{query}")
    assert message in flashes(confirm.text)
    page = panel.submit("/contacts/delete", {"ids": [str(i) for i in ids]})
    assert message in flashes(page.text)
    assert [c.id for c in contacts(db_url)] == [kept]
    page = panel.submit("/contacts/delete", {"ids": [str(kept)]})
    assert any(f.startswith("Deleted:") for f in flashes(page.text))
    assert contacts(db_url) == []


def test_global_contacts_search_filter_sort_and_add(panel: Panel, db_url: str) -> None:
    acme = panel.new_customer()
    nimbus = panel.new_customer(name="Nimbus Voice", reference="NV-1")
    panel.new_contact(acme)
    panel.new_contact(nimbus, name="Raj Patel", email="raj@nimbus.example", contact_type="noc")
    listing = panel.get("/contacts").text
    assert listing.index("Ann Lee") < listing.index("Raj Patel")
    by_name_desc = panel.get("/contacts?sort=-name").text
    assert by_name_desc.index("Raj Patel") < by_name_desc.index("Ann Lee")
    found = panel.get("/contacts?q=nimbus").text
    assert "Raj Patel" in found and "Ann Lee" not in found
    assert "Ann Lee" not in panel.get("/contacts?contact_type=noc").text
    assert "No contacts match" in panel.get("/contacts?email_verified=yes").text

    form = panel.get("/contacts/new").text
    assert "Choose a company" in form and "Nimbus Voice" in form
    missing = panel.post("/contacts/new", {**CONTACT_FORM, "email": "new@nimbus.example"})
    assert missing.status_code == 422
    assert "choose the company" in field_errors(missing.text)["customer_id"]
    added = {**CONTACT_FORM, "email": "new@nimbus.example", "customer_id": str(nimbus)}
    page = panel.submit("/contacts/new", added)
    assert str(page.url).endswith("/contacts")
    assert [c.customer_id for c in contacts(db_url) if c.email == "new@nimbus.example"] == [nimbus]


def test_viewer_cannot_add_or_change_contacts(
    panel: Panel, viewer_panel: Panel, db_url: str
) -> None:
    customer_id = panel.new_customer()
    contact_id = panel.new_contact(customer_id)
    assert "Add contact" not in viewer_panel.get("/contacts").text
    for path, form in (
        (f"/customers/{customer_id}/contacts/new", {**CONTACT_FORM, "email": "x@acme.example"}),
        (f"/contacts/{contact_id}/edit", {**CONTACT_FORM, "name": "Changed"}),
        (f"/contacts/{contact_id}/password", {"auto_generate": "on"}),
        ("/contacts/delete", {"ids": str(contact_id)}),
    ):
        assert viewer_panel.post(path, form).status_code == 403, path
    [contact] = contacts(db_url)
    assert contact.name == "Ann Lee" and len(outbox(db_url)) == 1
