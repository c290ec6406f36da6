"""`carrierdesk cdr import [--format F] FILE…`: CDR files (or `-` for stdin) into the database:
canonical CSV, or a switch's native format (cdrs/formats/, docs/cdr-formats.md)."""

from __future__ import annotations

import csv
import io
import sys
import time
from contextlib import ExitStack
from pathlib import Path
from typing import IO, TYPE_CHECKING, Any

import typer

from carrierdesk import terminal
from carrierdesk.cdrs.formats import CANONICAL, NAMES

if TYPE_CHECKING:  # the command's own imports wait until it runs: `--help` starts at once
    from zoneinfo import ZoneInfo

    from rich.progress import Progress

    from carrierdesk.cdrs.formats.native import NativeFormat
    from carrierdesk.cdrs.service import IngestResult, Rejection

cdr_app = typer.Typer(help="CDRs: import canonical or native CDR files.", no_args_is_help=True)


class RejectedFile:
    """FILE.rejected.csv beside the input: row, errors, then the columns as they were sent."""

    def __init__(self, path: Path, stack: ExitStack):
        self.path = path
        self.stack = stack
        self.writer: csv.DictWriter[str] | None = None

    def write(self, rejections: list[Rejection]) -> None:
        for rejection in rejections:
            values = dict(rejection.values or {})
            if self.writer is None:
                # surrogateescape: bytes that were not UTF-8 go back out exactly as they came
                handle = self.stack.enter_context(
                    self.path.open("w", newline="", encoding="utf-8", errors="surrogateescape")
                )
                columns = ["row", "errors", *[c for c in values if c not in ("row", "errors")]]
                self.writer = csv.DictWriter(handle, columns, extrasaction="ignore", restval="")
                self.writer.writeheader()
            self.writer.writerow(
                {**values, "row": rejection.row, "errors": "; ".join(rejection.errors)}
            )


def _open(name: str) -> IO[str]:
    if name == "-":
        return io.TextIOWrapper(sys.stdin.buffer, "utf-8-sig", "surrogateescape", newline="")
    return open(name, encoding="utf-8-sig", errors="surrogateescape", newline="")


def _rejected_path(name: str) -> Path:
    return Path("stdin.rejected.csv") if name == "-" else Path(f"{name}.rejected.csv")


def _import_one(
    name: str, progress: Progress, fmt: NativeFormat | None, zone: ZoneInfo
) -> tuple[IngestResult, float]:
    from carrierdesk.auth.principals import CLI
    from carrierdesk.cdrs.csvblocks import csv_batches
    from carrierdesk.cdrs.formats.native import NativeImport
    from carrierdesk.cdrs.service import BATCH, import_stream

    _rejected_path(name).unlink(missing_ok=True)  # a stale one from an earlier run would mislead
    task = progress.add_task(name, total=None, rate=0.0)
    started = time.perf_counter()
    native = NativeImport(fmt, zone) if fmt is not None else None
    with ExitStack() as stack:
        rejected = RejectedFile(_rejected_path(name), stack)
        handle = stack.enter_context(_open(name))

        def on_batch(rows: int, result: IngestResult) -> None:
            if native is not None:
                native.reported(result)  # the rejected rows as the switch wrote them
            rejected.write(result.rejected)
            done = progress.tasks[task].completed + rows
            rate = done / max(time.perf_counter() - started, 1e-9)
            progress.update(task, completed=done, rate=rate)

        if native is None:  # canonical: the block reader, straight into the fast path
            total = import_stream(None, CLI, csv_batches(handle, BATCH), name, on_batch)
        else:
            batches = native.batches(handle, BATCH)
            source = f"{name} ({native.fmt.name})"
            total = import_stream(None, CLI, batches, source, on_batch)
    return total, time.perf_counter() - started


def _format_option(value: str) -> str:
    if value not in NAMES:
        raise typer.BadParameter(f"must be one of {', '.join(NAMES)}")
    return value


