"""`carrierdesk invoices auto-generate [--customer ID]`."""

from __future__ import annotations

import typer

from carrierdesk import terminal

invoices_app = typer.Typer(help="Invoices.", no_args_is_help=True)


@invoices_app.command("auto-generate")
def auto_generate_command(
    customer: int | None = typer.Option(None, "--customer", help="only this customer's id"),
) -> None:
    """What the Auto Generate Invoice button does, for one customer or every scheduled one."""
    from rich.table import Table

    from carrierdesk.auth.principals import CLI
    from carrierdesk.db import transaction
    from carrierdesk.errors import AppError
    from carrierdesk.invoices.amounts import to_minor
    from carrierdesk.invoices.auto import auto_generate_all

    console = terminal.console()
    try:
        with transaction() as session:
            outcome = auto_generate_all(session, CLI, customer)
            created = [
                (i.number, i.customer_id, i.period_start, i.total, i.currency)
                for i in outcome.created
            ]
            refused = [(p.label(), reason) for p, reason, _ in outcome.refused]
    except AppError as exc:
        terminal.fail(exc.detail)
        raise typer.Exit(1) from None
    if created:
        table = Table("Number", "Customer", "Period start", "Total")
        for number, cid, start, total, currency in created:
            table.add_row(
                number,
                str(cid),
                start.date().isoformat(),
                f"{to_minor(total, currency)} {currency}",
            )
        console.print(table)
    for label, reason in refused:
        terminal.say(f"Not invoiced {label}: {reason}", style="yellow")
    terminal.say(f"{len(created)} invoice(s) created.")
