"""Mail leaves through a real SMTP server (aiosmtpd on loopback), with retries, and the stored
copy loses its secrets once delivered."""

from __future__ import annotations

import pytest
from sqlalchemy import select

from carrierdesk.config import get_settings
from carrierdesk.db import transaction
from carrierdesk.models import OutboxMessage
from carrierdesk.worker.loop import run_once
from fixtures.builders import make_customer
from fixtures.server import free_port
from fixtures.smtp import Inbox
from support import Api


def password_in(text: str) -> str:
    return next(line.split()[-1] for line in text.splitlines() if "Password:" in line)


def test_generated_password_arrives_by_smtp_and_logs_in(
    smtp: Inbox, operator: Api, admin: Api, db_url: str
) -> None:
    acme = make_customer(operator, "Acme Telecom")
    contact = operator.post(
        f"/customers/{acme}/contacts", {"name": "Ann Lee", "email": "ann@acme.example"}
    ).json()
    assert admin.get("/outbox").json()["items"][0]["status"] == "pending"

    assert run_once(db_url)["outbox delivery"] == 1
    assert len(smtp.messages) == 1
    mail = smtp.messages[0]
    assert mail["To"] == "ann@acme.example"
    assert "Customer Portal" in mail["Subject"]
    body = mail.get_body(preferencelist=("plain",))
    assert body is not None
    password = password_in(body.get_content())

    login = operator.post("/auth/token", {"email": "ann@acme.example", "password": password})
    assert login.status_code == 200
    assert login.json()["principal"]["id"] == contact["id"]

    stored = admin.get("/outbox").json()["items"][0]
    assert stored["status"] == "sent" and stored["sent_at"] is not None
    assert password not in stored["body"]  # masked once delivered
    assert "••••" in stored["body"]
    sent = admin.get("/audit-log", params={"action": "email_sent"}).json()["items"]
    assert sent and sent[0]["actor"] == "system"
    assert run_once(db_url)["outbox delivery"] == 0  # delivered exactly once
    assert len(smtp.messages) == 1


def test_unreachable_server_is_retried_with_backoff(
    monkeypatch: pytest.MonkeyPatch, operator: Api, db_url: str
) -> None:
    monkeypatch.setenv("CARRIERDESK_SMTP_URL", f"smtp://127.0.0.1:{free_port()}")
    get_settings.cache_clear()
    acme = make_customer(operator, "Acme")
    operator.post(f"/customers/{acme}/contacts", {"name": "Ann", "email": "ann@acme.example"})
    run_once(db_url)
    with transaction(db_url) as session:
        message = session.scalars(select(OutboxMessage)).one()
        assert message.status == "pending" and message.attempts == 1
        assert "SMTP" in (message.last_error or "")
        assert message.next_attempt_at is not None
        first_retry = message.next_attempt_at
    run_once(db_url)  # not due yet: nothing happens
    with transaction(db_url) as session:
        message = session.scalars(select(OutboxMessage)).one()
        assert message.attempts == 1 and message.next_attempt_at == first_retry


def test_without_smtp_mail_is_held_for_the_email_log(
    operator: Api, admin: Api, db_url: str
) -> None:
    acme = make_customer(operator, "Acme")
    operator.post(f"/customers/{acme}/contacts", {"name": "Ann", "email": "ann@acme.example"})
    assert run_once(db_url)["outbox delivery"] == 0
    held = admin.get("/outbox", params={"to": "ann@"}).json()
    assert held["total"] == 1 and held["items"][0]["status"] == "held"
    assert admin.get("/outbox", params={"kind": "sms"}).json()["total"] == 0


def test_templates_can_be_overridden_by_files(
    tmp_path, monkeypatch: pytest.MonkeyPatch, operator: Api, admin: Api
) -> None:
    (tmp_path / "contact_welcome.txt").write_text(
        "Subject: Welcome aboard, {{ contact.name }}\n\nYour password is {{ password }}\n"
    )
    monkeypatch.setenv("CARRIERDESK_TEMPLATES_DIR", str(tmp_path))
    get_settings.cache_clear()
    acme = make_customer(operator, "Acme")
    operator.post(f"/customers/{acme}/contacts", {"name": "Ann", "email": "ann@acme.example"})
    mail = admin.get("/outbox").json()["items"][0]
    assert mail["subject"] == "Welcome aboard, Ann"
    assert mail["body"].startswith("Your password is ")
