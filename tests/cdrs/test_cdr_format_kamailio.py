"""`cdr import --format kamailio`: a CSV export of carrierdesk's kamailio_cdrs table (header row
of its column names, NULL as an empty field), mapped by cdrs/kamailio.py canonical() exactly as
the worker's own pass maps the table's rows. The export is made here the way an operator makes
it: PostgreSQL's `COPY kamailio_cdrs TO STDOUT WITH (FORMAT csv, HEADER)` (psql's \\copy), and
on SQLite the rows as sqlite3's `.mode csv` / `.headers on` print them."""

from __future__ import annotations

import csv
import io
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest
from format_helpers import GERMANY, invoke, rated_customer, stored
from sqlalchemy import delete, text

from carrierdesk.cdrs.formats.kamailio import FORMAT
from carrierdesk.cdrs.kamailio import canonical, take
from carrierdesk.db import is_postgres, transaction
from carrierdesk.models import KamailioCdr
from fixtures.builders import make_customer
from support import Api

T0 = Decimal("1796182981.862159")  # 2026-12-02 03:43:01.862159 UTC
COLUMNS = (
    "id,call_id,invite_at,answer_at,end_at,sip_code,sip_reason,caller,callee,sip_user,"
    "customer_id,ip_auth_id,rejected"
)


def kamailio_row(**kw: Any) -> KamailioCdr:
    values: dict[str, Any] = {
        "call_id": "1-22938@127.0.0.1", "invite_at": T0, "answer_at": T0 + Decimal("2.5"),
        "end_at": T0 + Decimal("49.9"), "sip_code": 200, "sip_reason": "OK", "caller": "1100",
        "callee": "4930123456", "sip_user": None, "customer_id": None, "ip_auth_id": None,
    }  # fmt: skip
    return KamailioCdr(**{**values, **kw})


def export(db_url: str) -> str:
    """kamailio_cdrs as an operator exports it."""
    with transaction(db_url) as session:
        if is_postgres(session):
            raw: Any = session.connection().connection.driver_connection
            out = io.BytesIO()
            with raw.cursor().copy(
                "COPY kamailio_cdrs TO STDOUT WITH (FORMAT csv, HEADER)"
            ) as copy:
                for chunk in copy:
                    out.write(chunk)
            return out.getvalue().decode()
        rows = session.execute(text(f"SELECT {COLUMNS} FROM kamailio_cdrs ORDER BY id")).all()
        buffer = io.StringIO()
        writer = csv.writer(buffer, lineterminator="\n")
        writer.writerow(COLUMNS.split(","))
        writer.writerows([["" if v is None else v for v in row] for row in rows])
        return buffer.getvalue()


@pytest.fixture
def rated(operator: Api, cli_database: str) -> int:
    return rated_customer(operator, "Kamailio Ltd", GERMANY[0])


def test_an_export_of_the_table_is_stored_as_the_worker_would_store_it(
    tmp_path: Path, rated: int, operator: Api, db_url: str
) -> None:
    plain = make_customer(operator, "No Card Ltd", currency="USD")
    rows = [
        kamailio_row(call_id="k-answered", customer_id=rated),
        kamailio_row(
            call_id="k-busy",
            customer_id=rated,
            answer_at=None,
            sip_code=486,
            sip_reason="Busy Here",
        ),
        kamailio_row(
            call_id="k-cancel", customer_id=rated, answer_at=None, sip_code=487, caller=None
        ),
        kamailio_row(call_id="k-unrated", customer_id=plain),
    ]
    with transaction(db_url) as session:
        session.add_all(rows)
    path = tmp_path / "kamailio_cdrs.csv"
    path.write_text(export(db_url))
    with transaction(db_url) as session:
        session.execute(delete(KamailioCdr))
    code, output = invoke("cdr", "import", "--format", "kamailio", str(path))
    assert code == 0, output
    got = stored(db_url)
    assert set(got) == {"k-answered", "k-busy", "k-cancel"}
    for source in rows[:3]:
        expected = canonical(source)  # the worker's mapping of the same row
        cdr = got[source.call_id]
        assert cdr.start_time.isoformat() == expected["start_time"]
        answer = cdr.answer_time.isoformat() if cdr.answer_time else None
        assert answer == expected["answer_time"]
        assert (
            str(cdr.duration) == expected["duration"] and str(cdr.sip_code) == expected["sip_code"]
        )
        assert (cdr.caller, cdr.callee, cdr.customer_id) == (source.caller, source.callee, rated)
    assert got["k-answered"].duration == 47 and got["k-answered"].charge == Decimal("0.015667")
    with Path(f"{path}.rejected.csv").open(newline="") as handle:
        [bad] = list(csv.DictReader(handle))
    assert (bad["row"], bad["call_id"]) == ("4", "k-unrated")
    assert bad["errors"] == "charge: missing, and the customer has no rate card to rate it"
    assert list(bad)[:4] == ["row", "errors", "id", "call_id"]
    # the worker's own pass over the same rows finds them stored: the same call ids
    with transaction(db_url) as session:
        session.add_all([kamailio_row(call_id=r.call_id, customer_id=rated) for r in rows[:3]])
    with transaction(db_url) as session:
        result = take(session)
    assert (result.accepted, result.duplicates) == (0, 3)


