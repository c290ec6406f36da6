"""Issue 9, gap 2: secrets in stored messages (generated passwords, password-reset and
email-verification links, SMS codes) are masked for everyone in the Email Log and
GET /api/v1/outbox; an admin's reveal is explicit and audited (never with the secret); the
reset flow stays usable without SMTP; delivery by SMTP still sends the real message."""

from __future__ import annotations

import html
import re
from dataclasses import dataclass
from pathlib import Path
from typing import Any
from urllib.parse import quote

import pytest
from fastapi.testclient import TestClient
from markupsafe import escape
from sqlalchemy import func, select

from carrierdesk.auth.principals import CLI, Principal
from carrierdesk.config import get_settings
from carrierdesk.db import transaction
from carrierdesk.models import AuditEntry, Contact, OutboxMessage
from carrierdesk.notify.service import SECRET_MASK, message_contact, queue
from carrierdesk.portal import service as portal_service
from carrierdesk.worker.loop import run_once
from fixtures.builders import make_customer
from fixtures.panel import Panel
from fixtures.smtp import Inbox
from support import Api

NEW_PASSWORD = "Fresh!Passw0rd-27"
NOT_ADMIN = "Your role ({role}) may not change settings."


@dataclass
class Held:
    """Every kind of held message with a secret, and the secrets as stored in the database."""

    contact_id: int
    welcome: int
    reset_by_staff: int
    reset_link: int
    verify_link: int
    sms: int
    secrets: dict[int, list[str]]  # message id: the real secret values
    bodies: dict[int, str]  # message id: the real text as it would be delivered


def rows(db_url: str) -> list[OutboxMessage]:
    with transaction(db_url) as session:
        found = list(session.scalars(select(OutboxMessage).order_by(OutboxMessage.id)))
        session.expunge_all()
        return found


def snapshot(db_url: str) -> list[tuple[Any, ...]]:
    return [
        (m.id, m.subject, m.body, m.body_html, m.secrets, m.masked, m.status) for m in rows(db_url)
    ]


def audit_count(db_url: str) -> int:
    with transaction(db_url) as session:
        return int(session.scalar(select(func.count()).select_from(AuditEntry)) or 0)


def make_held(operator: Api, db_url: str) -> Held:
    """A contact gets a generated password, a staff reset, a reset link, a verification link
    and an SMS code: five held messages (no SMTP is configured)."""
    acme = make_customer(operator, "Acme Telecom")
    contact = operator.post(
        f"/customers/{acme}/contacts",
        {"name": "Ann Lee", "email": "ann@acme.example", "mobile": "+447911123456"},
    ).json()
    assert (
        operator.post(f"/contacts/{contact['id']}/password", {"auto_generate": True}).status_code
        == 204
    )
    with transaction(db_url) as session:
        portal_service.request_password_reset(session, "ann@acme.example", "198.51.100.9")
        row = session.get(Contact, contact["id"])
        assert row is not None
        me = Principal("contact", row.id, row.email, customer_id=row.customer_id, via="portal")
        portal_service.send_email_verification(session, me)
        portal_service.send_mobile_code(session, me)
    found = rows(db_url)
    assert [m.status for m in found] == ["held"] * 5
    assert all(m.secrets for m in found)
    ids = [m.id for m in found]
    return Held(
        contact["id"],
        *ids,
        secrets={m.id: list(m.secrets) for m in found},
        bodies={m.id: m.body for m in found},
    )


def every_secret(held: Held) -> list[str]:
    """The secret values, and the links and password lines they appear in."""
    values = [s for secrets in held.secrets.values() for s in secrets]
    links = re.findall(r"https?://\S+", "\n".join(held.bodies.values()))
    tokenised = [link for link in links if "token=" in link]
    assert len(tokenised) == 2  # the reset and the verification links
    return [
        *values,
        *tokenised,
        *(quote(v, safe="") for v in values),
        *map(html.escape, values),
        *(str(escape(v)) for v in values),
    ]


def assert_no_secret(text: str, held: Held) -> None:
    leaked = [s for s in every_secret(held) if s in text]
    assert leaked == [], f"secrets leaked: {leaked}"


def password_in(text: str) -> str:
    return next(line.split()[-1] for line in text.splitlines() if "Password:" in line)


# --- the API ----------------------------------------------------------------------------------


