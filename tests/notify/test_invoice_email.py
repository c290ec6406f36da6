"""The invoice email (PRODUCT.md §9): an issued invoice, by hand or by schedule, reaches the
customer's billing contacts (every contact when none is one) through the outbox and a real SMTP
server, with its PDF attached; the customer's "Email invoices" setting turns it off; an invoice
voided before its email left is not sent."""

from __future__ import annotations

from email.message import EmailMessage
from io import BytesIO

from pypdf import PdfReader

from carrierdesk.config import get_settings
from carrierdesk.db import transaction
from carrierdesk.invoices.jobs import run as auto_generate_job
from carrierdesk.models import Customer, OutboxMessage
from carrierdesk.worker.loop import run_once
from fixtures.builders import make_contact, make_customer
from fixtures.panel import CUSTOMER_FORM, Panel
from fixtures.smtp import Inbox
from invoices.invoice_helpers import call, calls, generate
from support import PASSWORD, Api


def invoice_mails(smtp: Inbox) -> list[EmailMessage]:
    return [m for m in smtp.messages if str(m["Subject"]).startswith("Invoice ")]


def pdf_of(mail: EmailMessage) -> tuple[str, bytes]:
    [attachment] = list(mail.iter_attachments())
    assert attachment.get_content_type() == "application/pdf"
    return str(attachment.get_filename()), bytes(attachment.get_content())


def text_of(pdf: bytes) -> str:
    return "\n".join(page.extract_text() for page in PdfReader(BytesIO(pdf)).pages)


def acme_with_contacts(operator: Api, **fields: object) -> int:
    """Acme with a billing contact, a technical contact and a disabled billing contact."""
    acme = make_customer(operator, "Acme Telecom", currency="EUR", **fields)
    make_contact(
        operator, acme, "Bea Billing", "bea@acme.example", PASSWORD, contact_type="billing"
    )
    make_contact(operator, acme, "Ted Tech", "ted@acme.example", PASSWORD, contact_type="technical")
    make_contact(
        operator,
        acme,
        "Old Billing",
        "old@acme.example",
        PASSWORD,
        contact_type="billing",
        enabled=False,
    )
    return acme


def test_an_invoice_issued_by_hand_reaches_the_billing_contacts_with_its_pdf(
    smtp: Inbox, operator: Api, admin: Api, panel: Panel, db_url: str
) -> None:
    acme = acme_with_contacts(operator)
    calls(operator, [call("a", acme, "2026-10-01", "12.5", currency="EUR")])
    [invoice] = generate(operator, acme, "daily", "2026-10-01").json()["items"]

    assert run_once(db_url)["outbox delivery"] == 1
    [mail] = invoice_mails(smtp)
    assert mail["To"] == "bea@acme.example"
    assert mail["Subject"] == f"Invoice {invoice['number']} from {get_settings().carrier_name}"
    body = mail.get_body(preferencelist=("plain",))
    assert body is not None
    text = body.get_content()
    assert "Hello Bea Billing" in text and "12.50 EUR" in text and "2026-10-01" in text
    name, pdf = pdf_of(mail)
    assert name == f"{invoice['number']}.pdf" and pdf.startswith(b"%PDF")
    downloaded = operator.get(f"/invoices/{invoice['id']}/pdf").content
    assert text_of(pdf) == text_of(downloaded)  # the PDF Download PDF gives
    assert invoice["number"] in text_of(pdf) and "12.50" in text_of(pdf)

    log = admin.get("/outbox", params={"to": "bea@"}).json()["items"]
    assert [m["status"] for m in log if m["subject"].startswith("Invoice")] == ["sent"]
    assert run_once(db_url)["outbox delivery"] == 0 and len(invoice_mails(smtp)) == 1
    shown = panel.get(f"/invoices/{invoice['id']}").text.split('id="invoice-emails">', 1)[1]
    assert shown.startswith('<div>bea@acme.example <span class="badge text-bg-success">sent<')