def test_rows_that_do_not_map_are_rejected_naming_the_field(
    tmp_path: Path, rated: int, db_url: str
) -> None:
    header = "call_id,invite_at,answer_at,end_at,sip_code,callee,customer_id\n"
    good = f"good,{T0},{T0 + 3},{T0 + 63},200,4930123456,{rated}\n"
    lines = [
        good,
        f"t1,yesterday,,{T0 + 63},486,4930123456,{rated}\n",
        f"t2,{T0},soon,{T0 + 63},200,4930123456,{rated}\n",
        f"t3,{T0},,,486,4930123456,{rated}\n",
        f"t4,{T0},,{T0 + 9},busy,4930123456,{rated}\n",
        f"t5,{T0},,{T0 + 9},486,4930123456,ACME\n",
        f",{T0},,{T0 + 9},486,,{rated}\n",
        f"t7,{T0},,{T0 + 9},486\n",
        f"t8,{T0},,{T0 + 9},999,4930123456,{rated}\n",
        f"t9,{T0},{T0 + 3},{T0 + 1},200,4930123456,{rated}\n",
        f"good-2,{T0},,{T0 + 9},404,4930999,{rated}\n",
    ]
    path = tmp_path / "export.csv"
    path.write_text(header + "".join(lines))
    code, output = invoke("cdr", "import", "--format", "kamailio", str(path))
    assert code == 0, output
    assert set(stored(db_url)) == {"good", "good-2"}
    with Path(f"{path}.rejected.csv").open(newline="") as handle:
        got = {(r["row"], r["call_id"]): r["errors"] for r in csv.DictReader(handle)}
    assert got == {
        ("2", "t1"): "invite_at: is not a time (epoch seconds, e.g. 1796292902.123456)",
        ("3", "t2"): "answer_at: is not a time (epoch seconds, e.g. 1796292902.123456)",
        ("4", "t3"): "end_at: is required",
        ("5", "t4"): "sip_code: is not a whole number",
        ("6", "t5"): "customer_id: is not a whole number",
        ("7", ""): "call_id: is required; callee: is required",
        ("8", "t7"): "row: has 5 fields, the header has 7",
        ("9", "t8"): "sip_code: must be between 100 and 699",
        ("10", "t9"): "duration (from answer_at, end_at): must be between 0 and 2147483647; "
        "answer_time (from answer_at): is outside start_time … end_time",
    }


def test_a_header_without_the_columns_is_refused_before_anything(
    tmp_path: Path, rated: int, db_url: str
) -> None:
    path = tmp_path / "acc.csv"
    # Kamailio's own acc table, not carrierdesk's kamailio_cdrs: refused, naming what is missing
    path.write_text("method,from_tag,to_tag,callid,sip_code,sip_reason,time\n")
    code, output = invoke("cdr", "import", "--format", "kamailio", str(path))
    assert code == 1
    assert "lacks columns of kamailio_cdrs: call_id, invite_at, end_at, callee" in output
    assert stored(db_url) == {}


def test_the_api_takes_an_export_too(operator: Api, rated: int, db_url: str) -> None:
    body = (
        "call_id,invite_at,answer_at,end_at,sip_code,callee,customer_id\n"
        f"k-api,{T0},{T0 + 3},{T0 + 63},200,4930123456,{rated}\n"
    )
    response = operator.post(
        "/cdrs?format=kamailio", content=body.encode(), headers={"Content-Type": "text/csv"}
    )
    assert response.json() == {"accepted": 1, "duplicates": 0, "rejected": []}
    assert stored(db_url)["k-api"].duration == 60


def test_the_mapping_is_the_workers_own() -> None:
    """cdrs/formats/kamailio.py writes no mapping of its own: a row read from an export maps
    to exactly what canonical() gives for the same row of the table."""
    line = (
        "call_id,invite_at,answer_at,end_at,sip_code,sip_reason,caller,callee,sip_user,customer_id"
        f"\nx,{T0},{T0 + Decimal('2.5')},{T0 + Decimal('49.9')},200,OK,1100,4930123456,1100,7\n"
    )
    from zoneinfo import ZoneInfo

    [record] = list(FORMAT.read(io.StringIO(line), ZoneInfo("UTC")))
    assert record.mapped == canonical(kamailio_row(call_id="x", sip_user="1100", customer_id=7))


def test_the_registry_has_every_format_the_command_line_offers() -> None:
    from carrierdesk.cdrs.formats import CANONICAL, NAMES, formats

    assert set(NAMES) == {CANONICAL, *formats()}
    assert {f.name for f in formats().values() if f.zoned} == {"freeswitch-csv", "asterisk-csv"}
