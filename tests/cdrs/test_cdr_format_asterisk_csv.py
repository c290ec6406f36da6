"""`cdr import --format asterisk-csv` and `POST /cdrs?format=asterisk-csv`: the Master.csv of
Asterisk's cdr_csv, with --timezone for its local times.

The rows are written as cdr_csv writes them (cdr/cdr_csv.c build_csv_record; no Asterisk runs
here): no header; "accountcode","src","dst","dcontext","clid","channel","dstchannel",
"lastapp","lastdata","start","answer","end",duration,billsec,"disposition","amaflags", then
"uniqueid" with loguniqueid=yes, "userfield" with loguserfield=yes, and "peeraccount",
"linkedid",sequence with newcdrcolumns=yes ([csv] of cdr.conf). Text is quoted with `"`
doubled; numbers are not; a time is `%Y-%m-%d %T` in local time (GMT with usegmtime=yes) and
an unset one (the answer of an unanswered call) an empty unquoted field; dispositions are
ast_cdr_disp2str's ANSWERED, NO ANSWER, BUSY, FAILED, CONGESTION.
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from decimal import Decimal
from pathlib import Path

import pytest
from format_helpers import GERMANY, invoke, rated_customer, rejected, stored

from fixtures.builders import make_customer
from support import Api

UTC0 = datetime(2026, 10, 5, 12, 0, tzinfo=UTC)  # 14:00 in Berlin (CEST)


def row(
    uniqueid: str,
    account: int | str,
    disposition: str = "ANSWERED",
    start: str = "2026-10-05 14:00:00",
    answer: str | None = "2026-10-05 14:00:10",
    end: str = "2026-10-05 14:01:10",
    billsec: str = "60",
    dst: str = "+4930123456",
    userfield: bool = True,
    new_columns: tuple[str, str, str] | None = None,
) -> str:
    """One line of Master.csv as build_csv_record writes it."""
    answered = disposition == "ANSWERED"
    if answer is None or not answered:
        answer, end, billsec = "", "2026-10-05 14:00:25", "0"
    duration = "70" if answered else "25"

    def quoted(value: str) -> str:
        return '"' + value.replace('"', '""') + '"'

    def date(value: str) -> str:
        return quoted(value) if value else ""

    fields = [
        quoted(str(account)),
        quoted("+442079460958"),
        quoted(dst),
        quoted("carrierdesk"),
        quoted('"Alice" <+442079460958>'),
        quoted("PJSIP/1001-00000001"),
        quoted("PJSIP/carrier-00000002" if answered else ""),
        quoted("Dial"),
        quoted(f"PJSIP/{dst}@carrier,60"),
        date(start),
        date(answer),
        date(end),
        duration,
        billsec,
        quoted(disposition),
        quoted("DOCUMENTATION"),
        quoted(uniqueid),
    ]
    if userfield:
        fields.append(quoted(""))
    if new_columns is not None:
        peer, linked, sequence = new_columns
        fields += [quoted(peer), quoted(linked), sequence]
    return ",".join(fields) + "\n"


@pytest.fixture
def rated(operator: Api, cli_database: str) -> int:
    """A customer with a rate card (Germany by the second), and the CLI pointed at db_url."""
    return rated_customer(operator, "Asterisk Ltd", *GERMANY)


def master(tmp_path: Path, *lines: str) -> Path:
    path = tmp_path / "Master.csv"
    path.write_text("".join(lines))
    return path


def test_every_disposition_and_its_sip_code(tmp_path: Path, rated: int, db_url: str) -> None:
    path = master(
        tmp_path,
        row("1796306400.1", rated),
        row("1796306400.2", rated, "BUSY"),
        row("1796306400.3", rated, "NO ANSWER"),
        row("1796306400.4", rated, "FAILED", dst="+4930999999"),  # an unknown number
        row("1796306400.5", rated, "CONGESTION"),
    )
    code, output = invoke(
        "cdr", "import", "--format", "asterisk-csv", "--timezone", "Europe/Berlin", str(path)
    )
    assert code == 0, output
    rows = stored(db_url)
    answered = rows["1796306400.1"]
    assert (answered.start_time, answered.answer_time) == (UTC0, UTC0 + timedelta(seconds=10))
    assert answered.end_time == UTC0 + timedelta(seconds=70) and answered.duration == 60
    assert (answered.sip_code, answered.sip_reason, answered.release_reason) == (
        200,
        "OK",
        "ANSWERED",
    )
    assert answered.customer_id == rated and answered.caller == "+442079460958"
    assert answered.callee == "+4930123456" and answered.charge == Decimal("0.015000")
    expected = {
        "1796306400.2": (486, "Busy Here", "BUSY"),
        "1796306400.3": (480, "Temporarily Unavailable", "NO ANSWER"),
        "1796306400.4": (503, "Service Unavailable", "FAILED"),
        "1796306400.5": (503, "Service Unavailable", "CONGESTION"),
    }
    for uniqueid, (sip_code, reason, release) in expected.items():
        got = rows[uniqueid]
        assert (got.sip_code, got.sip_reason, got.release_reason) == (sip_code, reason, release)
        assert (got.answer_time, got.duration, got.charge) == (None, 0, 0)


@pytest.mark.parametrize(
    ("userfield", "new_columns"),
    [(False, None), (True, None), (False, ("", "1796306400.9", "7")), (True, ("", "x", "7"))],
    ids=["17 fields", "18 fields", "20 fields", "21 fields"],
)
def test_each_layout_of_the_optional_columns(
    tmp_path: Path, rated: int, db_url: str, userfield: bool, new_columns: tuple[str, str, str]
) -> None:
    path = master(
        tmp_path, row("1796306400.9", rated, userfield=userfield, new_columns=new_columns)
    )
    assert invoke("cdr", "import", "--format", "asterisk-csv", str(path))[0] == 0
    # usegmtime=yes (no --timezone): the times are UTC
    expected = "1796306400.9-7" if new_columns else "1796306400.9"
    assert stored(db_url)[expected].start_time == datetime(2026, 10, 5, 14, 0, tzinfo=UTC)


def test_a_channel_that_dials_twice_writes_two_cdrs(
    tmp_path: Path, rated: int, db_url: str
) -> None:
    # failover: the first trunk congested, the second answered; same uniqueid, new sequence
    path = master(
        tmp_path,
        row("1796306400.20", rated, "CONGESTION", new_columns=("", "1796306400.20", "41")),
        row("1796306400.20", rated, new_columns=("", "1796306400.20", "42")),
    )
    assert invoke("cdr", "import", "--format", "asterisk-csv", str(path))[0] == 0
    assert set(stored(db_url)) == {"1796306400.20-41", "1796306400.20-42"}
    # importing the file again stores nothing twice
    assert invoke("cdr", "import", "--format", "asterisk-csv", str(path))[0] == 0
    assert len(stored(db_url)) == 2


def test_the_same_uniqueid_twice_is_one_cdr(tmp_path: Path, rated: int, db_url: str) -> None:
    path = master(tmp_path, row("1796306400.30", rated), row("1796306400.30", rated))
    assert invoke("cdr", "import", "--format", "asterisk-csv", str(path))[0] == 0
    assert list(stored(db_url)) == ["1796306400.30"]


def test_rows_that_do_not_map_are_rejected_naming_the_field(
    tmp_path: Path, rated: int, db_url: str
) -> None:
    without_uniqueid = row("x", rated, userfield=False).rsplit(",", 1)[0] + "\n"
    path = master(
        tmp_path,
        row("1796306400.40", rated),
        without_uniqueid,  # loguniqueid=no
        row("", rated),
        row("1796306400.42", rated, "ANSWERED?"),
        row("1796306400.43", rated, start="yesterday"),
        row("1796306400.44", "ACME"),
        row("1796306400.45", rated, dst=""),
        row("1796306400.46", rated, billsec="-1"),
        '"1","2"\n',
        row("1796306400.49", rated, billsec="200"),
        row("1796306400.50", rated),
    )
    code, output = invoke("cdr", "import", "--format", "asterisk-csv", str(path))
    assert code == 0, output
    assert set(stored(db_url)) == {"1796306400.40", "1796306400.50"}
    got = {(r["row"], r["uniqueid"]): r["errors"] for r in rejected(path)}
    assert got == {
        ("2", ""): "uniqueid: missing (a row of 16 fields): cdr_csv writes it with "
        "loguniqueid=yes in the [csv] section of cdr.conf",
        ("3", ""): "uniqueid: is required (the call's id)",
        ("4", "1796306400.42"): "disposition: is not one of ANSWERED, NO ANSWER, BUSY, FAILED, "
        "CONGESTION",
        ("5", "1796306400.43"): "start: is not a time (YYYY-MM-DD HH:MM:SS)",
        ("6", "1796306400.44"): "accountcode: is not a customer id (carrierdesk's SIP server "
        "settings set it)",
        ("7", "1796306400.45"): "dst: is required",
        ("8", "1796306400.46"): "billsec: is not a whole number",
        ("9", ""): "row: has 2 fields; cdr_csv writes 16 (accountcode, src, dst, dcontext, "
        "clid, channel, dstchannel, lastapp, lastdata, start, answer, end, duration, billsec, "
        "disposition, amaflags), then uniqueid (loguniqueid=yes), userfield (loguserfield=yes) "
        "and peeraccount, linkedid, sequence (newcdrcolumns=yes): 17, 18, 20 or 21",
        ("10", "1796306400.49"): "duration (from billsec): is longer than end_time − answer_time "
        "(+1 s)",
    }
    first = rejected(path)[0]
    assert list(first)[:5] == ["row", "errors", "accountcode", "src", "dst"]
    assert first["clid"] == '"Alice" <+442079460958>'  # the doubled quotes read back


def test_an_answered_row_without_its_answer_time(tmp_path: Path, rated: int) -> None:
    line = row("1796306400.60", rated).replace('"2026-10-05 14:00:10"', "")
    path = master(tmp_path, line)
    assert invoke("cdr", "import", "--format", "asterisk-csv", str(path))[0] == 0
    assert rejected(path)[0]["errors"] == "answer: is required"


def test_the_api_takes_the_same_rows(operator: Api, rated: int, db_url: str) -> None:
    body = (row("1796306400.70", rated) + row("1796306400.71", rated, "BUSY")).encode()
    response = operator.post(
        "/cdrs?format=asterisk-csv&timezone=Europe/Berlin",
        content=body,
        headers={"Content-Type": "text/csv"},
    )
    assert response.json() == {"accepted": 2, "duplicates": 0, "rejected": []}
    assert stored(db_url)["1796306400.70"].start_time == UTC0


def test_without_a_rate_card_the_calls_are_rejected_with_the_rating_reason(
    tmp_path: Path, rated: int, operator: Api, db_url: str
) -> None:
    plain = make_customer(operator, "No Card Ltd")
    path = master(tmp_path, row("1796306400.80", plain), row("1796306400.81", rated))
    assert invoke("cdr", "import", "--format", "asterisk-csv", str(path))[0] == 0
    [bad] = rejected(path)
    assert (bad["row"], bad["uniqueid"]) == ("1", "1796306400.80")
    assert bad["errors"] == "charge: missing, and the customer has no rate card to rate it"
    assert set(stored(db_url)) == {"1796306400.81"}
