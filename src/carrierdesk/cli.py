"""Every `carrierdesk …` command."""

from __future__ import annotations

import logging
import os
import threading
from typing import Any

import typer

from carrierdesk import terminal
from carrierdesk.cdrs.cli import cdr_app
from carrierdesk.invoices.cli import invoices_app
from carrierdesk.sipauth.cli import sip_app
from carrierdesk.summaries.cli import summary_app

# Each command imports what it needs when it runs, so that `carrierdesk --help` (and every
# command) starts without loading the whole application.

app = typer.Typer(
    help="carrierdesk: the customer back office of a VoIP carrier.",
    no_args_is_help=True,
    add_completion=False,
)
app.add_typer(cdr_app, name="cdr")
app.add_typer(summary_app, name="summary")
app.add_typer(invoices_app, name="invoices")
app.add_typer(sip_app, name="sip")
ROLE_HELP = "admin, operator or viewer"


@app.command()
def migrate() -> None:
    """Bring the database schema up to date."""
    from carrierdesk.config import get_settings
    from carrierdesk.migrate import upgrade

    upgrade(get_settings().database_url)
    terminal.say("Database schema is up to date.", style="green")


HOST_HELP = "address to listen on"
PORT_HELP = "port to listen on"
BASE_URL_NOTE = " (links in emails use it unless CARRIERDESK_BASE_URL says otherwise)"


@app.command()
def serve(
    host: str = typer.Option("127.0.0.1", help=HOST_HELP),
    port: int = typer.Option(8000, help=PORT_HELP + BASE_URL_NOTE),
    no_worker: bool = typer.Option(False, "--no-worker", help="do not run the worker here"),
    workers: int | None = typer.Option(
        None,
        min=1,
        max=64,
        help="server processes (default: one per core on PostgreSQL, one on SQLite)",
    ),
) -> None:
    """Migrate, then serve the Control Panel, the Customer Portal and the API."""
    import uvicorn

    from carrierdesk.app import create_app
    from carrierdesk.config import default_base_url, get_settings
    from carrierdesk.worker.loop import start_in_thread

    base = default_base_url(host, port)
    settings = get_settings()
    processes = workers or default_workers(settings.is_sqlite)
    migrate()
    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(name)s %(message)s")
    terminal.say(
        "Control Panel: ",
        (f"{base}/", "bold"),
        f"  API: {base}/api/v1/docs  ({processes} server process{'es' if processes > 1 else ''})",
    )
    common: dict[str, Any] = {
        "host": host,
        "port": port,
        "proxy_headers": False,  # the app believes only CARRIERDESK_TRUSTED_PROXIES
        "log_level": "info",
        "timeout_graceful_shutdown": GRACEFUL_SECONDS,
        "backlog": 2048,
    }
    if processes == 1:
        uvicorn.run(create_app(run_worker=not no_worker), **common)
        return
    # Several processes: the background worker runs once, here in the supervisor.
    stop = None if no_worker else start_in_thread(settings.worker_poll_seconds)
    try:
        uvicorn.run("carrierdesk.app:create_app", factory=True, workers=processes, **common)
    finally:
        if stop is not None:
            stop.set()


GRACEFUL_SECONDS = 5  # SIGTERM: requests in flight get this long, then the process ends


def default_workers(sqlite: bool) -> int:
    """One server process per core on PostgreSQL (each has its own pool: docs/deployment.md);
    one on SQLite, which has a single writer however many processes there are."""
    return 1 if sqlite else max(1, min(os.cpu_count() or 1, 8))


@app.command()
def worker() -> None:
    """Run the background worker alone (any number may run against one PostgreSQL)."""
    from carrierdesk.config import get_settings
    from carrierdesk.worker.loop import run_forever

    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(name)s %(message)s")
    stop = threading.Event()
    try:
        run_forever(stop, get_settings().worker_poll_seconds)
    except KeyboardInterrupt:
        stop.set()


@app.command("create-admin")
def create_admin(
    email: str = typer.Option(..., help="the user's email, their login"),
    password: str | None = typer.Option(None, help="omit to generate one, printed once"),
    role: str = typer.Option("admin", help=ROLE_HELP),
) -> None:
    """Create a Control Panel user."""
    from carrierdesk.auth.principals import CLI
    from carrierdesk.auth.service import create_user
    from carrierdesk.db import transaction
    from carrierdesk.errors import AppError

    try:
        with transaction() as session:
            user, secret = create_user(session, CLI, email, role, password)
    except AppError as exc:
        terminal.fail(exc.detail)
        raise typer.Exit(1) from None
    terminal.say(f"Created {user.role} ", (user.email, "bold"))
    if password is None:
        terminal.say("Password (shown once): ", (secret, "bold"))


@app.command("create-token")
def create_token(
    name: str = typer.Option(..., help="what the token is for, e.g. 'billing system'"),
    role: str = typer.Option("operator", help=ROLE_HELP + "; or switch, for a SIP server"),
) -> None:
    """Print a new API bearer token (shown once)."""
    from carrierdesk.auth.principals import CLI
    from carrierdesk.auth.service import create_api_token
    from carrierdesk.db import transaction
    from carrierdesk.errors import AppError

    try:
        with transaction() as session:
            _token, raw = create_api_token(session, CLI, name, role)
    except AppError as exc:
        terminal.fail(exc.detail)
        raise typer.Exit(1) from None
    print(raw)


@app.command()
def demo(
    if_empty: bool = typer.Option(False, "--if-empty", help="do nothing when data exists"),
    host: str = typer.Option("127.0.0.1", help="what `serve` will listen on: " + HOST_HELP),
    port: int = typer.Option(8000, help="what `serve` will listen on: " + PORT_HELP),
) -> None:
    """Fill an empty database with a realistic demo account."""
    from carrierdesk.config import default_base_url
    from carrierdesk.db import transaction
    from carrierdesk.demo import DEMO_ADMIN, DEMO_PASSWORD, has_demo_admin, load_demo

    base = default_base_url(host, port)  # the links in the demo's emails, the address below
    with transaction() as session:
        result = load_demo(session, only_if_empty=if_empty)
    if result is None:
        terminal.say("The database already holds data: demo data not loaded.")
    else:
        terminal.say(
            f"Demo account loaded: {result.customers} customers, {result.contacts} contacts."
        )
    with transaction() as session:
        demo_login = has_demo_admin(session)
    if demo_login:
        terminal.say(
            "Control Panel: ",
            (f"{base}/", "bold"),
            "  login ",
            (DEMO_ADMIN, "bold"),
            "  password ",
            (DEMO_PASSWORD, "bold"),
        )
    else:
        terminal.say(
            "Control Panel: ",
            (f"{base}/", "bold"),
            " (log in with your admin; `carrierdesk create-admin --email …` makes one)",
        )


if __name__ == "__main__":
    app()
