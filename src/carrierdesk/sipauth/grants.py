"""`carrierdesk sip grant`: a PostgreSQL role for SIP servers that can read only their views."""

from __future__ import annotations

import re

from sqlalchemy import Connection, text
from sqlalchemy.engine import make_url

from carrierdesk.errors import Invalid
from carrierdesk.sipauth.server_views import VIEW_NAMES

ROLE_NAME = re.compile(r"[a-z_][a-z0-9_]{0,62}")


def require_postgresql(database_url: str, why: str) -> None:
    if make_url(database_url).get_backend_name() != "postgresql":
        raise Invalid.field("database_url", f"must be a PostgreSQL URL: {why}")


def grant_sip_role(conn: Connection, role: str, password: str | None) -> None:
    """Makes `role` (a login role) if it is new, sets its password when one is given, and lets
    it read the SIP server views and add rows to kamailio_cdrs, and nothing else."""
    if not ROLE_NAME.fullmatch(role):
        raise Invalid.field(
            "role", "must be 1–63 lower-case letters, digits or '_', not starting with a digit"
        )
    if password is not None and (not password or "\x00" in password):
        raise Invalid.field("password", "must not be empty or hold a NUL character")
    quoted = conn.dialect.identifier_preparer.quote(role)
    exists = conn.scalar(text("SELECT 1 FROM pg_roles WHERE rolname = :r"), {"r": role})
    if not exists:
        conn.execute(text(f"CREATE ROLE {quoted} LOGIN"))
    if password is not None:
        conn.execute(text(f"ALTER ROLE {quoted} LOGIN PASSWORD {_literal(conn, password)}"))
    conn.execute(text(f"REVOKE ALL ON ALL TABLES IN SCHEMA public FROM {quoted}"))
    conn.execute(text(f"REVOKE ALL ON ALL SEQUENCES IN SCHEMA public FROM {quoted}"))
    conn.execute(text(f"GRANT USAGE ON SCHEMA public TO {quoted}"))
    conn.execute(text(f"GRANT SELECT ON {', '.join(VIEW_NAMES)} TO {quoted}"))
    # The one write: the calls Kamailio records, for the worker to take (cdrs/kamailio.py).
    conn.execute(text(f"GRANT INSERT ON kamailio_cdrs TO {quoted}"))
    conn.execute(text(f"GRANT USAGE ON SEQUENCE kamailio_cdrs_id_seq TO {quoted}"))


def _literal(conn: Connection, value: str) -> str:
    """A string literal for a statement that takes no parameters (ALTER ROLE … PASSWORD)."""
    from psycopg import sql

    return sql.Literal(value).as_string(conn.connection.driver_connection)
