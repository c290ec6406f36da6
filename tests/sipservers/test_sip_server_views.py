"""The views SIP servers read (issue 12): only what may register or call, in the servers'
layouts, on both databases; the read-only role; migrations that work with the views there."""

from __future__ import annotations

import hashlib
import os
from typing import Any

import pytest
from sqlalchemy import text
from sqlalchemy.exc import NotSupportedError, ProgrammingError

from carrierdesk.db import get_engine
from carrierdesk.migrate import alembic_config
from carrierdesk.sipauth import server_views
from fixtures.database import fresh_postgres
from support import PG_URL

PASSWORD = "Sip-Secret-2026"
REALM = "carrierdesk.local"


def rows(db_url: str, query: str, **params: Any) -> list[dict[str, Any]]:
    with get_engine(db_url).connect() as conn:
        return [dict(r._mapping) for r in conn.execute(text(query), params)]


@pytest.fixture
def sip_user(operator: Any, acme: int) -> dict[str, Any]:
    body = {"username": "alice", "password": PASSWORD, "channels": 2, "cps": 3}
    body["ip_whitelist"] = ["192.0.2.7", "198.51.100.0/24"]
    response = operator.post(f"/customers/{acme}/sip-users", body)
    assert response.status_code == 201, response.text
    return dict(response.json())


def test_a_sip_user_is_in_the_subscriber_layout(db_url: str, sip_user: dict[str, Any]) -> None:
    [row] = rows(db_url, "SELECT * FROM sip_subscriber")
    assert row["username"] == "alice" and row["domain"] == REALM and row["password"] == ""
    assert row["ha1"] == hashlib.md5(f"alice:{REALM}:{PASSWORD}".encode()).hexdigest()
    assert row["ha1b"] == hashlib.md5(f"alice@{REALM}:{REALM}:{PASSWORD}".encode()).hexdigest()
    assert (row["customer_id"], row["channels"], row["cps"]) == (sip_user["customer_id"], 2, 3)
    assert row["protocol"] == "udp"
    # Bare addresses become /32: what ipops' is_in_subnet and Asterisk's permit take.
    assert row["ip_whitelist"] == "192.0.2.7/32,198.51.100.0/24"
    [auth] = rows(db_url, "SELECT * FROM ps_auths")
    assert (auth["id"], auth["auth_type"], auth["md5_cred"]) == ("alice", "md5", row["ha1"])
    [endpoint] = rows(db_url, "SELECT * FROM ps_endpoints")
    assert (endpoint["aors"], endpoint["auth"], endpoint["transport"]) == (
        "alice",
        "alice",
        "transport-udp",
    )
    assert endpoint["permit"] == row["ip_whitelist"] and endpoint["deny"] == "0.0.0.0/0,::/0"
    assert endpoint["accountcode"] == str(sip_user["customer_id"])
    assert rows(db_url, "SELECT id, max_contacts FROM ps_aors") == [
        {"id": "alice", "max_contacts": 1}
    ]


def test_only_enabled_users_of_active_customers_are_visible(
    operator: Any, db_url: str, sip_user: dict[str, Any]
) -> None:
    visible = "SELECT * FROM {}"
    views = ("sip_subscriber", "sip_accounts", "ps_endpoints", "ps_auths", "ps_aors")

    def seen() -> list[int]:
        return [len(rows(db_url, visible.format(v))) for v in views]

    assert seen() == [1] * 5
    assert operator.patch(f"/sip-users/{sip_user['id']}", {"enabled": False}).status_code == 200
    assert seen() == [0] * 5
    assert operator.patch(f"/sip-users/{sip_user['id']}", {"enabled": True}).status_code == 200
    customer = f"/customers/{sip_user['customer_id']}"
    for status, expected in (("inactive", 0), ("penalty", 0), ("active", 1)):
        assert operator.patch(customer, {"status": status}).status_code == 200
        assert seen() == [expected] * 5, status


