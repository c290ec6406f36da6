"""Migration 0006_outbox_masked: messages stored before it that still hold their secrets get a
masked copy (so the Email Log stops showing them at once); delivered ones are left alone; the
downgrade drops the copy and leaves the delivered text as it was."""

from __future__ import annotations

import html
import json
import os
from collections.abc import Iterator
from datetime import datetime
from pathlib import Path
from typing import Any

import pytest
from alembic import command
from sqlalchemy import create_engine, inspect, text

from carrierdesk.auth.principals import Principal
from carrierdesk.db import get_engine, get_sessionmaker, transaction
from carrierdesk.migrate import alembic_config
from carrierdesk.models import OutboxMessage
from carrierdesk.notify.service import SECRET_MASK, list_messages
from fixtures.database import fresh_postgres
from support import BACKENDS, PG_URL

PASSWORD = "Kx7&<p>Q2m!zR9"
TOKEN = "cdl_0ldR3setT0ken"
VIEWER = Principal("user", 1, "watcher@carrier.example", role="viewer")


@pytest.fixture(params=BACKENDS)
def fresh_url(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[str]:
    """An empty database (no schema at all)."""
    if request.param == "sqlite":
        url = f"sqlite:///{tmp_path / 'fresh.db'}"
        yield url
    else:
        assert PG_URL
        name = f"carrierdesk_mig_{os.environ.get('PYTEST_XDIST_WORKER', 'main')}_{os.getpid()}"
        with fresh_postgres(PG_URL, name) as url:
            yield url
    get_engine.cache_clear()
    get_sessionmaker.cache_clear()


def insert(url: str, **row: Any) -> None:
    columns = ", ".join(f'"{c}"' for c in row)
    values = ", ".join(f":{c}" for c in row)
    engine = create_engine(url)
    with engine.begin() as conn:
        conn.execute(text(f"INSERT INTO outbox ({columns}) VALUES ({values})"), row)
    engine.dispose()


def outbox_rows(url: str) -> list[dict[str, Any]]:
    """The rows as stored (JSON columns decoded: SQLite hands them out as text)."""
    engine = create_engine(url)
    with engine.connect() as conn:
        found = [dict(r._mapping) for r in conn.execute(text("SELECT * FROM outbox ORDER BY id"))]
    engine.dispose()
    for row in found:
        for key in ("secrets", "masked"):
            if isinstance(row.get(key), str):
                row[key] = json.loads(row[key])
        row.pop("created_at")  # compared as stored text on one backend, a datetime on the other
    return found


def test_upgrade_masks_held_messages_and_downgrade_drops_the_copy(fresh_url: str) -> None:
    config = alembic_config(fresh_url)
    command.upgrade(config, "0005")
    body = f"Login: ann@acme.example\nPassword: {PASSWORD}\n"
    common = {
        "kind": "email",
        "to": "ann@acme.example",
        "attempts": 0,
        "created_at": datetime(2026, 11, 27, 12, 0),
    }
    insert(
        fresh_url,
        **common,
        subject="Your login",
        body=body,
        body_html=f"<code>{html.escape(PASSWORD)}</code>",
        secrets=f'["{PASSWORD}"]',
        status="held",
    )
    link = f"https://portal.example/portal/reset-password?token={TOKEN}"
    insert(
        fresh_url,
        **common,
        subject="Reset",
        body=f"Open {link}\n",
        secrets=f'["{TOKEN}"]',
        status="pending",
    )
    delivered = f"Password: {SECRET_MASK}\n"
    insert(fresh_url, **common, subject="Sent", body=delivered, secrets="[]", status="sent")
    before = outbox_rows(fresh_url)

    command.upgrade(config, "0006_outbox_masked")
    after = outbox_rows(fresh_url)
    held, pending, sent = after
    # the delivered text is untouched; the masked copy holds no secret, in either part
    for old, new in zip(before, after, strict=True):
        assert {k: new[k] for k in old} == old
    assert held["masked"] is not None and SECRET_MASK in held["masked"]["body"]
    masked_held = repr(held["masked"])
    assert PASSWORD not in masked_held and "Kx7&amp;&lt;p&gt;" not in masked_held
    assert held["masked"]["body_html"] == f"<code>{SECRET_MASK}</code>"
    assert pending["masked"]["body"] == (
        f"Open https://portal.example/portal/reset-password?token={SECRET_MASK}\n"
    )
    assert sent["masked"] is None

    # what staff are shown is the masked copy
    command.upgrade(config, "heads")
    with transaction(fresh_url) as session:
        shown, total = list_messages(session, VIEWER)
        assert total == 3
        assert [TOKEN in m.body or PASSWORD in m.body for m in shown] == [False] * 3
        assert [m.revealable for m in shown] == [False, True, True]
        first = session.get(OutboxMessage, shown[-1].id)
        assert first is not None and PASSWORD in first.body  # what would be delivered
    get_engine(fresh_url).dispose()

    command.downgrade(config, "0005")
    engine = create_engine(fresh_url)
    assert "masked" not in {c["name"] for c in inspect(engine).get_columns("outbox")}
    engine.dispose()
    assert outbox_rows(fresh_url) == before
    command.upgrade(config, "heads")  # and up again
    assert [r["masked"] is not None for r in outbox_rows(fresh_url)] == [True, True, False]
