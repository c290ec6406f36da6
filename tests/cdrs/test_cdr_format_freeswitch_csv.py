"""`cdr import --format freeswitch-csv` and `POST /cdrs?format=freeswitch-csv`: the Master.csv
of FreeSWITCH's mod_cdr_csv, with --timezone for its local times.

The rows are written as mod_cdr_csv writes them (mod_cdr_csv.c and the vanilla
cdr_csv.conf.xml; no FreeSWITCH runs here): no header; the "example" template
"${caller_id_name}","${caller_id_number}","${destination_number}","${context}",
"${start_stamp}","${answer_stamp}","${end_stamp}","${duration}","${billsec}",
"${hangup_cause}","${uuid}","${bleg_uuid}","${accountcode}","${read_codec}","${write_codec}"
(the module's built-in default is the first 13, with `", "` before accountcode); times
`%Y-%m-%d %T` in the switch's local time, answer_stamp empty when not answered; a variable
that is not set is an empty field, as in the documentation's sample
`"9007","9007","0034688886392","public","2014-05-29 16:59:50","","2014-05-29 16:59:50","0",
"0","NORMAL_CLEARING","a5c9f6c0-e752-11e3-8bfb-65b6c3cdac7d","","","",""`.
"""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from decimal import Decimal
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest
from fastapi.testclient import TestClient
from format_helpers import GERMANY, invoke, rated_customer, rejected, stored
from sqlalchemy import select

from carrierdesk.auth.principals import CLI
from carrierdesk.cdrs.formats.freeswitch_csv import FORMAT
from carrierdesk.cdrs.formats.native import NativeImport
from carrierdesk.cdrs.service import IngestResult, import_stream
from carrierdesk.db import transaction
from carrierdesk.models import AuditEntry
from fixtures.builders import make_customer
from support import Api, problem_fields

UTC0 = datetime(2026, 10, 5, 12, 0, tzinfo=UTC)  # 14:00 in Berlin (CEST)


def row(
    uuid: str,
    account: int | str,
    start: str = "2026-10-05 14:00:00",
    answer: str = "2026-10-05 14:00:10",
    end: str = "2026-10-05 14:01:10",
    billsec: str = "60",
    cause: str = "NORMAL_CLEARING",
    callee: str = "+4930123456",
    builtin: bool = False,
) -> str:
    """One line of Master.csv (the example template, or the built-in default's 13 fields)."""
    duration = "70" if answer else "25"
    fields = ["Alice", "+442079460958", callee, "carrierdesk", start, answer, end, duration]
    fields += [billsec, cause, uuid, "b-" + uuid if answer else "", str(account)]
    if builtin:
        return ",".join(f'"{f}"' for f in fields[:12]) + f', "{fields[12]}"\n'
    return ",".join(f'"{f}"' for f in [*fields, "PCMA", "PCMA"]) + "\n"


def unanswered(uuid: str, account: int, cause: str, callee: str = "+4930123456") -> str:
    return row(uuid, account, answer="", end="2026-10-05 14:00:25", billsec="0", cause=cause,
               callee=callee)  # fmt: skip


@pytest.fixture
def rated(operator: Api, cli_database: str) -> int:
    """A customer with a rate card (Germany by the second), and the CLI pointed at db_url."""
    return rated_customer(operator, "Switched Ltd", *GERMANY)


def master(tmp_path: Path, *lines: str) -> Path:
    path = tmp_path / "Master.csv"
    path.write_text("".join(lines))
    return path


def test_answered_busy_no_answer_cancelled_and_unknown_number(
    tmp_path: Path, rated: int, db_url: str
) -> None:
    path = master(
        tmp_path,
        row("fs-answered", rated),
        unanswered("fs-busy", rated, "USER_BUSY"),
        unanswered("fs-no-answer", rated, "NO_ANSWER"),
        unanswered("fs-cancel", rated, "ORIGINATOR_CANCEL"),
        unanswered("fs-unknown", rated, "UNALLOCATED_NUMBER", "+4930999999"),
        unanswered("fs-cleared", rated, "NORMAL_CLEARING"),  # unanswered: mod_sofia's 480
    )
    code, output = invoke(
        "cdr", "import", "--format", "freeswitch-csv", "--timezone", "Europe/Berlin", str(path)
    )
    assert code == 0, output
    rows = stored(db_url)
    answered = rows["fs-answered"]
    assert (answered.start_time, answered.answer_time) == (UTC0, UTC0 + timedelta(seconds=10))
    assert answered.end_time == UTC0 + timedelta(seconds=70) and answered.duration == 60
    assert (answered.sip_code, answered.sip_reason, answered.release_reason) == (
        200,
        "OK",
        "NORMAL_CLEARING",
    )
    assert answered.customer_id == rated and answered.caller == "+442079460958"
    assert answered.charge == Decimal("0.015000") and answered.dest_name == "Germany Berlin"
    expected = {
        "fs-busy": (486, "Busy Here"),
        "fs-no-answer": (480, "Temporarily Unavailable"),
        "fs-cancel": (487, "Request Terminated"),
        "fs-unknown": (404, "Not Found"),
        "fs-cleared": (480, "Temporarily Unavailable"),
    }
    for uuid, (sip_code, reason) in expected.items():
        got = rows[uuid]
        assert (got.sip_code, got.sip_reason, got.answer_time, got.duration) == (
            sip_code,
            reason,
            None,
            0,
        ), uuid
        assert got.end_time == UTC0 + timedelta(seconds=25) and got.charge == 0
    with transaction(db_url) as session:
        message = session.scalars(select(AuditEntry.message)).all()[-1]
    assert "(freeswitch-csv): 6 accepted, 0 duplicates, 0 rejected" in message


