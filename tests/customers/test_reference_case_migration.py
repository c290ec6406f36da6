"""Migration 0015: customer references become unique whatever their case. References that
already differ only by case are kept by the customer created first; the others get "~<id>"
appended, and the audit log says so. The downgrade drops the index and keeps the references."""

from __future__ import annotations

import os
from collections.abc import Iterator
from pathlib import Path

import pytest
from alembic import command
from sqlalchemy import create_engine, text
from sqlalchemy.exc import IntegrityError

from carrierdesk.db import get_engine, get_sessionmaker
from carrierdesk.migrate import alembic_config
from fixtures.database import fresh_postgres
from support import BACKENDS, PG_URL


@pytest.fixture(params=BACKENDS)
def fresh_url(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[str]:
    if request.param == "sqlite":
        yield f"sqlite:///{tmp_path / 'fresh.db'}"
    else:
        assert PG_URL
        name = f"carrierdesk_ref_{os.environ.get('PYTEST_XDIST_WORKER', 'main')}_{os.getpid()}"
        with fresh_postgres(PG_URL, name) as url:
            yield url
    get_engine.cache_clear()
    get_sessionmaker.cache_clear()


def run(url: str, sql: str, **params: object) -> list[tuple[object, ...]]:
    engine = create_engine(url)
    with engine.begin() as conn:
        result = conn.execute(text(sql), params)
        rows = [tuple(r) for r in result] if result.returns_rows else []
    engine.dispose()
    return rows


def add_customer(url: str, name: str, reference: str | None) -> None:
    run(
        url,
        "INSERT INTO customers (name, reference, status, currency, tax_rate, invoice_schedule,"
        " invoice_due_days, created_at, updated_at) VALUES (:name, :reference, 'active', 'EUR',"
        " 0, 'none', 30, CURRENT_TIMESTAMP, CURRENT_TIMESTAMP)",
        name=name,
        reference=reference,
    )


def test_references_differing_only_by_case_are_renamed_then_refused(fresh_url: str) -> None:
    config = alembic_config(fresh_url)
    command.upgrade(config, "0014_operators_day")
    for name, reference in [
        ("Acme", "acme-001"),
        ("Acme UK", "ACME-001"),
        ("Acme DE", "Acme-001"),
        ("Zed", "ZED-9"),
        ("Nobody", None),
        ("Long", "L" * 100),
        ("Long too", "l" * 100),
    ]:
        add_customer(fresh_url, name, reference)
    command.upgrade(config, "0015_user_admin")

    rows = dict(run(fresh_url, "SELECT name, reference FROM customers"))
    assert rows["Acme"] == "acme-001"  # the first keeps it
    assert rows["Acme UK"] == "ACME-001~2" and rows["Acme DE"] == "Acme-001~3"
    assert rows["Zed"] == "ZED-9" and rows["Nobody"] is None
    assert rows["Long"] == "L" * 100 and rows["Long too"] == "l" * 98 + "~7"  # fits 100
    renamed = run(
        fresh_url,
        "SELECT record_id, actor, message FROM audit_log WHERE table_name = 'customers'"
        " ORDER BY record_id",
    )
    assert [r[0] for r in renamed] == [2, 3, 7]
    assert renamed[0][1] == "migration 0015" and "ACME-001 renamed to ACME-001~2" in renamed[0][2]
    with pytest.raises(IntegrityError):
        add_customer(fresh_url, "Zed again", "zed-9")

    command.downgrade(config, "0014_operators_day")
    add_customer(fresh_url, "Zed again", "zed-9")  # the index is gone, the data stays
    assert dict(run(fresh_url, "SELECT name, reference FROM customers"))["Acme UK"] == "ACME-001~2"
