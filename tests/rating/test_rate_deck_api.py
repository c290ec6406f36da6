"""Decks through the API (issue 13): PUT /rate-cards/{id}/rates (every bad row named, nothing
stored when one is bad; added to the deck or replacing it), the rates list and the CSV download
(which round-trips)."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

import pytest

from carrierdesk.models import AuditEntry, Rate
from carrierdesk.web.limits import MiB
from fixtures.builders import DECK_HEADER, deck, make_rate_card, put_deck
from fixtures.database import count, fingerprint
from support import Api, problem_fields

VOLATILE = {"api_tokens", "auth_sessions", "login_throttle", "alembic_version"}
MONEY = "must be a decimal ≥ 0 with at most 6 decimal places"


def rates(api: Api, card: int, **params: Any) -> list[dict[str, Any]]:
    response = api.get(f"/rate-cards/{card}/rates", params={"limit": 500, **params})
    assert response.status_code == 200, response.text
    return list(response.json()["items"])


def plain(items: list[dict[str, Any]]) -> list[tuple[Any, ...]]:
    keys = ("prefix", "destination", "rate", "connection_fee")
    more = ("initial_increment", "next_increment", "effective_from")
    return [tuple(r[k] for k in (*keys, *more)) for r in items]


@pytest.fixture
def card(operator: Api) -> int:
    return make_rate_card(operator)


def test_a_deck_is_stored_with_every_column(operator: Api, card: int) -> None:
    body = deck(
        "44,United Kingdom,0.05,0,1,1,2026-01-01T00:00:00Z",
        '447,"United Kingdom, Mobile",0.0123,0.01,30,6,2026-01-01T01:00:00+01:00',
        "4930,Germany Berlin,0.012300,0.000000,60,60,2026-02-01",
        "1,USA,1.5,2,0,1,2026-03-01T10:30:00.25-05:00",
    )
    response = put_deck(operator, card, body)
    assert response.status_code == 200, response.text
    assert response.json() == {"accepted": 4, "rejected": []}
    assert plain(rates(operator, card)) == [
        ("1", "USA", "1.500000", "2.000000", 0, 1, "2026-03-01T15:30:00.250000Z"),
        ("44", "United Kingdom", "0.050000", "0.000000", 1, 1, "2026-01-01T00:00:00Z"),
        ("447", "United Kingdom, Mobile", "0.012300", "0.010000", 30, 6, "2026-01-01T00:00:00Z"),
        ("4930", "Germany Berlin", "0.012300", "0.000000", 60, 60, "2026-02-01T00:00:00Z"),
    ]


def test_optional_columns_take_their_defaults_and_the_header_any_order(
    operator: Api, card: int
) -> None:
    before = datetime.now(UTC)
    body = deck("0.1,44,UK", "0.2,33,", header="rate,prefix,destination")
    assert put_deck(operator, card, body).json() == {"accepted": 2, "rejected": []}
    after = datetime.now(UTC)
    stored = rates(operator, card)
    assert [(r["prefix"], r["destination"], r["rate"]) for r in stored] == [
        ("33", "", "0.200000"),
        ("44", "UK", "0.100000"),
    ]
    for rate in stored:
        assert (rate["connection_fee"], rate["initial_increment"], rate["next_increment"]) == (
            "0.000000",
            1,
            1,
        )
        moment = datetime.fromisoformat(rate["effective_from"])
        assert before <= moment <= after  # the time of the upload
    assert stored[0]["effective_from"] == stored[1]["effective_from"]
    # Empty optional values take the defaults too.
    blank = deck("55,Mexico,0.3,,,,2026-01-01")
    assert put_deck(operator, card, blank).status_code == 200
    mexico = rates(operator, card, prefix="55")[0]
    assert (mexico["connection_fee"], mexico["initial_increment"], mexico["next_increment"]) == (
        "0.000000",
        1,
        1,
    )


def test_a_spreadsheet_export_is_read(operator: Api, card: int) -> None:
    """A byte-order mark, CRLF line ends, header names in capitals with spaces, values with
    spaces around them, blank lines, trailing zeros beyond 6 places."""
    body = (
        b"\xef\xbb\xbfPrefix , Destination,RATE\r\n"
        b" 44 , United Kingdom ,0.05000000\r\n\r\n33,France,.5\r\n\r\n"
    )
    assert put_deck(operator, card, body).json() == {"accepted": 2, "rejected": []}
    stored = rates(operator, card)
    assert [(r["prefix"], r["destination"], r["rate"]) for r in stored] == [
        ("33", "France", "0.500000"),
        ("44", "United Kingdom", "0.050000"),
    ]


@pytest.mark.parametrize(
    ("row", "error"),
    [
        (",UK,0.1", "prefix: must be 1 to 20 digits"),
        ("4a,UK,0.1", "prefix: must be 1 to 20 digits"),
        ("+44,UK,0.1", "prefix: must be 1 to 20 digits"),
        ("1" * 21 + ",UK,0.1", "prefix: must be 1 to 20 digits"),
        ("٤٤,UK,0.1", "prefix: must be 1 to 20 digits"),
        ("44," + "x" * 101 + ",0.1", "destination: must be at most 100 characters"),
        ("44,UK\x07,0.1", "destination: must not contain control characters"),
        ("44,UK,", f"rate: is required ({MONEY})"),
        ("44,UK,-0.1", f"rate: {MONEY}"),
        ("44,UK,0.1234567", f"rate: {MONEY}"),
        ("44,UK,1e-3", f"rate: {MONEY}"),
        ('44,UK,"0,1"', f"rate: {MONEY}"),
        ("44,UK,.", f"rate: {MONEY}"),
        ("44,UK,abc", f"rate: {MONEY}"),
        ("44,UK,١", f"rate: {MONEY}"),
        ("44,UK,1000000000000", "rate: must be less than 1000000000000"),
        ("44,UK,0.1,-1", f"connection_fee: {MONEY}"),
        ("44,UK,0.1,0.0000001", f"connection_fee: {MONEY}"),
        ("44,UK,0.1,0,-1", "initial_increment: must be a whole number of seconds from 0 to 3600"),
        ("44,UK,0.1,0,3601", "initial_increment: must be a whole number of seconds from 0 to 3600"),
        ("44,UK,0.1,0,1.5", "initial_increment: must be a whole number of seconds from 0 to 3600"),
        ("44,UK,0.1,0,1,0", "next_increment: must be a whole number of seconds from 1 to 3600"),
        ("44,UK,0.1,0,1,3601", "next_increment: must be a whole number of seconds from 1 to 3600"),
        ("44,UK,0.1,0,1,six", "next_increment: must be a whole number of seconds from 1 to 3600"),
        ("44,UK,0.1,0,1,1,2026-01-01T00:00:00", "effective_from: must be an ISO 8601 time"),
        ("44,UK,0.1,0,1,1,01/02/2026", "effective_from: must be an ISO 8601 time"),
        ("44,UK,0.1,0,1,1,yesterday", "effective_from: must be an ISO 8601 time"),
        ("44,UK,0.1,0,1,1,2026-01-01T00:00:00.1234567Z", "effective_from: must be an ISO 8601"),
        ("44,UK,0.1,0,1,1,2026-02-30", "effective_from: is not a real date and time"),
        ("44,UK,0.1,0,1,1,2026-01-01T24:00:00Z", "effective_from: is not a real date and time"),
        ("44,UK,0.1,0,1,1,2026-12-31T23:59:60Z", "effective_from: is not a real date and time"),
        ("44,UK,0.1,0,1,1,1969-12-31", "effective_from: must be in the years 1970 to 9999"),
        ("44,UK,0.1,0,1,1,9999-12-31T23:00:00-02:00", "effective_from: must be in the years"),
        ("44,UK,0.1,0,1,1,2026-01-01,extra", "row: has more values than the header's 7 columns"),
        ("44\x00,UK,0.1", "prefix: contains a NUL byte"),
        ("44,U\x00K,0.1", "destination: contains a NUL byte"),
        ("44,UK,0.1\x00", "rate: contains a NUL byte"),
        ("44,UK,0.1,0,1\x00", "initial_increment: contains a NUL byte"),
        ("44,UK,0.1,0,1,1,2026-01-01\x00", "effective_from: contains a NUL byte"),
    ],
)
def test_each_bad_value_is_named_and_nothing_is_stored(
    operator: Api, db_url: str, card: int, row: str, error: str
) -> None:
    assert put_deck(operator, card, deck("33,France,0.2,0,1,1,2026-01-01")).status_code == 200
    before = fingerprint(db_url, VOLATILE)
    response = put_deck(operator, card, deck("49,Germany,0.1,0,1,1,2026-01-01", row))
    assert response.status_code == 422, response.text
    assert response.headers["content-type"].startswith("application/problem+json")
    body = response.json()
    assert body["accepted"] == 0
    assert [r["row"] for r in body["rejected"]] == [2]
    assert len(body["rejected"][0]["errors"]) == 1, body["rejected"]
    assert body["rejected"][0]["errors"][0].startswith(error), body["rejected"]
    assert fingerprint(db_url, VOLATILE) == before


def test_bytes_that_are_not_utf8_name_their_row_and_column(
    operator: Api, db_url: str, card: int
) -> None:
    before = fingerprint(db_url, VOLATILE)
    body = deck("44,UK,0.1").replace(b"UK", b"U\xffK") + b"33,France,0.\xe92\n"
    response = put_deck(operator, card, body)
    assert response.status_code == 422
    assert response.json()["rejected"] == [
        {"row": 1, "errors": ["destination: is not UTF-8 text (save the file as UTF-8)"]},
        {"row": 2, "errors": ["rate: is not UTF-8 text (save the file as UTF-8)"]},
    ]
    assert fingerprint(db_url, VOLATILE) == before


def test_every_bad_row_is_named_with_every_error(operator: Api, db_url: str, card: int) -> None:
    good = [f"{4400 + n},UK {n},0.01,0,1,1,2026-01-01" for n in range(20)]
    rows = [*good[:5], "x,UK,-1", *good[5:10], "", "45,Denmark,0.1,0,0,0,2026-13-01", *good[10:]]
    before = fingerprint(db_url, VOLATILE)
    response = put_deck(operator, card, deck(*rows))
    assert response.status_code == 422
    body = response.json()
    assert body["detail"] == "2 of 22 rates are not right: nothing was stored."
    assert body["rejected"] == [
        {"row": 6, "errors": ["prefix: must be 1 to 20 digits", f"rate: {MONEY}"]},
        {
            "row": 13,
            "errors": [
                "next_increment: must be a whole number of seconds from 1 to 3600",
                "effective_from: is not a real date and time",
            ],
        },
    ]
    assert fingerprint(db_url, VOLATILE) == before
    assert count(db_url, AuditEntry, AuditEntry.action == "rates") == 0


def test_a_prefix_and_time_given_twice_is_an_error_of_the_later_row(
    operator: Api, db_url: str, card: int
) -> None:
    body = deck(
        "44,UK,0.1,0,1,1,2026-01-01",
        "44,UK later,0.1,0,1,1,2026-02-01",
        "33,France,0.1,0,1,1,2026-01-01",
        "44,UK again,0.2,0,1,1,2026-01-01T01:00:00+01:00",
        "44,UK thrice,0.3,0,1,1,2026-01-01T00:00:00Z",
    )
    before = fingerprint(db_url, VOLATILE)
    response = put_deck(operator, card, body)
    assert response.status_code == 422
    first = "prefix: 44 from 2026-01-01T00:00:00Z is already in row 1"
    assert response.json()["rejected"] == [
        {"row": 4, "errors": [first]},
        {"row": 5, "errors": [first]},
    ]
    assert fingerprint(db_url, VOLATILE) == before
    # Without a time, every row takes the time of the upload: the same prefix twice clashes.
    again = put_deck(
        operator, card, deck("44,UK,0.1", "44,UK,0.2", header="prefix,destination,rate")
    )
    assert [r["row"] for r in again.json()["rejected"]] == [2]


@pytest.mark.parametrize(
    ("body", "field", "message"),
    [
        (b"", "body", "is empty"),
        (b" \r\n\n", "body", "is empty"),
        (b"prefix,destination,rate\n", "body", "has a header but no rates"),
        (b"prefix,destination,rate\n\n\n", "body", "has a header but no rates"),
        (b"prefix,destination,rate", "body", "has a header but no rates"),
        (b"prefix,destination,price\n44,UK,0.1\n", "price", "unknown column"),
        (b"prefix,destination\n44,UK\n", "rate", "column is missing from the header"),
        (b"prefix,rate\n44,0.1\n", "destination", "column is missing from the header"),
        (b"destination,rate\nUK,0.1\n", "prefix", "column is missing from the header"),
        (b"prefix,destination,rate,rate\n44,UK,0.1,0.2\n", "rate", "column is given twice"),
        (b"prefix,destination,rate,\n44,UK,0.1,\n", "header", "column 4 has no name"),
        (b"prefix,destin\xffation,rate\n44,UK,0.1\n", "header", "is not UTF-8 text"),
        (b"prefix,destination\x00,rate\n44,UK,0.1\n", "header", "contains a NUL byte"),
        (b"prefix,destination,rate\r44,UK,0.1\r", "header", "end lines with LF or CRLF"),
        (b'"prefix,destination,rate\n44,UK,0.1\n', "header", "close every quote"),
    ],
)
def test_a_deck_the_file_itself_refuses_is_named_and_nothing_is_stored(
    operator: Api, db_url: str, card: int, body: bytes, field: str, message: str
) -> None:
    before = fingerprint(db_url, VOLATILE)
    response = put_deck(operator, card, body)
    assert response.status_code == 422, response.text
    assert message in problem_fields(response)[field]
    assert response.json()["accepted"] == 0 and response.json()["rejected"] == []
    assert fingerprint(db_url, VOLATILE) == before


def test_an_unknown_column_is_named_with_every_other_problem(operator: Api, card: int) -> None:
    response = put_deck(operator, card, b"prefix,price,tier\n44,0.1,1\n")
    fields = problem_fields(response)
    assert set(fields) == {"price", "tier", "destination", "rate"}
    assert fields["price"].startswith("unknown column: a deck's columns are prefix, destination")


@pytest.mark.parametrize(
    ("body", "row"),
    [
        (b'44,"UK,0.1\n33,France,0.2\n', 1),
        (b'44,UK,0.1\n33,"France"x,0.2\n', 2),
    ],
)
def test_csv_that_is_not_well_formed_names_the_row(
    operator: Api, db_url: str, card: int, body: bytes, row: int
) -> None:
    before = fingerprint(db_url, VOLATILE)
    response = put_deck(operator, card, b"prefix,destination,rate\n" + body)
    assert response.status_code == 422
    rejected = response.json()["rejected"]
    assert [r["row"] for r in rejected] == [row]
    assert rejected[0]["errors"][0].startswith("row: the CSV cannot be read from here")
    assert fingerprint(db_url, VOLATILE) == before


@pytest.mark.parametrize("content_type", ["application/json", "text/plain", None])
def test_a_body_that_is_not_text_csv_is_refused(
    operator: Api, db_url: str, card: int, content_type: str | None
) -> None:
    before = fingerprint(db_url, VOLATILE)
    response = put_deck(operator, card, deck("44,UK,0.1"), content_type=content_type)
    assert response.status_code == 400
    assert problem_fields(response)["Content-Type"].startswith("must be text/csv")
    assert fingerprint(db_url, VOLATILE) == before
    charset = put_deck(operator, card, deck("44,UK,0.1"), content_type="text/csv; charset=utf-8")
    assert charset.status_code == 200


def test_a_body_over_64_mib_is_refused_before_it_is_read(
    operator: Api, db_url: str, card: int
) -> None:
    before = fingerprint(db_url, VOLATILE)
    body = deck("44,UK,0.1") + b" " * (64 * MiB)
    response = put_deck(operator, card, body)
    assert response.status_code == 413
    assert response.json()["detail"] == (
        "The request body is larger than this endpoint takes (64 MiB)."
    )
    assert fingerprint(db_url, VOLATILE) == before


def test_a_deck_larger_than_the_api_s_usual_limit_is_taken(operator: Api, card: int) -> None:
    rows = [
        f"{44_000_000 + n},United Kingdom Mobile {n},0.{n:06d},0,60,60,2026-01-01"
        for n in range(30_000)
    ]
    body = deck(*rows)
    assert len(body) > MiB  # the API's usual limit
    assert put_deck(operator, card, body).json() == {"accepted": 30_000, "rejected": []}
    assert operator.get(f"/rate-cards/{card}/rates", params={"limit": 1}).json()["total"] == 30_000


def test_an_upload_is_added_to_the_deck_and_replace_makes_it_the_whole_deck(
    operator: Api, card: int
) -> None:
    first = deck(
        "44,UK,0.1,0,1,1,2026-01-01",
        "33,France,0.2,0,1,1,2026-01-01",
    )
    assert put_deck(operator, card, first).json()["accepted"] == 2
    later = deck(
        "44,UK new,0.15,0.01,60,60,2026-01-01",  # the same prefix and time: replaced
        "44,UK from March,0.12,0,1,1,2026-03-01",  # a later rate of the same prefix: added
        "49,Germany,0.3,0,1,1,2026-01-01",
    )
    assert put_deck(operator, card, later).json()["accepted"] == 3
    assert plain(rates(operator, card)) == [
        ("33", "France", "0.200000", "0.000000", 1, 1, "2026-01-01T00:00:00Z"),
        ("44", "UK new", "0.150000", "0.010000", 60, 60, "2026-01-01T00:00:00Z"),
        ("44", "UK from March", "0.120000", "0.000000", 1, 1, "2026-03-01T00:00:00Z"),
        ("49", "Germany", "0.300000", "0.000000", 1, 1, "2026-01-01T00:00:00Z"),
    ]
    whole = deck("1,USA,0.01,0,6,6,2026-02-01", "44,UK,0.09,0,1,1,2026-01-01")
    assert put_deck(operator, card, whole, replace=True).json()["accepted"] == 2
    assert plain(rates(operator, card)) == [
        ("1", "USA", "0.010000", "0.000000", 6, 6, "2026-02-01T00:00:00Z"),
        ("44", "UK", "0.090000", "0.000000", 1, 1, "2026-01-01T00:00:00Z"),
    ]


def test_a_refused_upload_leaves_the_deck_as_it_was(operator: Api, card: int) -> None:
    assert put_deck(operator, card, deck("44,UK,0.1,0,1,1,2026-01-01")).status_code == 200
    before = rates(operator, card)
    refused = put_deck(operator, card, deck("33,France,0.2", "x,bad,1"), replace=True)
    assert refused.status_code == 422
    assert rates(operator, card) == before


def test_each_card_keeps_its_own_deck(operator: Api, card: int) -> None:
    other = make_rate_card(operator, "Other")
    assert put_deck(operator, card, deck("44,UK,0.1,0,1,1,2026-01-01")).status_code == 200
    assert (
        put_deck(operator, other, deck("33,FR,0.2,0,1,1,2026-01-01"), replace=True).status_code
        == 200
    )
    assert [r["prefix"] for r in rates(operator, card)] == ["44"]
    assert [r["prefix"] for r in rates(operator, other)] == ["33"]


ROUND_TRIP = deck(
    '447,"United Kingdom, Mobile ""EE""",0.0123,0.01,30,6,2026-01-01T01:00:00+01:00',
    "44,United Kingdom,0.05,0,1,1,2026-01-01",
    "44,United Kingdom,0.04,0,1,1,2026-06-01T12:30:00.123456Z",
    "1,,999999999999.999999,0,0,3600,1970-01-01",
    "49,Deutschland – Festnetz,0.000001,0,60,60,2026-02-01T00:00:00-05:30",
)