def test_the_built_in_default_template(tmp_path: Path, rated: int, db_url: str) -> None:
    path = master(tmp_path, row("fs-13", rated, builtin=True))
    assert invoke("cdr", "import", "--format", "freeswitch-csv", str(path))[0] == 0
    # no --timezone: the switch runs on UTC
    assert stored(db_url)["fs-13"].start_time == datetime(2026, 10, 5, 14, 0, tzinfo=UTC)


def test_calls_across_the_clock_changes_keep_their_length(
    tmp_path: Path, rated: int, db_url: str
) -> None:
    path = master(
        tmp_path,
        # spring forward (Europe/Berlin, 2026-03-29 02:00 CET → 03:00 CEST)
        row("dst-spring", rated, "2026-03-29 01:59:30", "2026-03-29 01:59:40",
            "2026-03-29 03:00:40"),
        # fall back (2026-10-25 03:00 CEST → 02:00 CET): 02:xx happens twice
        row("dst-fall", rated, "2026-10-25 02:59:30", "2026-10-25 02:59:40",
            "2026-10-25 02:00:40"),
        # the skipped hour cannot be on a Berlin clock
        row("dst-gap", rated, "2026-03-29 02:30:00", "2026-03-29 02:30:10",
            "2026-03-29 03:31:10"),
    )  # fmt: skip
    code, output = invoke(
        "cdr", "import", "--format", "freeswitch-csv", "--timezone", "Europe/Berlin", str(path)
    )
    assert code == 0, output
    rows = stored(db_url)
    spring = rows["dst-spring"]
    assert spring.start_time == datetime(2026, 3, 29, 0, 59, 30, tzinfo=UTC)
    assert spring.end_time == datetime(2026, 3, 29, 1, 0, 40, tzinfo=UTC)
    fall = rows["dst-fall"]
    assert fall.start_time == datetime(2026, 10, 25, 0, 59, 30, tzinfo=UTC)
    assert fall.end_time == datetime(2026, 10, 25, 1, 0, 40, tzinfo=UTC)
    assert spring.duration == fall.duration == 60
    [gap] = rejected(path)
    assert gap["row"] == "3" and gap["uuid"] == "dst-gap"
    assert gap["errors"].startswith(
        "start_stamp: 2026-03-29 02:30:00 does not exist in Europe/Berlin"
    )


def test_the_same_rows_read_in_the_wrong_zone_are_rejected(
    tmp_path: Path, rated: int, db_url: str
) -> None:
    path = master(
        tmp_path,
        row("fall-utc", rated, "2026-10-25 02:59:30", "2026-10-25 02:59:40",
            "2026-10-25 02:00:40"),
    )  # fmt: skip
    assert invoke("cdr", "import", "--format", "freeswitch-csv", str(path))[0] == 0
    [bad] = rejected(path)
    assert "end_time (from end_stamp): is before start_time" in bad["errors"]
    assert stored(db_url) == {}


def test_rows_that_do_not_map_are_rejected_naming_the_field(
    tmp_path: Path, rated: int, db_url: str
) -> None:
    path = master(
        tmp_path,
        row("good-1", rated),
        row("bad-time", rated, start="05/10/2026 14:00"),
        row("bad-answer", rated, answer="2026-10-05T14:00:10"),
        row("", rated),
        row("bad-account", "ACME"),
        row("no-account", ""),
        row("bad-cause", rated, cause="normal clearing"),
        row("bad-billsec", rated, billsec="sixty"),
        row("no-callee", rated, callee=""),
        '"only","three","fields"\n',
        "\n",  # a blank line counts as a row, as in canonical files
        row("unknown-customer", 999999),
        row("good-2", rated),
    )
    code, output = invoke("cdr", "import", "--format", "freeswitch-csv", str(path))
    assert code == 0, output
    assert "Master.csv.rejected.csv" in output
    assert set(stored(db_url)) == {"good-1", "good-2"}
    got = {(r["row"], r["uuid"]): r["errors"] for r in rejected(path)}
    assert got == {
        ("2", "bad-time"): "start_stamp: is not a time (YYYY-MM-DD HH:MM:SS)",
        ("3", "bad-answer"): "answer_stamp: is not a time (YYYY-MM-DD HH:MM:SS)",
        ("4", ""): "uuid: is required",
        ("5", "bad-account"): "accountcode: is not a customer id (carrierdesk's SIP server "
        "settings set it)",
        ("6", "no-account"): "accountcode: is required: carrierdesk's directory sets it to the "
        "customer id",
        ("7", "bad-cause"): "hangup_cause: is not a FreeSWITCH hangup cause (e.g. NORMAL_CLEARING)",
        ("8", "bad-billsec"): "billsec: is not a whole number",
        ("9", "no-callee"): "destination_number: is required",
        ("10", ""): "row: has 3 fields; mod_cdr_csv's example template writes 15 (caller_id_name, "
        "caller_id_number, destination_number, context, start_stamp, answer_stamp, end_stamp, "
        "duration, billsec, hangup_cause, uuid, bleg_uuid, accountcode, read_codec, "
        "write_codec), its built-in default template the first 13",
        ("12", "unknown-customer"): "customer_id (from accountcode): does not match any customer",
    }
    # FILE.rejected.csv holds each row as FreeSWITCH wrote it
    first = rejected(path)[0]
    assert list(first)[:4] == ["row", "errors", "caller_id_name", "caller_id_number"]
    assert first["start_stamp"] == "05/10/2026 14:00" and first["write_codec"] == "PCMA"


