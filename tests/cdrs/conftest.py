"""Fixtures of the CDR tests."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from carrierdesk.config import get_settings
from carrierdesk.db import get_engine, get_sessionmaker, transaction
from fixtures.builders import add_customer


@pytest.fixture
def cli_database(db_url: str, monkeypatch: pytest.MonkeyPatch) -> Iterator[str]:
    """The command line pointed at db_url (its engines let go after the test)."""
    monkeypatch.setenv("CARRIERDESK_DATABASE_URL", db_url)
    get_settings.cache_clear()
    yield db_url
    get_engine.cache_clear()
    get_sessionmaker.cache_clear()


@pytest.fixture
def customer_id(cli_database: str) -> int:
    """A customer (Acme, reference ACME), and the command line pointed at db_url."""
    with transaction(cli_database) as session:
        return add_customer(session, "Acme", reference="ACME").id