def test_the_download_is_the_deck_in_the_upload_format_and_round_trips(
    operator: Api, viewer: Api, db_url: str, card: int
) -> None:
    assert put_deck(operator, card, ROUND_TRIP).json()["accepted"] == 5
    stored = rates(operator, card)
    download = viewer.get(f"/rate-cards/{card}/rates.csv")
    assert download.status_code == 200
    assert download.headers["content-type"].startswith("text/csv")
    assert f"rate-card-{card}.csv" in download.headers["content-disposition"]
    lines = download.text.splitlines()
    assert lines[0] == DECK_HEADER
    assert lines[1:] == [
        '1,"",999999999999.999999,0.000000,0,3600,1970-01-01T00:00:00Z',
        "44,United Kingdom,0.050000,0.000000,1,1,2026-01-01T00:00:00Z",
        "44,United Kingdom,0.040000,0.000000,1,1,2026-06-01T12:30:00.123456Z",
        '447,"United Kingdom, Mobile ""EE""",0.012300,0.010000,30,6,2026-01-01T00:00:00Z',
        "49,Deutschland – Festnetz,0.000001,0.000000,60,60,2026-02-01T05:30:00Z",
    ]
    again = put_deck(operator, card, download.content)
    assert again.json() == {"accepted": 5, "rejected": []}
    assert rates(operator, card) == stored
    replaced = put_deck(operator, card, download.content, replace=True)
    assert replaced.status_code == 200
    assert plain(rates(operator, card)) == plain(stored)
    assert viewer.get(f"/rate-cards/{card}/rates.csv").content == download.content