def test_an_unknown_time_zone_or_format_is_refused_before_anything(
    tmp_path: Path, rated: int, db_url: str
) -> None:
    path = master(tmp_path, row("tz-1", rated))
    code, output = invoke(
        "cdr", "import", "--format", "freeswitch-csv", "--timezone", "Europe/Atlantis", str(path)
    )
    assert code == 2 and "--timezone" in output and "Europe/Atlantis" in output
    code, output = invoke("cdr", "import", "--format", "freeswitch-xml", str(path))
    assert code == 2 and "--format" in output and "freeswitch-csv" in output
    code, output = invoke("cdr", "import", "--timezone", "UTC", str(path))  # canonical
    assert code == 2 and "--timezone" in output
    assert stored(db_url) == {}


def test_the_api_takes_the_same_rows(
    client: TestClient, operator: Api, rated: int, db_url: str
) -> None:
    body = (row("api-1", rated) + unanswered("api-2", rated, "USER_BUSY") + row("", rated)).encode()
    response = operator.post(
        "/cdrs?format=freeswitch-csv&timezone=Europe/Berlin",
        content=body,
        headers={"Content-Type": "text/csv"},
    )
    assert response.status_code == 200, response.text
    assert response.json() == {
        "accepted": 2,
        "duplicates": 0,
        "rejected": [{"row": 3, "call_id": None, "errors": ["uuid: is required"]}],
    }
    assert stored(db_url)["api-1"].start_time == UTC0
    again = operator.post(
        "/cdrs?format=freeswitch-csv&timezone=Europe/Berlin",
        content=body,
        headers={"Content-Type": "text/csv"},
    )
    assert again.json()["duplicates"] == 2
    refused = operator.post(
        "/cdrs?format=freeswitch-csv&timezone=CEST",
        content=body,
        headers={"Content-Type": "text/csv"},
    )
    assert refused.status_code == 422 and "timezone" in problem_fields(refused)


def test_without_a_rate_card_the_calls_are_rejected_with_the_rating_reason(
    tmp_path: Path, rated: int, operator: Api, db_url: str
) -> None:
    plain = make_customer(operator, "No Card Ltd")
    path = master(tmp_path, row("plain-1", plain), row("rated-1", rated))
    assert invoke("cdr", "import", "--format", "freeswitch-csv", str(path))[0] == 0
    [bad] = rejected(path)
    assert (bad["row"], bad["uuid"]) == ("1", "plain-1")
    assert bad["errors"] == "charge: missing, and the customer has no rate card to rate it"
    assert set(stored(db_url)) == {"rated-1"}


def test_a_large_file_is_read_a_batch_at_a_time(rated: int, db_url: str) -> None:
    """However long the file, the import holds a few batches of native rows at a time."""

    def lines() -> Iterator[str]:  # read lazily, as a file is
        start = datetime(2026, 10, 5, 12, 0)
        for n in range(20_000):
            at = start + timedelta(seconds=n)
            stamp = at.strftime("%Y-%m-%d %H:%M:%S")
            end = (at + timedelta(seconds=5)).strftime("%Y-%m-%d %H:%M:%S")
            yield row(f"big-{n}", rated, stamp, stamp, end, billsec="5")

    native = NativeImport(FORMAT, ZoneInfo("UTC"))
    held: list[int] = []

    def on_batch(rows: int, result: IngestResult) -> None:
        held.append(len(native.pending))
        native.reported(result)

    batches = native.batches(lines(), 1_000)  # type: ignore[arg-type]  # lines, as a file gives
    total = import_stream(db_url, CLI, batches, "big", on_batch)
    assert total.accepted == 20_000 and len(held) == 20
    assert max(held) <= 3  # the batch being stored, the next, the one being read
