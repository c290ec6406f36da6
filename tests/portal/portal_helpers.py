"""Helpers of the portal tests: a browser-like client of the portal pages, and reading what the
portal stored (outbox, audit log, contacts) straight from the database."""

from __future__ import annotations

import re
from datetime import UTC, datetime, timedelta
from typing import Any

from fastapi import FastAPI
from fastapi.testclient import TestClient
from sqlalchemy import select

from carrierdesk.db import transaction
from carrierdesk.models import AuditEntry, Contact, OutboxMessage
from fixtures import builders
from fixtures.builders import z
from support import login_form

PASSWORD = "Portal!Pass2026"
CSRF = re.compile(r'<meta name="csrf-token" content="([^"]*)">')
LINK = re.compile(r"https?://\S+/portal/\S+")


class Portal:
    """One person's browser on the portal: its own cookies, and the CSRF token of the last
    page it saw (sent with every form, as the pages do)."""

    def __init__(self, app: FastAPI) -> None:
        self.client = TestClient(app)
        self.csrf = ""

    def get(self, path: str, **kw: Any) -> Any:
        return self._seen(self.client.get(path, **kw))

    def post(
        self, path: str, data: dict[str, str] | None = None, csrf: bool = True, **kw: Any
    ) -> Any:
        form = dict(data or {})
        if csrf:
            form.setdefault("csrf_token", self.csrf)
        return self._seen(self.client.post(path, data=form, **kw))

    def login(self, email: str, password: str = PASSWORD, **kw: Any) -> Any:
        form = {"email": email, "password": password, **login_form(self.client, "/portal/login")}
        return self.post("/portal/login", form, csrf=False, **kw)

    def _seen(self, response: Any) -> Any:
        found = CSRF.search(response.text)
        if found and found.group(1):
            self.csrf = found.group(1)
        return response


def contact_row(db_url: str, contact_id: int) -> dict[str, Any]:
    with transaction(db_url) as session:
        contact = session.get(Contact, contact_id)
        assert contact is not None
        return {c.key: getattr(contact, c.key) for c in Contact.__table__.columns}


def outbox(db_url: str, to: str | None, kind: str = "email") -> list[OutboxMessage]:
    """The messages of a kind (to one address, or to anyone when `to` is None)."""
    with transaction(db_url) as session:
        stmt = select(OutboxMessage).where(OutboxMessage.kind == kind)
        if to is not None:
            stmt = stmt.where(OutboxMessage.to == to)
        found = list(session.scalars(stmt.order_by(OutboxMessage.id)))
        session.expunge_all()
        return found


def link_in(text: str) -> str:
    """The portal link of an email, as a path (the test server is not CARRIERDESK_BASE_URL)."""
    found = LINK.search(text)
    assert found, text
    return "/portal/" + found.group(0).split("/portal/", 1)[1]


def code_in(text: str) -> str:
    found = re.search(r"\b(\d{6})\b", text)
    assert found, text
    return found.group(1)


def audit(db_url: str, action: str, contact_id: int | None = None) -> list[AuditEntry]:
    with transaction(db_url) as session:
        stmt = select(AuditEntry).where(AuditEntry.action == action).order_by(AuditEntry.id)
        if contact_id is not None:
            stmt = stmt.where(AuditEntry.contact_id == contact_id)
        found = list(session.scalars(stmt))
        session.expunge_all()
        return found


def cdr(call_id: str, customer_id: int, charge: str, hours_ago: int = 1) -> dict[str, Any]:
    """An answered CDR of a minute, in the current day's summary periods."""
    start = datetime.now(UTC).replace(minute=0, second=0, microsecond=0) - timedelta(
        hours=hours_ago
    )
    return builders.cdr(
        call_id,
        customer_id,
        start=start,
        answer_time=z(start + timedelta(seconds=5)),
        end_time=z(start + timedelta(seconds=65)),
        charge=charge,
        cost="0.001000",
        pdd_ms=900,
    )
