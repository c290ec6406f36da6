"""`carrierdesk sip …`: what a SIP server needs to authenticate against carrierdesk."""

from __future__ import annotations

import typer

from carrierdesk import terminal

sip_app = typer.Typer(
    help="SIP servers: their read-only role and a ready Kamailio configuration.",
    no_args_is_help=True,
)


@sip_app.command("grant")
def grant_command(
    role: str = typer.Option(..., help="the PostgreSQL role the SIP servers log in as"),
    password: str | None = typer.Option(None, help="its password (left as it is if omitted)"),
) -> None:
    """Let a PostgreSQL role read the SIP server views, and nothing else."""
    from carrierdesk.config import get_settings
    from carrierdesk.db import get_engine
    from carrierdesk.errors import AppError
    from carrierdesk.sipauth.grants import grant_sip_role, require_postgresql

    url = get_settings().database_url
    try:
        require_postgresql(url, "SQLite has no roles")
        with get_engine(url).begin() as conn:
            grant_sip_role(conn, role, password)
    except AppError as exc:
        terminal.fail(exc.detail)
        raise typer.Exit(1) from None
    terminal.say(f"Role {role} can read the SIP server views (and nothing else).")


@sip_app.command("kamailio-config")
def kamailio_config_command(
    listen: str = typer.Option("udp:127.0.0.1:5060", help="where Kamailio listens: udp:IP:PORT"),
    database_url: str | None = typer.Option(
        None, help="the database Kamailio reads (default: carrierdesk's; better: the role's)"
    ),
    outbound: str | None = typer.Option(
        None, help="where calls to anyone not registered here go, e.g. sip:192.0.2.10:5060"
    ),
) -> None:
    """Print a complete kamailio.cfg that authenticates against carrierdesk."""
    from carrierdesk.config import get_settings
    from carrierdesk.errors import AppError
    from carrierdesk.sipauth.kamailio import kamailio_config

    settings = get_settings()
    try:
        config = kamailio_config(
            database_url or settings.database_url, settings.sip_realm, listen, outbound
        )
    except AppError as exc:
        terminal.fail(exc.detail)
        raise typer.Exit(1) from None
    print(config, end="")
