"""Text the database cannot store in a CDR (issue 9, gap 3): a NUL (PostgreSQL refuses it),
another control character, or a lone surrogate is that row's rejection reason; every other row
of the batch is stored. A row the database refuses for a reason nobody foresaw is rejected with
the database's reason, and the rest of its batch is still stored; the import never stops."""

from __future__ import annotations

import csv
import json
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import select, text
from typer.testing import CliRunner

from carrierdesk.cdrs.service import BATCH
from carrierdesk.cli import app
from carrierdesk.db import is_postgres, transaction
from carrierdesk.models import Cdr
from cdrs.cdr_helpers import post_csv, stored
from fixtures.builders import cdr, make_customer, to_csv
from support import Api

NUL_RULE = "must not contain control characters (found U+0000)"
TEXT_COLUMNS = [
    "call_id",
    "caller",
    "callee",
    "dest_code",
    "dest_name",
    "sip_reason",
    "release_reason",
    "customer_ref",
    "sip_user",
]


def invoke(*args: str) -> tuple[int, str]:
    result = CliRunner().invoke(app, list(args))
    return result.exit_code, result.output


def call_ids(db_url: str) -> set[str]:
    with transaction(db_url) as session:  # short: an open SQLite transaction blocks the API
        return set(session.scalars(select(Cdr.call_id)))


@pytest.mark.parametrize("column", TEXT_COLUMNS)
def test_a_nul_in_any_text_column_rejects_that_row_only(
    operator: Api, db_url: str, column: str
) -> None:
    cid = make_customer(operator)
    bad = cdr("bad-1", cid)
    bad[column] = "bad\x00-1" if column == "call_id" else "44\x007"
    rows = [cdr("good-0", cid), bad, cdr("good-2", cid)]
    answer = operator.post("/cdrs", rows)
    assert answer.status_code == 200, answer.text
    body = answer.json()
    assert body["accepted"] == 2 and body["duplicates"] == 0
    [rejected] = body["rejected"]
    assert rejected["row"] == 1
    assert rejected["call_id"] == ("bad\x00-1" if column == "call_id" else "bad-1")
    assert rejected["errors"] == [f"{column}: {NUL_RULE}"]
    assert call_ids(db_url) == {"good-0", "good-2"}


def test_json_batch_with_control_characters_and_a_lone_surrogate(
    operator: Api, db_url: str
) -> None:
    cid = make_customer(operator)
    rows = [
        cdr("j-0", cid),
        cdr("j-1", cid, caller="+1202\x00555"),
        cdr("j-2", cid),
        cdr("j-3", cid, sip_reason="Busy\x1bHere", dest_name="UK\x7fMobile"),
        cdr("j-4", cid, release_reason="ok"),
        cdr("j-5", cid),
    ]
    # a lone surrogate cannot be written as UTF-8: send its JSON escape, as a client may
    body = to_json(rows).replace('"ok"', '"\\ud800ok"').replace('"j-5"', '"j-5\\udfff"')
    answer = operator.post("/cdrs", content=body, headers={"Content-Type": "application/json"})
    assert answer.status_code == 200, answer.text
    assert answer.json() == {
        "accepted": 2,
        "duplicates": 0,
        "rejected": [
            {"row": 1, "call_id": "j-1", "errors": [f"caller: {NUL_RULE}"]},
            {
                "row": 3,
                "call_id": "j-3",
                "errors": [
                    "dest_name: must not contain control characters (found U+007F)",
                    "sip_reason: must not contain control characters (found U+001B)",
                ],
            },
            {
                "row": 4,
                "call_id": "j-4",
                "errors": [
                    "release_reason: must be valid Unicode text (found a lone surrogate, U+D800)"
                ],
            },
            {
                "row": 5,
                "call_id": "j-5\\udfff",  # shown escaped: it cannot be JSON text itself
                "errors": ["call_id: must be valid Unicode text (found a lone surrogate, U+DFFF)"],
            },
        ],
    }
    assert call_ids(db_url) == {"j-0", "j-2"}


def to_json(rows: list[dict[str, Any]]) -> str:
    return json.dumps(rows)


def test_csv_batch_with_a_nul_and_tabs_allowed(operator: Api, db_url: str) -> None:
    cid = make_customer(operator)
    rows = [
        cdr("c-1", cid),
        cdr("c-2", cid, dest_name="United\x00Kingdom"),
        cdr("c-3", cid, sip_reason="Busy\tHere"),  # a tab is text
        cdr("c-4", cid, callee="+4420\x0c7946"),
    ]
    answer = post_csv(operator, to_csv(rows))
    assert answer.status_code == 200, answer.text
    assert answer.json() == {
        "accepted": 2,
        "duplicates": 0,
        "rejected": [
            {"row": 2, "call_id": "c-2", "errors": [f"dest_name: {NUL_RULE}"]},
            {
                "row": 4,
                "call_id": "c-4",
                "errors": ["callee: must not contain control characters (found U+000C)"],
            },
        ],
    }
    assert call_ids(db_url) == {"c-1", "c-3"}
    with transaction(db_url) as session:
        assert session.scalar(select(Cdr.sip_reason).where(Cdr.call_id == "c-3")) == "Busy\tHere"


