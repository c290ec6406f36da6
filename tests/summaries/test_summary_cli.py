"""`carrierdesk summary refresh` brings the summaries up to date."""

from __future__ import annotations

import pytest
from sqlalchemy import func, select
from typer.testing import CliRunner

from carrierdesk.auth.principals import CLI
from carrierdesk.cdrs.service import ingest
from carrierdesk.cli import app
from carrierdesk.config import get_settings
from carrierdesk.db import get_engine, get_sessionmaker, transaction
from carrierdesk.models import CdrHourly
from fixtures.builders import T0, add_customer, cdr


def test_summary_refresh_command(db_url: str, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("CARRIERDESK_DATABASE_URL", db_url)
    get_settings.cache_clear()
    with transaction(db_url) as session:
        cid = add_customer(session, "Acme").id
        ingest(
            session,
            CLI,
            list(enumerate([cdr("r-1", cid), cdr("r-2", cid, start=T0.replace(hour=3))])),
        )
    result = CliRunner().invoke(app, ["summary", "refresh"])
    assert result.exit_code == 0, result.output
    assert "Summaries up to date: 2 customer-hours rebuilt" in result.output
    with transaction(db_url) as session:
        assert session.scalar(select(func.sum(CdrHourly.attempts))) == 2
    again = CliRunner().invoke(app, ["summary", "refresh"])
    assert "0 customer-hours rebuilt" in again.output
    get_engine.cache_clear()
    get_sessionmaker.cache_clear()
