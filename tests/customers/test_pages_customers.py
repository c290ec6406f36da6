"""Control Panel › Customers: list, form with save options, the customer page, delete."""

from __future__ import annotations

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import select

from carrierdesk.db import transaction
from carrierdesk.models import AuditEntry, Customer, ScheduledChange
from fixtures.database import count
from fixtures.panel import CUSTOMER_FORM, Panel, field_errors, flashes


def customer(db_url: str, customer_id: int) -> Customer:
    with transaction(db_url) as session:
        found = session.get(Customer, customer_id)
        assert found is not None
        return found


@pytest.mark.parametrize(
    "path",
    ["/customers", "/customers/new", "/customers/1", "/contacts", "/delay-log", "/audit-log"],
)
def test_anonymous_is_sent_to_login(client: TestClient, path: str) -> None:
    answer = client.get(path, follow_redirects=False)
    assert answer.status_code == 303
    assert answer.headers["location"].startswith("/login?next=")


def test_create_customer_shows_it_on_its_page_and_in_the_list(panel: Panel, db_url: str) -> None:
    page = panel.submit("/customers/new", CUSTOMER_FORM)
    assert page.status_code == 200
    assert "Customer Acme Telecom created." in flashes(page.text)
    assert "Channels 120" in page.text and 'data-status="active"' in page.text
    assert 'data-tab="main"' in page.text and "aria-current" in page.text
    for tab in ("auth", "conferences", "cdrs", "invoices"):
        assert f'/customers/1/{tab}"' in page.text
    assert 'id="contacts-panel"' in page.text
    assert "Internal Number Block" in page.text and "Summary" in page.text
    assert "Daily" in page.text and "Monthly" in page.text

    stored = customer(db_url, 1)
    assert (stored.currency, stored.channels, stored.reference) == ("EUR", 120, "ACME-1")
    assert str(stored.tax_rate.normalize()) == "2E+1"

    listing = panel.get("/customers?q=acme-1").text
    assert "Acme Telecom" in listing
    assert "Acme Telecom" not in panel.get("/customers?status=penalty").text


def test_bad_customer_input_is_shown_by_field_and_nothing_is_stored(
    panel: Panel, db_url: str
) -> None:
    bad = {**CUSTOMER_FORM, "name": "", "tax_rate": "101", "currency": "XXX", "channels": "-1"}
    answer = panel.post("/customers/new", bad)
    assert answer.status_code == 422
    errors = field_errors(answer.text)
    assert errors["name"] == "is required"
    assert "must be 100 or less" in errors["tax_rate"]
    assert "ISO 4217" in errors["currency"]
    assert "must be 0 or more" in errors["channels"]
    assert 'value="ACME-1"' in answer.text  # what was typed is kept
    assert count(db_url, Customer) == 0


def test_duplicate_reference_is_refused_under_the_field(panel: Panel, db_url: str) -> None:
    panel.new_customer()
    answer = panel.post("/customers/new", {**CUSTOMER_FORM, "name": "Other Ltd"})
    assert answer.status_code == 422
    assert field_errors(answer.text)["reference"] == "is already used by another customer"
    assert count(db_url, Customer) == 1


def test_save_and_stay_returns_to_an_empty_form(panel: Panel) -> None:
    page = panel.submit("/customers/new", {**CUSTOMER_FORM, "save": "stay"})
    assert "Customer Acme Telecom created." in flashes(page.text)
    assert "New Customer" in page.text and 'value="ACME-1"' not in page.text


def test_edit_customer_currency_is_fixed(panel: Panel, db_url: str) -> None:
    customer_id = panel.new_customer()
    form = panel.get(f"/customers/{customer_id}/edit").text
    assert 'id="f-currency" value="EUR" readonly disabled' in form
    changed = {**CUSTOMER_FORM, "status": "penalty", "channels": "30", "save": "stay"}
    refused = panel.post(f"/customers/{customer_id}/edit", {**changed, "currency": "USD"})
    assert refused.status_code == 422
    assert field_errors(refused.text)["currency"] == "cannot be changed once the customer exists"
    assert customer(db_url, customer_id).status == "active"
    del changed["currency"]
    page = panel.submit(f"/customers/{customer_id}/edit", changed)
    assert "Customer Acme Telecom saved." in flashes(page.text), field_errors(page.text)
    stored = customer(db_url, customer_id)
    assert (stored.status, stored.channels, stored.currency) == ("penalty", 30, "EUR")
    assert count(db_url, AuditEntry, AuditEntry.action == "update") == 1


