"""`carrierdesk cdr import FILE…`: canonical CDR CSV files (or `-` for stdin) into the database."""

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

if TYPE_CHECKING:  # the command's own imports wait until it runs: `--help` starts at once
    from rich.progress import Progress

    from carrierdesk.cdrs.service import IngestResult, Rejection

cdr_app = typer.Typer(help="CDRs: import canonical CSV files.", no_args_is_help=True)


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


def _import_one(name: str, progress: Progress) -> tuple[IngestResult, float]:
    from carrierdesk.auth.principals import CLI
    from carrierdesk.cdrs.csvblocks import csv_batches
    from carrierdesk.cdrs.service import BATCH, import_stream

    _rejected_path(name).unlink(missing_ok=True)  # a stale one from an earlier run would mislead
    task = progress.add_task(name, total=None, rate=0.0)
    started = time.perf_counter()
    with ExitStack() as stack:
        rejected = RejectedFile(_rejected_path(name), stack)
        handle = stack.enter_context(_open(name))

        def on_batch(rows: int, result: IngestResult) -> None:
            rejected.write(result.rejected)
            done = progress.tasks[task].completed + rows
            rate = done / max(time.perf_counter() - started, 1e-9)
            progress.update(task, completed=done, rate=rate)

        total = import_stream(None, CLI, csv_batches(handle, BATCH), name, on_batch)
    return total, time.perf_counter() - started


@cdr_app.command("import")
def import_files(
    files: list[str] = typer.Argument(..., help="canonical CDR CSV files; - reads stdin"),
) -> None:
    """Import CDR CSV files; rejected rows go to FILE.rejected.csv with their reasons."""
    from rich.progress import BarColumn, Progress, SpinnerColumn, TextColumn, TimeElapsedColumn
    from rich.table import Table
    from sqlalchemy.exc import SQLAlchemyError

    from carrierdesk.errors import AppError

    console = terminal.console()
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
                result, seconds = _import_one(name, progress)
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
                console.print(f"Rejected rows of {name}: {_rejected_path(name)}", soft_wrap=True)
            if rows == 0:
                console.print(
                    f"{name}: no CDRs in the file (empty, or a header only).", soft_wrap=True
                )
    console.print(table)
    if failed:
        raise typer.Exit(1)


def _print_failure(name: str, exc: Any) -> None:
    from sqlalchemy.exc import SQLAlchemyError

    from carrierdesk.errors import AppError

    console = terminal.console()
    if isinstance(exc, AppError):
        console.print(f"[red]{name}: {exc.detail}[/red]", soft_wrap=True)
        for error in exc.errors:
            console.print(f"  [red]{error.field}: {error.message}[/red]")
    elif isinstance(exc, SQLAlchemyError):
        # The database itself failed (unreachable, out of space): not a row's fault. What was
        # committed stays; importing the file again finishes it (stored rows are duplicates).
        reason = (str(getattr(exc, "orig", None) or exc).strip().splitlines() or ["?"])[0]
        console.print(
            f"[red]{name}: the database failed ({reason}); import the file again to finish "
            "(rows already stored count as duplicates).[/red]",
            soft_wrap=True,
        )
    else:
        console.print(f"[red]{name}: {exc}[/red]", soft_wrap=True)
