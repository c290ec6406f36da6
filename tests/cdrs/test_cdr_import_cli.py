"""`carrierdesk cdr import FILE…`: counts, FILE.rejected.csv, stdin, bad files, re-runs."""

from __future__ import annotations

import csv
from collections.abc import Iterator
from pathlib import Path

import pytest
from sqlalchemy import func, select
from typer.testing import CliRunner

from carrierdesk.cdrs.csvio import Record
from carrierdesk.cli import app
from carrierdesk.db import transaction
from carrierdesk.models import AuditEntry, Cdr
from fixtures.builders import cdr, to_csv


def count(db_url: str) -> int:
    with transaction(db_url) as session:
        return int(session.scalar(select(func.count()).select_from(Cdr)) or 0)


def invoke(*args: str, stdin: bytes | None = None) -> tuple[int, str]:
    result = CliRunner().invoke(app, list(args), input=stdin)
    return result.exit_code, result.output


def test_import_with_rejects_duplicates_and_rerun(
    tmp_path: Path, db_url: str, customer_id: int
) -> None:
    rows = [cdr(f"f-{i}", customer_id) for i in range(5)]
    rows.append(cdr("bad-1", customer_id, sip_code="999"))
    rows.append(cdr("f-0", customer_id))
    path = tmp_path / "cdrs.csv"
    path.write_bytes(to_csv(rows))
    code, output = invoke("cdr", "import", str(path))
    assert code == 0, output
    assert "CDR import" in output and "cdrs.csv.rejected.csv" in output
    assert count(db_url) == 5
    with (tmp_path / "cdrs.csv.rejected.csv").open() as handle:
        [rejected] = list(csv.DictReader(handle))
    assert rejected["row"] == "6" and rejected["call_id"] == "bad-1"
    assert rejected["errors"] == "sip_code: must be between 100 and 699"
    # running it again stores nothing new: every good row is now a duplicate
    code, output = invoke("cdr", "import", str(path))
    assert code == 0 and count(db_url) == 5
    with transaction(db_url) as session:
        messages = session.scalars(select(AuditEntry.message).where(AuditEntry.action == "import"))
        assert "0 accepted, 6 duplicates, 1 rejected" in list(messages)[-1]


def test_stdin_and_several_files(tmp_path: Path, db_url: str, customer_id: int) -> None:
    second = tmp_path / "b.csv"
    second.write_bytes(to_csv([cdr("b-1", None, customer_ref="ACME")]))
    code, output = invoke(
        "cdr", "import", "-", str(second), stdin=to_csv([cdr("s-1", customer_id)])
    )
    assert code == 0, output
    assert count(db_url) == 2


def test_bad_files(tmp_path: Path, db_url: str, customer_id: int) -> None:
    empty = tmp_path / "empty.csv"
    empty.write_bytes(b"")
    header_only = tmp_path / "header.csv"
    header_only.write_bytes(to_csv([cdr("h", customer_id)]).splitlines()[0] + b"\n")
    code, output = invoke("cdr", "import", str(empty), str(header_only))
    assert code == 0 and output.count("no CDRs in the file") == 2
    missing = tmp_path / "missing.csv"
    missing.write_bytes(to_csv([cdr("m-1", customer_id)], ["call_id", "customer_id", "charge"]))
    code, output = invoke("cdr", "import", str(missing))
    assert code == 1
    assert "start_time: column is missing from the header" in output
    utf16 = tmp_path / "utf16.csv"
    utf16.write_bytes(to_csv([cdr("u-1", customer_id)]).decode().encode("utf-16"))
    code, output = invoke("cdr", "import", str(utf16), str(tmp_path / "nonexistent.csv"))
    assert code == 1 and "not UTF-8" in output and "nonexistent.csv" in output
    assert count(db_url) == 0


def test_many_batches_sharing_call_ids_are_stored_once(
    tmp_path: Path, db_url: str, customer_id: int, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Small blocks, so that batches are stored two at a time, each row sent again in the next
    batch and in the one after: every call is stored once, the rest are duplicates, and a
    bad row among them is still named with its row number."""
    from carrierdesk.cdrs import csvblocks

    monkeypatch.setattr(csvblocks, "BLOCK_CHARS", 2_000)
    rows = []
    for i in range(300):
        rows += [cdr(f"m-{i}", customer_id), cdr(f"m-{i - 5}", customer_id)]
    rows.insert(401, cdr("bad-2", customer_id, sip_code="999"))
    path = tmp_path / "many.csv"
    path.write_bytes(to_csv(rows))
    code, output = invoke("cdr", "import", str(path))
    assert code == 0, output
    assert count(db_url) == 305
    with transaction(db_url) as session:
        message = session.scalars(
            select(AuditEntry.message).where(AuditEntry.action == "import")
        ).one()
    assert message.endswith(": 305 accepted, 295 duplicates, 1 rejected")
    with (tmp_path / "many.csv.rejected.csv").open() as handle:
        [rejected] = list(csv.DictReader(handle))
    assert rejected["row"] == "402" and rejected["call_id"] == "bad-2"


def test_a_read_failure_midway_still_reports_every_stored_batch(
    db_url: str, customer_id: int
) -> None:
    """The file fails to read after three batches (a disk error, a broken pipe): the batches
    stored before it are all reported (their rejections written), and the failure is raised."""
    from carrierdesk.auth.principals import CLI
    from carrierdesk.cdrs.service import IngestResult, import_stream

    def batches() -> Iterator[list[Record]]:
        for b in range(3):
            yield list(enumerate([cdr(f"io-{b}-{i}", customer_id) for i in range(5)]))
        raise OSError("read failed")

    reported: list[IngestResult] = []
    with pytest.raises(OSError, match="read failed"):
        import_stream(db_url, CLI, batches(), "broken", lambda _n, r: reported.append(r))
    assert [r.accepted for r in reported] == [5, 5, 5]
    assert count(db_url) == 15
