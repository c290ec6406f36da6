"""`carrierdesk summary refresh`."""

from __future__ import annotations

import time

import typer

from carrierdesk import terminal

summary_app = typer.Typer(help="Call summaries.", no_args_is_help=True)


@summary_app.command("refresh")
def refresh_command() -> None:
    """Bring the summaries up to date now."""
    from carrierdesk.db import transaction
    from carrierdesk.summaries.refresh import refresh

    started = time.perf_counter()
    with transaction() as session:
        hours = refresh(session)
    seconds = time.perf_counter() - started
    terminal.say(f"Summaries up to date: {hours:,} customer-hours rebuilt in {seconds:.2f} s.")