def test_an_empty_card_downloads_its_header_only(viewer: Api, card: int) -> None:
    download = viewer.get(f"/rate-cards/{card}/rates.csv")
    assert download.status_code == 200
    assert download.text.splitlines() == [DECK_HEADER]


def test_rates_list_pages_and_filters_by_prefix(operator: Api, viewer: Api, card: int) -> None:
    prefixes = ["1", "33", "44", "441", "4420", "447", "447700", "45", "4"]
    rows = [f"{p},Dest {p},0.1,0,1,1,2026-01-01" for p in prefixes]
    assert put_deck(operator, card, deck(*rows)).status_code == 200
    page = viewer.get(f"/rate-cards/{card}/rates", params={"limit": 3, "offset": 2}).json()
    assert page["total"] == 9
    assert [r["prefix"] for r in page["items"]] == ["4", "44", "441"]
    uk = viewer.get(f"/rate-cards/{card}/rates", params={"prefix": "44"}).json()
    assert uk["total"] == 5
    assert [r["prefix"] for r in uk["items"]] == ["44", "441", "4420", "447", "447700"]
    mobile = viewer.get(f"/rate-cards/{card}/rates", params={"prefix": "447", "limit": 1}).json()
    assert mobile["total"] == 2 and [r["prefix"] for r in mobile["items"]] == ["447"]
    none = viewer.get(f"/rate-cards/{card}/rates", params={"prefix": "9"}).json()
    assert none == {"items": [], "total": 0}
    for bad in ("4a", "%", "4_", "1" * 21):
        response = viewer.get(f"/rate-cards/{card}/rates", params={"prefix": bad})
        assert response.status_code == 422
        assert "prefix" in problem_fields(response)
    assert viewer.get(f"/rate-cards/{card}/rates", params={"limit": 0}).status_code == 422


def test_an_upload_is_one_audit_entry(operator: Api, admin: Api, db_url: str, card: int) -> None:
    rows = [f"{4400 + n},UK,0.01,0,1,1,2026-01-01" for n in range(50)]
    assert put_deck(operator, card, deck(*rows)).status_code == 200
    assert put_deck(operator, card, deck(*rows[:10]), replace=True).status_code == 200
    entries = admin.get("/audit-log").json()["items"]
    uploads = [e for e in entries if e["action"] == "rates"]
    assert len(uploads) == 2
    replace, merge = uploads  # newest first
    assert merge["table"] == "rate_cards" and merge["record_id"] == card
    assert merge["message"] == (
        "Rate card Retail EUR: 50 rates uploaded (added to the deck; 50 rates now)"
    )
    assert merge["changes"] == {"rates": [0, 50], "accepted": [None, 50]}
    assert replace["changes"] == {"rates": [50, 10], "accepted": [None, 10]}
    assert "replacing the deck" in replace["message"]
    assert count(db_url, Rate) == 10