def test_outbox_api_masks_every_secret_for_viewer_operator_and_admin(
    viewer: Api, operator: Api, admin: Api, db_url: str
) -> None:
    held = make_held(operator, db_url)
    real_password = password_in(held.bodies[held.welcome])
    assert real_password in held.secrets[held.welcome]
    for who in (viewer, operator, admin):
        for kind in ("email", "sms"):
            answer = who.get("/outbox", params={"kind": kind})
            assert answer.status_code == 200
            assert_no_secret(answer.text, held)
        items = {m["id"]: m for m in who.get("/outbox").json()["items"]}
        assert set(items) == set(held.secrets)
        assert all(m["revealable"] is True for m in items.values())
        assert f"Password: {SECRET_MASK}" in items[held.welcome]["body"]
        assert f"Password: {SECRET_MASK}" in items[held.reset_by_staff]["body"]
        assert f"reset-password?token={SECRET_MASK}" in items[held.reset_link]["body"]
        assert f"verify-email?token={SECRET_MASK}" in items[held.verify_link]["body"]
        assert items[held.sms]["body"].startswith(f"{SECRET_MASK} is your carrierdesk verification")
        # the rest of the message is shown as it is
        assert "Hello Ann Lee" in items[held.welcome]["body"]
        assert "Login:    ann@acme.example" in items[held.welcome]["body"]


@pytest.mark.parametrize("role", ["viewer", "operator"])
def test_reveal_is_refused_to_viewer_and_operator(
    role: str, viewer: Api, operator: Api, db_url: str
) -> None:
    held = make_held(operator, db_url)
    who = {"viewer": viewer, "operator": operator}[role]
    before, entries = snapshot(db_url), audit_count(db_url)
    for message_id in held.secrets:
        answer = who.post(f"/outbox/{message_id}/reveal")
        assert answer.status_code == 403
        assert answer.headers["content-type"].startswith("application/problem+json")
        assert answer.json()["detail"] == NOT_ADMIN.format(role=role)
        assert_no_secret(answer.text, held)
    assert snapshot(db_url) == before and audit_count(db_url) == entries


def test_admin_reveal_shows_the_secret_and_is_audited_without_it(
    operator: Api, admin: Api, db_url: str
) -> None:
    held = make_held(operator, db_url)
    before = snapshot(db_url)
    answer = admin.post(f"/outbox/{held.welcome}/reveal")
    assert answer.status_code == 200
    assert answer.headers["cache-control"] == "no-store"
    revealed = answer.json()
    assert revealed["id"] == held.welcome and revealed["body"] == held.bodies[held.welcome]
    assert password_in(revealed["body"]) == held.secrets[held.welcome][0]

    sms = admin.post(f"/outbox/{held.sms}/reveal").json()
    assert sms["body"].startswith(held.secrets[held.sms][0] + " is your")

    # the stored messages are unchanged, and the list stays masked after a reveal
    assert snapshot(db_url) == before
    assert_no_secret(admin.get("/outbox").text, held)

    with transaction(db_url) as session:
        entries = list(
            session.scalars(
                select(AuditEntry)
                .where(AuditEntry.action.in_(["email_revealed", "sms_revealed"]))
                .order_by(AuditEntry.id)
            )
        )
        assert [(e.action, e.table_name, e.record_id) for e in entries] == [
            ("email_revealed", "outbox", held.welcome),
            ("sms_revealed", "outbox", held.sms),
        ]
        for entry in entries:
            assert entry.actor == "token:test admin" and entry.actor_kind == "token"
            assert entry.contact_id == held.contact_id
            everything = repr({c.key: getattr(entry, c.key) for c in AuditEntry.__table__.c})
            assert_no_secret(everything, held)
        assert entries[0].message == (
            f"Secrets of Email 'Your carrierdesk Customer Portal login' #{held.welcome} "
            "to ann@acme.example revealed to token:test admin"
        )
    log = admin.get("/audit-log", params={"action": "email_revealed"})
    assert log.status_code == 200 and len(log.json()["items"]) == 1
    assert_no_secret(log.text, held)