def rejected_rows(path: Path) -> list[dict[str, str]]:
    with path.open(newline="", encoding="utf-8") as handle:
        return list(csv.DictReader(handle))


def count(db_url: str) -> int:
    with transaction(db_url) as session:
        return stored(session)


def test_cli_import_of_a_file_larger_than_a_batch_with_nul_rows(
    tmp_path: Path,
    db_url: str,
    customer_id: int,
) -> None:
    total = BATCH + BATCH // 2
    bad = {BATCH // 2, BATCH + BATCH // 4}  # one in each batch, mid-batch (1-based rows)
    rows = [
        cdr(f"n-{i}", customer_id, caller="+1202\x005550143" if i in bad else "+12025550143")
        for i in range(1, total + 1)
    ]
    path = tmp_path / "big.csv"
    path.write_bytes(to_csv(rows))
    code, output = invoke("cdr", "import", str(path))
    assert code == 0, output
    assert count(db_url) == total - len(bad), output
    rejected = rejected_rows(tmp_path / "big.csv.rejected.csv")
    assert [(r["row"], r["call_id"], r["errors"]) for r in rejected] == [
        (str(i), f"n-{i}", f"caller: {NUL_RULE}") for i in sorted(bad)
    ]
    assert rejected[0]["caller"] == "+1202\x005550143"  # as it was sent
    assert "big.csv.rejected.csv" in output


# --- a refusal nobody foresaw ------------------------------------------------------------------

REFUSED_CALLER = "+19990000000"


@pytest.fixture
def refusing(db_url: str) -> Iterator[str]:
    """A trigger that refuses CDRs from REFUSED_CALLER: a rule the validator does not know."""
    with transaction(db_url) as session:
        if is_postgres(session):
            session.execute(
                text(
                    "CREATE FUNCTION refuse_test() RETURNS trigger LANGUAGE plpgsql AS $$ "
                    "BEGIN RAISE EXCEPTION 'refused by test trigger'; END $$"
                )
            )
            session.execute(
                text(
                    "CREATE TRIGGER refuse_test BEFORE INSERT ON cdrs FOR EACH ROW "
                    f"WHEN (NEW.caller = '{REFUSED_CALLER}') EXECUTE FUNCTION refuse_test()"
                )
            )
        else:
            session.execute(
                text(
                    "CREATE TRIGGER refuse_test BEFORE INSERT ON cdrs "
                    f"WHEN NEW.caller = '{REFUSED_CALLER}' "
                    "BEGIN SELECT RAISE(ABORT, 'refused by test trigger'); END"
                )
            )
    yield "row: the database refused it: refused by test trigger"
    with transaction(db_url) as session:
        session.execute(
            text("DROP TRIGGER refuse_test" + (" ON cdrs" if is_postgres(session) else ""))
        )
        if is_postgres(session):
            session.execute(text("DROP FUNCTION refuse_test()"))


def test_api_batch_the_database_refuses_in_part(operator: Api, db_url: str, refusing: str) -> None:
    cid = make_customer(operator)
    rows = [cdr(f"r-{i}", cid) for i in range(7)]
    rows[2]["caller"] = rows[5]["caller"] = REFUSED_CALLER
    rows[6] = cdr("r-6", cid, sip_code=999)  # and an ordinary rejection
    answer = operator.post("/cdrs", [*rows, cdr("r-0", cid)])  # and a duplicate
    assert answer.status_code == 200, answer.text
    assert answer.json() == {
        "accepted": 4,
        "duplicates": 1,
        "rejected": [
            {"row": 2, "call_id": "r-2", "errors": [refusing]},
            {"row": 5, "call_id": "r-5", "errors": [refusing]},
            {"row": 6, "call_id": "r-6", "errors": ["sip_code: must be between 100 and 699"]},
        ],
    }
    assert call_ids(db_url) == {"r-0", "r-1", "r-3", "r-4"}
    # sent again, the stored rows are duplicates and the refused ones are refused again
    again = operator.post("/cdrs", rows).json()
    assert (again["accepted"], again["duplicates"], len(again["rejected"])) == (0, 4, 3)
    assert count(db_url) == 4


def test_cli_import_the_database_refuses_in_part(
    tmp_path: Path,
    db_url: str,
    customer_id: int,
    refusing: str,
) -> None:
    rows = [cdr(f"q-{i}", customer_id) for i in range(1, 41)]
    for i in (3, 17, 18, 40):
        rows[i - 1]["caller"] = REFUSED_CALLER
    path = tmp_path / "part.csv"
    path.write_bytes(to_csv(rows))
    code, output = invoke("cdr", "import", str(path))
    assert code == 0, output
    assert count(db_url) == 36, output
    rejected = rejected_rows(tmp_path / "part.csv.rejected.csv")
    assert [(r["row"], r["call_id"], r["errors"]) for r in rejected] == [
        (str(i), f"q-{i}", refusing) for i in (3, 17, 18, 40)
    ]