@cdr_app.command("import")
def import_files(
    files: list[str] = typer.Argument(..., help="CDR files; - reads stdin"),
    format_name: str = typer.Option(
        CANONICAL,
        "--format",
        callback=_format_option,
        help=f"the files' format: {', '.join(NAMES)} (docs/cdr-formats.md)",
    ),
    timezone: str | None = typer.Option(
        None,
        "--timezone",
        help="the switch's time zone (an IANA name; default UTC), for freeswitch-csv and "
        "asterisk-csv, whose times carry none",
    ),
) -> None:
    """Import CDR files; rejected rows go to FILE.rejected.csv with their reasons."""
    from rich.progress import BarColumn, Progress, SpinnerColumn, TextColumn, TimeElapsedColumn
    from rich.table import Table
    from sqlalchemy.exc import SQLAlchemyError

    from carrierdesk.cdrs.formats import native_format, time_zone
    from carrierdesk.errors import AppError

    console = terminal.console()
    fmt = native_format(format_name)  # its name was checked by _format_option
    try:
        zone = time_zone(timezone, fmt)
    except AppError as exc:
        raise typer.BadParameter(exc.errors[0].message, param_hint="'--timezone'") from None
    table = Table(title="CDR import")
    for column in ("File", "Accepted", "Duplicates", "Rejected", "Rows/s"):
        table.add_column(column, justify="left" if column == "File" else "right")
    failed = False
    progress = Progress(
        SpinnerColumn(),
        TextColumn("{task.description}"),
        BarColumn(),
        TextColumn("{task.completed:,.0f} rows"),
        TextColumn("{task.fields[rate]:,.0f} rows/s"),
        TimeElapsedColumn(),
        console=console,
        disable=not console.is_terminal,
    )
    with progress:
        for name in files:
            try:
                result, seconds = _import_one(name, progress, fmt, zone)
            except (AppError, OSError, SQLAlchemyError) as exc:
                failed = True
                _print_failure(name, exc)
                continue
            rows = result.accepted + result.duplicates + result.rejected_count
            table.add_row(
                name,
                f"{result.accepted:,}",
                f"{result.duplicates:,}",
                f"{result.rejected_count:,}",
                f"{rows / max(seconds, 1e-9):,.0f}",
            )
            if result.rejected_count:
                terminal.say(f"Rejected rows of {name}: {_rejected_path(name)}")
            if rows == 0:
                terminal.say(f"{name}: no CDRs in the file (empty, or a header only).")
    console.print(table)
    if failed:
        raise typer.Exit(1)


def _print_failure(name: str, exc: Any) -> None:
    from sqlalchemy.exc import SQLAlchemyError

    from carrierdesk.errors import AppError

    if isinstance(exc, AppError):
        terminal.fail(f"{name}: {exc.detail}")
        for error in exc.errors:
            terminal.fail(f"  {error.field}: {error.message}")
    elif isinstance(exc, SQLAlchemyError):
        # The database itself failed (unreachable, out of space): not a row's fault. What was
        # committed stays; importing the file again finishes it (stored rows are duplicates).
        reason = (str(getattr(exc, "orig", None) or exc).strip().splitlines() or ["?"])[0]
        terminal.fail(
            f"{name}: the database failed ({reason}); import the file again to finish "
            "(rows already stored count as duplicates)."
        )
    else:
        terminal.fail(f"{name}: {exc}")


@cdr_app.command("retry-kamailio")
def retry_kamailio() -> None:
    """Put the Kamailio calls that were rejected (their reasons in kamailio_cdrs.rejected) back
    in line for the worker, after their cause was fixed (a rate card, a rate, a customer)."""
    from carrierdesk.cdrs.kamailio import retry_rejected
    from carrierdesk.db import transaction

    with transaction() as session:
        count = retry_rejected(session)
    terminal.say(f"{count:,} rejected Kamailio calls are back in line.")


@cdr_app.command("rerate")
def rerate_command(
    customer: int = typer.Option(..., help="the customer's id"),
    start: str = typer.Option(..., "--from", help="first call start time, e.g. 2026-11-01T00:00Z"),
    end: str = typer.Option(..., "--to", help="end of the range (not included)"),
) -> None:
    """Re-rate the customer's CDRs that carrierdesk rated, in [from, to), from the rate cards
    as they now are (refused over an invoice that is not void; audited)."""
    from carrierdesk.auth.principals import CLI
    from carrierdesk.cdrs.rerate import parse_moment, rerate
    from carrierdesk.db import transaction
    from carrierdesk.errors import AppError

    try:
        with transaction() as session:
            done = rerate(
                session, CLI, customer, parse_moment(start, "from"), parse_moment(end, "to")
            )
    except AppError as exc:
        terminal.fail(exc.detail)
        raise typer.Exit(1) from None
    terminal.say(
        f"Re-rated {done.cdrs:,} CDRs: charge {done.charge_before} → {done.charge_after}, "
        f"cost {done.cost_before} → {done.cost_after}."
    )