def test_reveal_answers_for_missing_and_secretless_messages(
    operator: Api, admin: Api, db_url: str
) -> None:
    held = make_held(operator, db_url)
    missing = admin.post("/outbox/999999/reveal")
    assert missing.status_code == 404 and missing.json()["detail"] == "Message not found."
    # a confirmation email holds no secret: nothing to reveal
    with transaction(db_url) as session:
        contact = session.get(Contact, held.contact_id)
        assert contact is not None
        message_contact(
            session, CLI, contact, "contact_password_changed", extra={"when": "2026-11-28 10:00"}
        )
    plain = rows(db_url)[-1]
    assert plain.masked is None and plain.secrets == []
    entries = audit_count(db_url)
    answer = admin.post(f"/outbox/{plain.id}/reveal")
    assert answer.status_code == 409
    assert (
        answer.json()["detail"] == "This message holds no secret: its full text is already shown."
    )
    assert audit_count(db_url) == entries
    listed = {m["id"]: m for m in admin.get("/outbox").json()["items"]}
    assert listed[plain.id]["revealable"] is False
    assert listed[plain.id]["body"] == plain.body


def test_reset_link_is_usable_without_smtp_once_an_admin_reveals_it(
    client: TestClient, operator: Api, admin: Api, db_url: str
) -> None:
    held = make_held(operator, db_url)
    body = admin.post(f"/outbox/{held.reset_link}/reveal").json()["body"]
    link = next(line.strip() for line in body.splitlines() if "reset-password?token=" in line)
    path = "/portal/" + link.split("/portal/", 1)[1]
    token = path.split("token=", 1)[1]
    assert token == held.secrets[held.reset_link][0]

    page = client.get(path)
    assert page.status_code == 200 and "Choose a new password" in page.text
    csrf = re.search(r'<meta name="csrf-token" content="([^"]*)">', page.text)
    form = {"token": token, "new_password": NEW_PASSWORD, "confirm_password": NEW_PASSWORD}
    if csrf and csrf.group(1):
        form["csrf_token"] = csrf.group(1)
    done = client.post("/portal/reset-password", data=form, follow_redirects=False)
    assert done.status_code == 303 and done.headers["location"] == "/portal/login"
    login = client.post(
        "/api/v1/auth/token", json={"email": "ann@acme.example", "password": NEW_PASSWORD}
    )
    assert login.status_code == 200 and login.json()["principal"]["id"] == held.contact_id


# --- the Email Log page ---------------------------------------------------------------------


def test_email_log_page_masks_secrets_for_viewer_and_operator(
    viewer_panel: Panel, operator_panel: Panel, operator: Api, db_url: str
) -> None:
    held = make_held(operator, db_url)
    for who in (viewer_panel, operator_panel):
        page = who.get("/email-log")
        assert page.status_code == 200
        assert "Your carrierdesk Customer Portal login" in page.text
        assert html.escape(f"Password: {SECRET_MASK}") in page.text
        assert "Secrets are hidden; an admin can reveal them." in page.text
        assert "/reveal" not in page.text  # no Reveal button
        assert_no_secret(page.text, held)
        assert_no_secret(html.unescape(page.text), held)

        before, entries = snapshot(db_url), audit_count(db_url)
        refused = who.post(f"/email-log/{held.welcome}/reveal")
        assert refused.status_code == 403
        assert_no_secret(refused.text, held)
        assert snapshot(db_url) == before and audit_count(db_url) == entries


def test_admin_reveals_on_the_email_log_page(panel: Panel, operator: Api, db_url: str) -> None:
    held = make_held(operator, db_url)
    page = panel.get("/email-log")
    assert_no_secret(page.text, held)
    assert f'action="/email-log/{held.welcome}/reveal"' in page.text
    assert f'action="/email-log/{held.reset_link}/reveal"' in page.text

    without_token = panel.post(f"/email-log/{held.reset_link}/reveal", csrf=False)
    assert without_token.status_code == 403
    assert_no_secret(without_token.text, held)

    shown = panel.post(f"/email-log/{held.reset_link}/reveal", {"to": "", "offset": "0"})
    assert shown.status_code == 200
    assert shown.headers["cache-control"] == "no-store"
    text = html.unescape(shown.text)
    assert f"reset-password?token={held.secrets[held.reset_link][0]}" in text
    assert "Revealed to you; this was recorded in the Audit Log." in text
    # only that message: the others stay masked
    others = [s for mid, values in held.secrets.items() if mid != held.reset_link for s in values]
    assert [s for s in others if s in text] == []
    with transaction(db_url) as session:
        entry = session.scalars(
            select(AuditEntry).where(AuditEntry.action == "email_revealed")
        ).one()
        assert (entry.actor, entry.record_id, entry.table_name) == (
            "boss@carrier.example",
            held.reset_link,
            "outbox",
        )
        assert held.secrets[held.reset_link][0] not in repr(entry.message)
    assert_no_secret(panel.get("/audit-log").text, held)
    assert_no_secret(panel.get("/email-log").text, held)  # the next view is masked again


