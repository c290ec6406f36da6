"""`carrierdesk sip kamailio-config` and `carrierdesk sip grant`: what they print, and a clear
refusal naming the option for every bad value, with nothing changed."""

from __future__ import annotations

import os
import subprocess

import pytest
from sqlalchemy import text
from typer.testing import CliRunner

from carrierdesk.cli import app
from carrierdesk.config import get_settings
from carrierdesk.db import get_engine

PG = "postgresql+psycopg://kam:s3cret@db.example:5433/carrier"


def invoke(monkeypatch: pytest.MonkeyPatch, *args: str, url: str = PG) -> tuple[int, str]:
    monkeypatch.setenv("CARRIERDESK_DATABASE_URL", url)
    get_settings.cache_clear()
    result = CliRunner().invoke(app, ["sip", *args])
    return result.exit_code, result.output


def test_the_config_is_wired_to_the_database_realm_and_listen_address(
    monkeypatch: pytest.MonkeyPatch, tmp_path: object
) -> None:
    monkeypatch.setenv("CARRIERDESK_SIP_REALM", "sip.carrier.example")
    code, config = invoke(
        monkeypatch, "kamailio-config", "--listen", "udp:192.0.2.5:5070", "--outbound",
        "sip:198.51.100.20:5060",
    )  # fmt: skip
    assert code == 0, config
    assert '#!define DBURL "postgres://kam:s3cret@db.example:5433/carrier"' in config
    assert '#!define REALM "sip.carrier.example"' in config
    assert "#!define LISTEN udp:192.0.2.5:5070" in config
    assert '#!define OUTBOUND "sip:198.51.100.20:5060"' in config
    assert 'www_authorize(REALM, "sip_subscriber")' in config


def test_kamailio_accepts_the_printed_config(
    monkeypatch: pytest.MonkeyPatch, tmp_path: os.PathLike[str]
) -> None:
    code, config = invoke(monkeypatch, "kamailio-config", "--listen", "udp:127.0.0.1:5999")
    assert code == 0
    path = os.path.join(tmp_path, "kamailio.cfg")
    with open(path, "w") as handle:
        handle.write(config)
    checked = subprocess.run(["kamailio", "-c", "-f", path], capture_output=True, text=True)
    assert checked.returncode == 0, checked.stderr[-2000:]
    assert "config file ok" in checked.stdout + checked.stderr


@pytest.mark.parametrize(
    ("args", "url", "message"),
    [
        (["--listen", "127.0.0.1:5060"], PG, "listen: must look like udp:IP:PORT"),
        (["--listen", 'udp:1.2.3.4:5060"\n#!define'], PG, "listen: must look like"),
        (["--outbound", "http://x"], PG, "outbound: must be a SIP URI"),
        ([], "sqlite:///x.db", "database_url: must be a PostgreSQL URL"),
        (["--database-url", "sqlite:///x.db"], PG, "database_url: must be a PostgreSQL URL"),
        (["--database-url", 'postgresql://a:b"c@h/d'], PG, "database_url: must not contain"),
    ],
)
def test_bad_config_options_are_refused_by_name(
    monkeypatch: pytest.MonkeyPatch, args: list[str], url: str, message: str
) -> None:
    code, output = invoke(monkeypatch, "kamailio-config", *args, url=url)
    assert code == 1 and message in output and "#!define" not in output


def test_a_bad_realm_is_refused(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("CARRIERDESK_SIP_REALM", 'bad realm"')
    code, output = invoke(monkeypatch, "kamailio-config")
    assert code == 1 and "sip_realm: must be a host name" in output


def test_grant_needs_postgresql(monkeypatch: pytest.MonkeyPatch, tmp_path: object) -> None:
    code, output = invoke(monkeypatch, "grant", "--role", "kamailio", url="sqlite:///:memory:")
    assert code == 1 and "database_url: must be a PostgreSQL URL: SQLite has no roles" in output


@pytest.mark.postgres_only
@pytest.mark.parametrize(
    ("role", "password", "message"),
    [
        ("Kamailio", None, "role: must be 1–63 lower-case letters"),
        ("kam; drop table users", None, "role: must be"),
        ("9lives", None, "role: must be"),
        ("carrierdesk_sip_bad", "", "password: must not be empty"),
        ("carrierdesk_sip_bad", "a\x00b", "password: must not be empty or hold a NUL"),
    ],
)
def test_bad_grant_values_are_refused_and_no_role_is_made(
    monkeypatch: pytest.MonkeyPatch, pg_url: str, role: str, password: str | None, message: str
) -> None:
    args = ["grant", "--role", role] + ([] if password is None else ["--password", password])
    code, output = invoke(monkeypatch, *args, url=pg_url)
    assert code == 1 and message in output
    with get_engine(pg_url).connect() as conn:
        made = conn.execute(
            text("SELECT rolname FROM pg_roles WHERE rolname LIKE 'carrierdesk_sip_bad%'")
        ).all()
    assert made == []
