"""`carrierdesk invoices auto-generate [--customer ID]`."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from typer.testing import CliRunner

from carrierdesk.cli import app
from carrierdesk.config import get_settings
from carrierdesk.db import get_engine, get_sessionmaker
from fixtures.builders import make_customer
from invoices.invoice_helpers import call, calls, count
from support import Api


@pytest.fixture
def cli_database(db_url: str, monkeypatch: pytest.MonkeyPatch) -> Iterator[str]:
    monkeypatch.setenv("CARRIERDESK_DATABASE_URL", db_url)
    get_settings.cache_clear()
    get_sessionmaker.cache_clear()
    yield db_url
    get_sessionmaker.cache_clear()
    get_engine.cache_clear()


def test_auto_generate_for_one_customer_then_all(operator: Api, cli_database: str) -> None:
    monthly = make_customer(operator, "Monthly", invoice_schedule="monthly")
    weekly = make_customer(operator, "Weekly", invoice_schedule="weekly")
    manual = make_customer(operator, "Manual")
    calls(
        operator,
        [call(f"c{c}", c, "2026-10-07", "4.20") for c in (monthly, weekly, manual)],
    )
    runner = CliRunner()
    one = runner.invoke(app, ["invoices", "auto-generate", "--customer", str(weekly)])
    assert one.exit_code == 0, one.output
    assert "INV-000001" in one.output and "4.20 USD" in one.output
    assert "1 invoice(s) created." in one.output
    every = runner.invoke(app, ["invoices", "auto-generate"])
    assert every.exit_code == 0 and "INV-000002" in every.output
    assert "1 invoice(s) created." in every.output
    again = runner.invoke(app, ["invoices", "auto-generate"])
    assert "0 invoice(s) created." in again.output
    refused = runner.invoke(app, ["invoices", "auto-generate", "--customer", str(manual)])
    assert refused.exit_code == 1 and "no invoice schedule" in refused.output
    assert count(cli_database) == 2