def test_ip_entries_are_in_the_address_layout_by_direction(
    operator: Any, acme: int, db_url: str
) -> None:
    both = {"ip": "203.0.113.0/29", "tech_prefix": "100#", "channels": 30, "cps": 5}
    both["port"] = 5080
    first = operator.post(f"/customers/{acme}/ip-auth", both)
    assert first.status_code == 201, first.text
    sends_only = {"ip": "192.0.2.9", "receives_calls": False}
    second = operator.post(f"/customers/{acme}/ip-auth", sends_only)
    assert second.status_code == 201, second.text
    found = rows(
        db_url,
        "SELECT grp, ip_addr, mask, port, tag, tech_prefix FROM sip_address ORDER BY ip_addr, grp",
    )
    a, b = first.json()["id"], second.json()["id"]
    assert found == [
        # The customer sends calls from any port; we send calls to the entry's port.
        {"grp": 1, "ip_addr": "192.0.2.9", "mask": 32, "port": 0, "tag": f"{acme}|{b}|0|0|",
         "tech_prefix": ""},
        {"grp": 1, "ip_addr": "203.0.113.0", "mask": 29, "port": 0,
         "tag": f"{acme}|{a}|30|5|100#", "tech_prefix": "100#"},
        {"grp": 2, "ip_addr": "203.0.113.0", "mask": 29, "port": 5080,
         "tag": f"{acme}|{a}|30|5|100#", "tech_prefix": "100#"},
    ]  # fmt: skip
    assert operator.patch(f"/customers/{acme}", {"status": "inactive"}).status_code == 200
    assert rows(db_url, "SELECT * FROM sip_address") == []


# The columns each server reads, by its own schema: Kamailio 5.6 (auth_db subscriber v7,
# permissions address v6), OpenSIPS 3 (address v5: ip, proto, pattern, context_info) and
# Asterisk's PJSIP realtime tables (contrib/ast-db-manage: ps_endpoints, ps_auths, ps_aors).
SERVER_COLUMNS = {
    "sip_subscriber": {"id", "username", "domain", "password", "ha1", "ha1b"},
    "sip_address": {"id", "grp", "ip_addr", "mask", "port", "tag"}
    | {"ip", "proto", "pattern", "context_info"},
    "sip_version": {"table_name", "table_version"},
    "sip_version_opensips": {"table_name", "table_version"},
    "ps_endpoints": {"id", "transport", "aors", "auth", "context", "disallow", "allow"}
    | {"direct_media", "accountcode", "deny", "permit", "device_state_busy_at"},
    "ps_auths": {"id", "auth_type", "username", "realm", "md5_cred", "password"},
    "ps_aors": {"id", "max_contacts", "remove_existing", "qualify_frequency"},
}
# carrierdesk's own columns beside them, for a routing script (customer, limits, whitelist).
OWN_COLUMNS = {
    "sip_subscriber": {"customer_id", "channels", "cps", "protocol", "ip_whitelist"},
    "sip_address": {"customer_id", "ip_auth_id", "channels", "cps", "tech_prefix"},
}


def columns_of(db_url: str, view: str) -> set[str]:
    with get_engine(db_url).connect() as conn:
        return set(conn.execute(text(f"SELECT * FROM {view} WHERE 1 = 0")).keys())


def test_each_view_has_the_columns_its_server_reads_and_no_other(db_url: str) -> None:
    for view, expected in SERVER_COLUMNS.items():
        assert columns_of(db_url, view) == expected | OWN_COLUMNS.get(view, set()), view


def test_an_ip_entry_in_opensips_layout(operator: Any, acme: int, db_url: str) -> None:
    entry = {"ip": "203.0.113.0/29", "tech_prefix": "100#", "channels": 30, "cps": 5}
    created = operator.post(f"/customers/{acme}/ip-auth", {**entry, "port": 5080})
    assert created.status_code == 201, created.text
    found = rows(
        db_url,
        "SELECT grp, ip, mask, port, proto, pattern, context_info FROM sip_address ORDER BY grp",
    )
    info = f"{acme}|{created.json()['id']}|30|5|100#"
    assert found == [
        {"grp": 1, "ip": "203.0.113.0", "mask": 29, "port": 0, "proto": "udp", "pattern": None,
         "context_info": info},
        {"grp": 2, "ip": "203.0.113.0", "mask": 29, "port": 5080, "proto": "udp",
         "pattern": None, "context_info": info},
    ]  # fmt: skip