def test_delay_and_save_on_a_customer_schedules_the_change(panel: Panel, db_url: str) -> None:
    customer_id = panel.new_customer()
    form = {**CUSTOMER_FORM, "channels": "500", "save": "delay", "delay": "1h"}
    page = panel.submit(f"/customers/{customer_id}/edit", form)
    assert any("scheduled for" in f for f in flashes(page.text))
    assert customer(db_url, customer_id).channels == 120
    with transaction(db_url) as session:
        change = session.scalars(select(ScheduledChange)).one()
        assert (change.status, change.payload) == ("pending", {"channels": 500})
    assert "Edit customer Acme Telecom" in panel.get("/delay-log?status=pending").text


def test_delete_is_refused_while_the_customer_has_contacts(panel: Panel, db_url: str) -> None:
    customer_id = panel.new_customer()
    panel.new_contact(customer_id)
    answer = panel.post(f"/customers/{customer_id}/delete")
    assert answer.status_code == 409
    assert "still has 1 contacts" in field_errors(answer.text)["_form"]
    assert count(db_url, Customer) == 1


def test_delete_customer(panel: Panel, db_url: str) -> None:
    customer_id = panel.new_customer()
    assert "Delete customer Acme Telecom?" in panel.get(f"/customers/{customer_id}/delete").text
    page = panel.submit(f"/customers/{customer_id}/delete")
    assert "Customer Acme Telecom deleted." in flashes(page.text)
    assert count(db_url, Customer) == 0


def test_a_form_without_the_csrf_token_is_refused(panel: Panel, db_url: str) -> None:
    answer = panel.client.post("/customers/new", data=CUSTOMER_FORM, follow_redirects=False)
    assert answer.status_code == 403
    assert "did not come from this site" in answer.text
    assert count(db_url, Customer) == 0


def test_viewer_sees_no_edit_buttons_and_cannot_post(
    panel: Panel, viewer_panel: Panel, db_url: str
) -> None:
    customer_id = panel.new_customer()
    panel.new_contact(customer_id)
    listing = viewer_panel.get("/customers").text
    assert "Acme Telecom" in listing and "New Customer" not in listing
    page = viewer_panel.get(f"/customers/{customer_id}").text
    assert "Ann Lee" in page
    for control in ("/edit", "Add contact", "Delete selected", "Change Password"):
        assert control not in page
    assert 'id="summary-refresh"' not in page  # a refresh is a write (issue 9, gap 10)
    assert 'id="summary-refresh"' in panel.get(f"/customers/{customer_id}").text
    answer = viewer_panel.post("/customers/new", {**CUSTOMER_FORM, "reference": "V-1"})
    assert answer.status_code == 403
    assert "may not make changes" in answer.text
    edit = viewer_panel.post(f"/customers/{customer_id}/edit", {**CUSTOMER_FORM, "name": "X"})
    assert edit.status_code == 403
    assert count(db_url, Customer) == 1 and customer(db_url, customer_id).name == "Acme Telecom"


def test_operator_may_edit_but_not_open_settings(operator_panel: Panel) -> None:
    assert operator_panel.submit("/customers/new", CUSTOMER_FORM).status_code == 200
    assert operator_panel.get("/settings/options").status_code == 403


def test_portal_login_opens_the_portal_as_the_contact(
    panel: Panel, viewer_panel: Panel, db_url: str
) -> None:
    customer_id = panel.new_customer()
    contact_id = panel.new_contact(customer_id)
    menu = panel.get(f"/customers/{customer_id}/portal-menu").text
    assert f'action="/contacts/{contact_id}/portal-login"' in menu and "Ann Lee" in menu
    assert "Open the portal" in panel.get(f"/contacts/{contact_id}/portal-login").text

    assert viewer_panel.post(f"/contacts/{contact_id}/portal-login").status_code == 403
    answer = panel.post(f"/contacts/{contact_id}/portal-login")
    assert answer.status_code == 303
    assert answer.headers["location"].startswith("/portal/impersonate?token=")
    assert count(db_url, AuditEntry, AuditEntry.action == "impersonate") == 1


def test_unknown_customer_is_404(panel: Panel) -> None:
    assert panel.get("/customers/999").status_code == 404


def test_customer_list_pages(panel: Panel, db_url: str) -> None:
    with transaction(db_url) as session:
        for n in range(55):
            session.add(Customer(name=f"Carrier {n:02d}"))
    first = panel.get("/customers").text
    assert "1–50 of 55" in first and "Carrier 00" in first and "Carrier 50" not in first
    second = panel.get("/customers?q=&status=&offset=50").text
    assert "51–55 of 55" in second and "Carrier 54" in second and "Carrier 00" not in second


def test_contacts_panel_refreshes_alone(panel: Panel) -> None:
    customer_id = panel.new_customer()
    panel.new_contact(customer_id)
    partial = panel.get(f"/customers/{customer_id}/contacts-panel", headers={"HX-Request": "true"})
    assert partial.status_code == 200
    assert partial.text.lstrip().startswith('<div class="card shadow-sm" id="contacts-panel">')
    assert "Ann Lee" in partial.text and "<html" not in partial.text
