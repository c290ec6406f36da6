"""Test fixtures: every database test runs on SQLite and, when CARRIERDESK_TEST_POSTGRES_URL is
set (as .ci/run does), on PostgreSQL too. Schemas are built by the Alembic migrations."""

from __future__ import annotations

import os
import shutil
from collections.abc import Iterator
from pathlib import Path

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import inspect, text
from sqlalchemy.orm import Session

from carrierdesk.app import create_app
from carrierdesk.config import get_settings
from carrierdesk.db import get_engine, get_sessionmaker, transaction
from carrierdesk.migrate import upgrade
from fixtures.builders import make_user
from fixtures.database import fresh_postgres
from support import BACKENDS, PASSWORD, PG_URL, Api, make_token

# The shared fixtures (tests/fixtures/), for every directory of the tree.
pytest_plugins = ["fixtures.browser", "fixtures.panel", "fixtures.records", "fixtures.smtp"]


def _worker() -> str:
    return os.environ.get("PYTEST_XDIST_WORKER", "main")


@pytest.fixture(scope="session")
def sqlite_template(tmp_path_factory: pytest.TempPathFactory) -> Path:
    path = tmp_path_factory.mktemp("template") / "template.db"
    upgrade(f"sqlite:///{path}")
    get_engine.cache_clear()
    return path


@pytest.fixture(scope="session")
def postgres_url() -> Iterator[str]:
    assert PG_URL, "CARRIERDESK_TEST_POSTGRES_URL is not set"
    with fresh_postgres(PG_URL, f"carrierdesk_test_{_worker()}_{os.getpid()}") as url:
        upgrade(url)
        yield url


_RESTART_SEQUENCES = """
SELECT setval(c.oid, 1, false) FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace
WHERE c.relkind = 'S' AND n.nspname = current_schema()
"""


def _truncate_postgres(url: str) -> None:
    """Every table emptied and every sequence restarted, as TRUNCATE … RESTART IDENTITY of
    them all would; only the tables that hold rows are truncated (a tenth of the time)."""
    engine = get_engine(url)
    tables = [t for t in inspect(engine).get_table_names() if t != "alembic_version"]
    holding = " UNION ALL ".join(f"SELECT '{t}' WHERE EXISTS (SELECT FROM {t})" for t in tables)
    with engine.begin() as conn:
        written = list(conn.scalars(text(holding)))
        if written:
            conn.execute(text(f"TRUNCATE {', '.join(written)} CASCADE"))
        conn.execute(text(_RESTART_SEQUENCES))


@pytest.fixture(params=["postgres"] if PG_URL else [])
def pg_url(request: pytest.FixtureRequest) -> str:
    """An empty migrated PostgreSQL database, for races that need real row locks (tests marked
    `postgres_only`); without PostgreSQL configured, such a test is reported as not run."""
    url: str = request.getfixturevalue("postgres_url")
    _truncate_postgres(url)
    return url


@pytest.fixture(params=BACKENDS)
def db_url(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[str]:
    """A migrated, empty database: a copy of the SQLite template, or PostgreSQL truncated."""
    if request.param == "sqlite":
        path = tmp_path / "test.db"
        shutil.copy(request.getfixturevalue("sqlite_template"), path)
        url = f"sqlite:///{path}"
        yield url
        get_engine(url).dispose()
        get_engine.cache_clear()
        get_sessionmaker.cache_clear()
    else:
        url = request.getfixturevalue("postgres_url")
        _truncate_postgres(url)
        yield url


@pytest.fixture(autouse=True)
def _settings(monkeypatch: pytest.MonkeyPatch) -> Iterator[None]:
    """Every test starts from default settings (no SMTP, default realm)."""
    for key in list(os.environ):
        if key.startswith("CARRIERDESK_") and key != "CARRIERDESK_TEST_POSTGRES_URL":
            monkeypatch.delenv(key)
    get_settings.cache_clear()
    yield
    get_settings.cache_clear()


@pytest.fixture
def db(db_url: str) -> Iterator[Session]:
    """A session for arranging and checking data directly (commits on exit)."""
    with transaction(db_url) as session:
        yield session


@pytest.fixture
def client(db_url: str) -> Iterator[TestClient]:
    with TestClient(create_app(db_url)) as test_client:
        yield test_client


@pytest.fixture
def admin(client: TestClient, db_url: str) -> Api:
    return Api(client, make_token(db_url, "admin"))


@pytest.fixture
def operator(client: TestClient, db_url: str) -> Api:
    return Api(client, make_token(db_url, "operator"))


@pytest.fixture
def viewer(client: TestClient, db_url: str) -> Api:
    return Api(client, make_token(db_url, "viewer"))


@pytest.fixture
def anonymous(client: TestClient) -> Api:
    return Api(client, None)


@pytest.fixture
def admin_user(db_url: str) -> tuple[str, str]:
    """A Control Panel admin (email, password) for login tests."""
    make_user(db_url, "boss@carrier.example", "admin", PASSWORD)
    return "boss@carrier.example", PASSWORD