def test_the_version_rows_servers_check(db_url: str) -> None:
    kamailio = rows(db_url, "SELECT table_name, table_version FROM sip_version")
    assert {r["table_name"]: r["table_version"] for r in kamailio} == (
        server_views.KAMAILIO_VERSIONS
    )
    opensips = rows(db_url, "SELECT table_name, table_version FROM sip_version_opensips")
    assert {r["table_name"]: r["table_version"] for r in opensips}["sip_address"] == 5


@pytest.mark.postgres_only
def test_text_columns_are_varchar_in_every_view(pg_url: str) -> None:
    types = rows(
        pg_url,
        "SELECT table_name, column_name, data_type FROM information_schema.columns"
        " WHERE table_name = ANY(:views) AND data_type NOT IN ('integer', 'boolean')",
        views=list(server_views.VIEW_NAMES),
    )
    assert {t["table_name"] for t in types} == set(server_views.VIEW_NAMES)
    assert {t["data_type"] for t in types} == {"character varying"}


@pytest.fixture
def own_postgres(pg_url: str) -> Any:
    """A database of the test's own, for migrations and roles (pg_url: run on PostgreSQL only)."""
    with fresh_postgres(PG_URL, f"carrierdesk_views_{os.getpid()}") as url:
        yield url


@pytest.mark.postgres_only
def test_the_sip_role_reads_the_views_and_nothing_else(own_postgres: str) -> None:
    from carrierdesk.migrate import upgrade
    from carrierdesk.sipauth.grants import grant_sip_role

    upgrade(own_postgres)
    with get_engine(own_postgres).begin() as conn:
        grant_sip_role(conn, "carrierdesk_sip_test", "Kam-pw-'quote")
    role_url = own_postgres.replace("postgres@", "carrierdesk_sip_test:Kam-pw-'quote@", 1)
    engine = get_engine(role_url)
    with engine.connect() as conn:
        for view in server_views.VIEW_NAMES:
            conn.execute(text(f"SELECT * FROM {view}")).all()
    for table in ("sip_users", "customers", "api_tokens", "users"):
        with engine.connect() as conn, pytest.raises(ProgrammingError, match="permission denied"):
            conn.execute(text(f"SELECT * FROM {table}"))
    engine.dispose()


@pytest.mark.postgres_only
def test_migrations_run_up_down_up_with_the_views_and_role_there(own_postgres: str) -> None:
    from alembic import command

    from carrierdesk.migrate import upgrade
    from carrierdesk.sipauth.grants import grant_sip_role

    upgrade(own_postgres)
    engine = get_engine(own_postgres)
    with engine.begin() as conn:
        grant_sip_role(conn, "carrierdesk_sip_test", None)
    # A later migration that alters a column a view uses: refused with the views in place...
    with engine.begin() as conn, pytest.raises(NotSupportedError, match="used by a view"):
        conn.execute(text("ALTER TABLE sip_users ALTER COLUMN realm TYPE varchar(255)"))
    # ... and what env.py does around every migration run makes it work, grants kept.
    with engine.begin() as conn, server_views.suspended(conn):
        conn.execute(text("ALTER TABLE sip_users ALTER COLUMN realm TYPE varchar(255)"))
    cfg = alembic_config(own_postgres)
    command.downgrade(cfg, "0006_outbox_masked")
    assert rows(own_postgres, "SELECT viewname FROM pg_views WHERE viewname = 'sip_accounts'") == []
    command.downgrade(cfg, "base")
    upgrade(own_postgres)
    upgrade(own_postgres)  # nothing to do: the views are dropped and made again
    with engine.begin() as conn:
        assert server_views.existing_views(conn) == set(server_views.VIEW_NAMES)
        grant_sip_role(conn, "carrierdesk_sip_test", None)
        with server_views.suspended(conn):
            pass
        assert {v for v, who in server_views.view_grants(conn)} == set(server_views.VIEW_NAMES)
    engine.dispose()
