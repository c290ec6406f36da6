"""Fixtures of the CDR tests."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from carrierdesk.config import get_settings
from carrierdesk.db import get_engine, get_sessionmaker, transaction
from fixtures.builders import add_customer


@pytest.fixture
def customer_id(db_url: str, monkeypatch: pytest.MonkeyPatch) -> Iterator[int]:
    """A customer (Acme, reference ACME), and the command line pointed at db_url."""
    monkeypatch.setenv("CARRIERDESK_DATABASE_URL", db_url)
    get_settings.cache_clear()
    with transaction(db_url) as session:
        customer = add_customer(session, "Acme", reference="ACME")
    yield customer.id
    get_engine.cache_clear()
    get_sessionmaker.cache_clear()
