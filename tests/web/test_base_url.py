"""Links in emails and the address `carrierdesk demo` prints use the address the server really
listens on when CARRIERDESK_BASE_URL is not set (issue 14, item 15): derived from --host/--port."""

from __future__ import annotations

import os
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest
from fastapi.testclient import TestClient
from sqlalchemy import select
from typer.testing import CliRunner

from carrierdesk.app import create_app
from carrierdesk.cli import app
from carrierdesk.config import get_settings, listening_url
from carrierdesk.db import get_engine, get_sessionmaker, transaction
from carrierdesk.migrate import upgrade
from carrierdesk.models import OutboxMessage
from fixtures.builders import make_contact, make_customer
from fixtures.server import free_port
from support import PASSWORD, Api, make_token


@pytest.fixture
def database(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[str]:
    url = f"sqlite:///{tmp_path / 'base-url.db'}"
    monkeypatch.setenv("CARRIERDESK_DATABASE_URL", url)
    # what the commands set themselves is undone after the test (setenv records it unset)
    monkeypatch.setenv("CARRIERDESK_BASE_URL", "unset")
    monkeypatch.delenv("CARRIERDESK_BASE_URL")
    get_settings.cache_clear()
    upgrade(url)
    yield url
    get_engine(url).dispose()
    get_engine.cache_clear()
    get_sessionmaker.cache_clear()
    get_settings.cache_clear()


def bodies(url: str) -> list[str]:
    with transaction(url) as session:
        return list(session.scalars(select(OutboxMessage.body)))


def test_demo_prints_and_mails_the_address_of_its_port(database: str) -> None:
    result = CliRunner().invoke(app, ["demo", "--port", "8123"])
    assert result.exit_code == 0, result.output
    assert "Control Panel: http://127.0.0.1:8123/" in result.output
    mails = bodies(database)
    assert mails and all("127.0.0.1:8000" not in body for body in mails)
    assert any("http://127.0.0.1:8123/portal/" in body for body in mails)


def test_a_configured_base_url_wins(database: str, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("CARRIERDESK_BASE_URL", "https://desk.carrier.example")
    get_settings.cache_clear()
    result = CliRunner().invoke(app, ["demo", "--port", "8123"])
    assert result.exit_code == 0, result.output
    assert "Control Panel: https://desk.carrier.example/" in result.output


def test_a_wildcard_host_becomes_this_machine_s_name() -> None:
    assert listening_url("127.0.0.1", 9000) == "http://127.0.0.1:9000"
    assert listening_url("::1", 9000) == "http://[::1]:9000"
    assert "0.0.0.0" not in listening_url("0.0.0.0", 9000)


def test_serve_mails_links_to_its_own_port(database: str) -> None:
    with TestClient(create_app(database)) as client:
        operator = Api(client, make_token(database, "operator"))
        make_contact(operator, make_customer(operator, "Acme"), password=PASSWORD)
    port = free_port()
    env = {k: v for k, v in os.environ.items() if k != "CARRIERDESK_BASE_URL"}
    server = subprocess.Popen(
        [sys.executable, "-m", "carrierdesk.cli", "serve", "--port", str(port), "--no-worker"],
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
    )
    base = f"http://127.0.0.1:{port}"
    try:
        wait_until_up(base, server)
        answer = httpx.post(f"{base}/portal/forgot-password", data={"email": "ann@acme.example"})
        assert answer.status_code == 200
    finally:
        server.terminate()
        output, _ = server.communicate(timeout=20)
    assert f"Control Panel: {base}/" in output
    reset = [b for b in bodies(database) if "reset-password?token=" in b]
    assert len(reset) == 1 and f"{base}/portal/reset-password?token=" in reset[0]


def wait_until_up(base: str, server: subprocess.Popen[str]) -> None:
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        assert server.poll() is None, server.stdout.read() if server.stdout else ""
        try:
            if httpx.get(f"{base}/api/v1/health").status_code == 200:
                return
        except httpx.TransportError:
            pass
        time.sleep(0.2)
    raise AssertionError("the server did not start")