# --- delivery ---------------------------------------------------------------------------------


def test_delivery_sends_the_real_secret_and_keeps_only_the_mask(
    smtp: Inbox, operator: Api, viewer: Api, admin: Api, db_url: str
) -> None:
    acme = make_customer(operator, "Acme Telecom")
    contact = operator.post(
        f"/customers/{acme}/contacts", {"name": "Ann Lee", "email": "ann@acme.example"}
    ).json()
    [pending] = rows(db_url)
    assert pending.status == "pending"
    secret = pending.secrets[0]
    # while it waits for the worker, nobody reads it in the outbox
    for who in (viewer, operator, admin):
        listed = who.get("/outbox")
        assert secret not in listed.text and quote(secret, safe="") not in listed.text
        assert listed.json()["items"][0]["revealable"] is True

    assert run_once(db_url)["outbox delivery"] == 1
    [mail] = smtp.messages
    plain, rich = mail.get_body(preferencelist=("plain",)), mail.get_body(preferencelist=("html",))
    assert plain is not None and rich is not None
    assert password_in(plain.get_content()) == secret
    assert f"<code>{escape(secret)}</code>" in rich.get_content()
    assert SECRET_MASK not in plain.get_content() and SECRET_MASK not in rich.get_content()
    login = operator.post("/auth/token", {"email": "ann@acme.example", "password": secret})
    assert login.status_code == 200 and login.json()["principal"]["id"] == contact["id"]

    # once delivered, the stored copy holds the mask only (also the HTML part, escaped or not)
    [sent] = rows(db_url)
    assert sent.status == "sent" and sent.secrets == [] and sent.masked is None
    for text in (sent.subject, sent.body, sent.body_html or ""):
        assert secret not in text and html.escape(secret) not in text
    assert f"Password: {SECRET_MASK}" in sent.body
    answer = admin.post(f"/outbox/{sent.id}/reveal")
    assert answer.status_code == 409
    assert answer.json()["detail"] == (
        "This message was delivered: its secrets are no longer kept, so there is nothing to reveal."
    )
    assert admin.get("/outbox").json()["items"][0]["revealable"] is False


# --- the masked copy never saw the secret ---------------------------------------------------


def test_masked_copy_survives_filters_and_escaping_in_templates(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, db_url: str
) -> None:
    """An operator's template may print a secret through a filter or HTML escaping: the
    masked copy is rendered without the secret, so none of its forms can reach it."""
    (tmp_path / "probe.txt").write_text(
        "Subject: Code {{ code }}\n\n"
        "raw {{ password }} upper {{ password|upper }} url {{ password|urlencode }}\n"
        "link {{ link }} reversed {{ password|reverse }}\n"
    )
    (tmp_path / "probe.html").write_text('<p>{{ password }}</p><a href="{{ link }}">go</a>')
    monkeypatch.setenv("CARRIERDESK_TEMPLATES_DIR", str(tmp_path))
    get_settings.cache_clear()
    password, token, code = 'Ab&<x>"1+Z q', "cdl_S3cretT0ken", "493817"
    link = f"https://portal.example/portal/reset-password?token={token}"
    with transaction(db_url) as session:
        message = queue(
            session,
            CLI,
            kind="email",
            to="ann@acme.example",
            template="probe",
            context={"password": password, "link": link, "code": code},
            secrets=[password, token, code],
        )
        real = (message.subject, message.body, message.body_html or "")
        masked = message.masked
    assert masked is not None
    forms = [
        password,
        password.upper(),
        quote(password),
        str(escape(password)),
        password[::-1],
        token,
        code,
    ]
    real_text = "\n".join(real)
    assert [f for f in forms if f in real_text] == forms  # the delivered copy holds them all
    shown = "\n".join(v or "" for v in masked.values())
    assert [f for f in forms if f in shown] == []
    assert masked["subject"] == f"Code {SECRET_MASK}"
    assert f"link https://portal.example/portal/reset-password?token={SECRET_MASK}" in shown
