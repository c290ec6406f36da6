"""The carrierdesk command line against a real database file."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from fastapi.testclient import TestClient
from typer.testing import CliRunner

from carrierdesk.app import create_app
from carrierdesk.cli import app
from carrierdesk.config import get_settings
from carrierdesk.db import get_engine, get_sessionmaker


@pytest.fixture
def database(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[str]:
    url = f"sqlite:///{tmp_path / 'cli.db'}"
    monkeypatch.setenv("CARRIERDESK_DATABASE_URL", url)
    get_settings.cache_clear()
    yield url
    get_engine(url).dispose()
    get_engine.cache_clear()
    get_sessionmaker.cache_clear()


def run(*args: str) -> str:
    result = CliRunner().invoke(app, list(args))
    assert result.exit_code == 0, result.output
    return result.output


def test_migrate_create_admin_and_token(database: str) -> None:
    assert "up to date" in run("migrate")
    output = run("create-admin", "--email", "noc@carrier.example", "--role", "operator")
    password = output.split("Password (shown once):")[1].split()[0]
    token = run("create-token", "--name", "billing system", "--role", "viewer").strip()
    assert token.startswith("cdt_")
    with TestClient(create_app(database)) as client:
        login = client.post(
            "/api/v1/auth/token", json={"email": "noc@carrier.example", "password": password}
        )
        assert login.status_code == 200
        assert login.json()["principal"]["role"] == "operator"
        headers = {"Authorization": f"Bearer {token}"}
        assert client.get("/api/v1/customers", headers=headers).status_code == 200
        assert (
            client.post("/api/v1/customers", json={"name": "X"}, headers=headers).status_code == 403
        )


@pytest.mark.parametrize(
    "generated", ["Ab3[bold]x[/bold]Qz9!", "Ab3[/x]Qz9!kLm#", "Ab3[red]Qz9!kLm#"]
)
def test_a_generated_password_with_brackets_is_printed_as_it_is(
    database: str, monkeypatch: pytest.MonkeyPatch, generated: str
) -> None:
    """The symbols of generated passwords include [ and ]: printing one must not read it as
    console markup (which dropped "[red]" from it, or failed on "[/x]")."""
    monkeypatch.setattr("carrierdesk.auth.service.generate_password", lambda: generated)
    run("migrate")
    output = run("create-admin", "--email", "noc@carrier.example")
    assert f"Password (shown once): {generated}" in output
    with TestClient(create_app(database)) as client:
        login = client.post(
            "/api/v1/auth/token", json={"email": "noc@carrier.example", "password": generated}
        )
        assert login.status_code == 200


def test_bad_input_is_refused_with_a_message(database: str) -> None:
    run("migrate")
    weak = CliRunner().invoke(app, ["create-admin", "--email", "a@b.example", "--password", "weak"])
    assert weak.exit_code == 1 and "upper-case" in weak.output
    role = CliRunner().invoke(app, ["create-token", "--name", "x", "--role", "root"])
    assert role.exit_code == 1 and "role" in role.output
    run("create-admin", "--email", "a@b.example")
    again = CliRunner().invoke(app, ["create-admin", "--email", "A@B.example"])
    assert again.exit_code == 1 and "already exists" in again.output