def test_without_a_billing_contact_every_contact_gets_it(
    smtp: Inbox, operator: Api, db_url: str
) -> None:
    beta = make_customer(operator, "Beta Voice")
    make_contact(operator, beta, "Ann", "ann@beta.example", PASSWORD, contact_type="general")
    make_contact(operator, beta, "Nick", "nick@beta.example", PASSWORD, contact_type="noc")
    calls(operator, [call("b", beta, "2026-10-02", "3")])
    assert generate(operator, beta, "daily", "2026-10-02").status_code == 201
    run_once(db_url)
    mails = invoice_mails(smtp)
    assert sorted(str(m["To"]) for m in mails) == ["ann@beta.example", "nick@beta.example"]
    assert all(pdf_of(m)[1].startswith(b"%PDF") for m in mails)


def test_an_invoice_issued_by_schedule_is_emailed_too(
    smtp: Inbox, operator: Api, db_url: str
) -> None:
    acme = acme_with_contacts(operator, invoice_schedule="daily")
    calls(operator, [call("a", acme, "2026-10-01", "1", currency="EUR")])
    with transaction(db_url) as session:
        assert auto_generate_job(session) == 1  # the worker's invoice schedules
    run_once(db_url)
    [mail] = invoice_mails(smtp)
    assert mail["To"] == "bea@acme.example" and pdf_of(mail)[1].startswith(b"%PDF")


def test_the_customer_setting_turns_it_off(smtp: Inbox, operator: Api, db_url: str) -> None:
    acme = acme_with_contacts(operator)
    assert operator.get(f"/customers/{acme}").json()["email_invoices"] is True  # default on
    turned = operator.patch(f"/customers/{acme}", {"email_invoices": False})
    assert turned.status_code == 200 and turned.json()["email_invoices"] is False
    calls(operator, [call("a", acme, "2026-10-01", "1", currency="EUR")])
    assert generate(operator, acme, "daily", "2026-10-01").status_code == 201
    run_once(db_url)
    assert invoice_mails(smtp) == []
    with transaction(db_url) as session:
        queued = session.query(OutboxMessage).filter(OutboxMessage.invoice_id.is_not(None))
        assert queued.count() == 0


def test_an_invoice_voided_before_its_email_left_is_not_sent(
    smtp: Inbox, operator: Api, admin: Api, db_url: str
) -> None:
    acme = acme_with_contacts(operator)
    calls(operator, [call("a", acme, "2026-10-01", "1", currency="EUR")])
    [invoice] = generate(operator, acme, "daily", "2026-10-01").json()["items"]
    voided = operator.post(f"/invoices/{invoice['id']}/void", {"reason": "wrong customer"})
    assert voided.status_code == 200
    run_once(db_url)
    assert invoice_mails(smtp) == []
    [message] = [
        m for m in admin.get("/outbox").json()["items"] if m["subject"].startswith("Invoice")
    ]
    assert message["status"] == "cancelled"
    assert message["last_error"] == f"Invoice {invoice['number']} was voided."
    cancelled = admin.get("/audit-log", params={"action": "email_cancelled"}).json()["items"]
    assert len(cancelled) == 1 and "voided before it left" in cancelled[0]["message"]


def test_the_setting_is_on_the_customer_form(panel: Panel, db_url: str) -> None:
    form = panel.get("/customers/new").text
    box = form.split('id="f-email_invoices"', 1)[1].split(">", 1)[0]
    assert "checked" in box  # on by default
    customer_id = panel.new_customer()
    edit = {k: v for k, v in CUSTOMER_FORM.items() if k != "email_invoices"}  # unticked
    assert panel.post(f"/customers/{customer_id}/edit", edit).status_code == 303
    again = panel.get(f"/customers/{customer_id}/edit").text
    assert "checked" not in again.split('id="f-email_invoices"', 1)[1].split(">", 1)[0]
    with transaction(db_url) as session:
        assert session.get_one(Customer, customer_id).email_invoices is False
    log = panel.get(f"/audit-log?customer_id={customer_id}&action=update").text
    assert 'Email invoices</span>: <span class="text-body-secondary">yes</span> → no' in log
