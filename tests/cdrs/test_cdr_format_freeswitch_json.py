"""`POST /api/v1/cdrs?format=freeswitch-json` and `cdr import --format freeswitch-json`: what
FreeSWITCH's mod_json_cdr sends, with the credentials it can send (HTTP Basic, a switch token).

The documents are written as mod_json_cdr produces them, since no FreeSWITCH runs here
(mod_json_cdr.c, switch_ivr.c switch_ivr_generate_json_cdr, and the module's documentation):
- an object with `core-uuid`, `switchname`, `channel_data`, `variables` (every channel
  variable, each value a string, url-encoded when `encode-values` is true, its default),
  `app_log`, `callflow` (`caller_profile` with caller_id_number, destination_number, …; on a
  B leg an `originator`, `times`);
- posted to `<url>?uuid=<uuid>` with `Content-Type: application/json` (`encode` false), or as
  the form field `cdr=` url-encoded (`encode` true, application/x-www-form-urlencoded) or in
  base64 (`encode` base64, application/x-www-form-base64-encoded), user agent
  `freeswitch-json/1.0`, credentials `cred` = "user:password" as HTTP Basic;
- the times: `start_uepoch`, `answer_uepoch` (0 when not answered), `end_uepoch` in
  microseconds since the epoch; `billsec` the seconds from answer to end.
"""

from __future__ import annotations

import base64
import copy
import json
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from decimal import Decimal
from pathlib import Path
from typing import Any
from urllib.parse import quote

import pytest
from fastapi.testclient import TestClient
from format_helpers import GERMANY, invoke, rated_customer, stored
from sqlalchemy import func, select

from carrierdesk.config import get_settings
from carrierdesk.db import get_engine, get_sessionmaker, transaction
from carrierdesk.models import Cdr
from fixtures.builders import make_customer
from support import Api, make_token, problem_fields

T0 = datetime(2026, 10, 5, 12, 0, tzinfo=UTC)
URL = "/api/v1/cdrs?format=freeswitch-json"
CAUSE_Q850 = {
    "NORMAL_CLEARING": 16,
    "USER_BUSY": 17,
    "NO_ANSWER": 19,
    "ORIGINATOR_CANCEL": 487,
    "UNALLOCATED_NUMBER": 1,
}


def uepoch(moment: datetime) -> str:
    return str(int(moment.timestamp()) * 1_000_000 + moment.microsecond)


def document(
    uuid: str,
    customer: int | None,
    *,
    answer_after: float | None = 10.0,
    talk: float = 60.0,
    cause: str = "NORMAL_CLEARING",
    term_status: str | None = None,
    phrase: str | None = None,
    callee: str = "+4930123456",
    caller: str = "+442079460958",
    start: datetime = T0,
    sip_user: str | None = "1001",
    encode_values: bool = True,
) -> dict[str, Any]:
    """The document mod_json_cdr writes for the A leg of a call from SIP user 1001 (directory
    variables from carrierdesk: carrierdesk_customer_id, accountcode), bridged to a gateway."""
    answer = start + timedelta(seconds=answer_after) if answer_after is not None else None
    progress = start + timedelta(seconds=2)
    end = (answer + timedelta(seconds=talk)) if answer else start + timedelta(seconds=25)
    billsec = int(end.timestamp()) - int(answer.timestamp()) if answer else 0
    duration = int(end.timestamp()) - int(start.timestamp())
    local = "%Y-%m-%d %H:%M:%S"
    variables: dict[str, str | None] = {
        "direction": "inbound",
        "uuid": uuid,
        "session_id": "41",
        "sip_from_user": sip_user,
        "sip_from_uri": f"{sip_user}@carrierdesk.local",
        "sip_from_host": "carrierdesk.local",
        "channel_name": f"sofia/internal/{sip_user}@carrierdesk.local",
        "sip_call_id": "3c26700e5b2f-7g9xqakm2s1d@198.51.100.23",
        "sip_local_network_addr": "192.0.2.10",
        "sip_network_ip": "198.51.100.23",
        "sip_network_port": "5060",
        "sip_received_ip": "198.51.100.23",
        "sip_user_agent": "Yealink SIP-T46S 66.86.0.15",
        "sip_req_user": callee,
        "sip_req_uri": f"{callee}@carrierdesk.local",
        "sip_to_user": callee,
        "sip_auth_username": sip_user,
        "sip_auth_realm": "carrierdesk.local",
        "number_alias": sip_user,
        "user_name": sip_user,
        "domain_name": "carrierdesk.local",
        "user_context": "carrierdesk",
        "carrierdesk_customer_id": None if customer is None else str(customer),
        "carrierdesk_channels": "10",
        "carrierdesk_cps": "0",
        "accountcode": None if customer is None else str(customer),
        "effective_caller_id_number": caller,
        "dialed_user": callee,
        "current_application": "bridge",
        "originate_disposition": "SUCCESS" if answer else cause,
        "hangup_cause": cause,
        "hangup_cause_q850": str(CAUSE_Q850.get(cause, 16)),
        "sip_term_status": term_status,
        "sip_term_cause": str(CAUSE_Q850.get(cause, 16)) if term_status else None,
        "sip_hangup_phrase": phrase,
        "read_codec": "PCMA",
        "write_codec": "PCMA",
        "start_stamp": start.strftime(local),
        "profile_start_stamp": start.strftime(local),
        "progress_stamp": progress.strftime(local),
        "answer_stamp": answer.strftime(local) if answer else None,
        "end_stamp": end.strftime(local),
        "start_epoch": str(int(start.timestamp())),
        "start_uepoch": uepoch(start),
        "profile_start_uepoch": uepoch(start),
        "answer_epoch": str(int(answer.timestamp())) if answer else "0",
        "answer_uepoch": uepoch(answer) if answer else "0",
        "bridge_uepoch": uepoch(answer) if answer else "0",
        "progress_uepoch": uepoch(progress),
        "progress_media_uepoch": "0",
        "end_epoch": str(int(end.timestamp())),
        "end_uepoch": uepoch(end),
        "last_app": "bridge",
        "last_arg": f"sofia/gateway/carrier/{callee}",
        "caller_id": f'"{sip_user}" <{caller}>',
        "duration": str(duration),
        "billsec": str(billsec),
        "progresssec": "2",
        "answersec": str(int(answer_after)) if answer_after is not None else "0",
        "waitsec": str(int(answer_after)) if answer_after is not None else "0",
        "mduration": str(duration * 1000),
        "billmsec": str(billsec * 1000),
        "uduration": str(duration * 1_000_000),
        "billusec": str(billsec * 1_000_000),
    }
    present = {k: v for k, v in variables.items() if v}  # FreeSWITCH leaves out empty ones
    if encode_values:
        present = {k: quote(v, safe="-_.!~*'()") for k, v in present.items()}
    profile = {
        "username": sip_user,
        "dialplan": "XML",
        "caller_id_name": sip_user,
        "ani": caller,
        "aniii": "",
        "caller_id_number": caller,
        "network_addr": "198.51.100.23",
        "rdnis": "",
        "destination_number": callee,
        "uuid": uuid,
        "source": "mod_sofia",
        "context": "carrierdesk",
        "chan_name": f"sofia/internal/{sip_user}@carrierdesk.local",
        "originatee": {
            "originatee_caller_profiles": [
                {"caller_id_number": caller, "destination_number": callee, "uuid": "b-" + uuid}
            ]
        },
    }
    return {
        "core-uuid": "7f4de4bc-17d7-11dd-b7a0-db4edd065621",
        "switchname": "fs1",
        "channel_data": {
            "state": "CS_REPORTING",
            "direction": "inbound",
            "state_number": "11",
            "flags": "0=1;1=1;3=1;37=1;38=1;40=1;43=1;48=1;53=1;74=1",
            "caps": "1=1;2=1;3=1;4=1;5=1;6=1",
        },
        "variables": present,
        "app_log": {
            "applications": [
                {"app_name": "set", "app_data": "hangup_after_bridge=true"},
                {"app_name": "bridge", "app_data": f"sofia/gateway/carrier/{callee}"},
            ]
        },
        "callflow": [
            {
                "dialplan": "XML",
                "profile_index": "1",
                "extension": {"name": "carrierdesk-out", "number": callee, "applications": []},
                "caller_profile": profile,
                "times": {
                    "created_time": uepoch(start),
                    "profile_created_time": uepoch(start),
                    "progress_time": uepoch(progress),
                    "progress_media_time": "0",
                    "answered_time": uepoch(answer) if answer else "0",
                    "hangup_time": uepoch(end),
                    "resurrect_time": "0",
                    "transfer_time": "0",
                },
            }
        ],
    }


def b_leg(doc: dict[str, Any]) -> dict[str, Any]:
    """The same call's B leg (log-b-leg true): its caller_profile has an originator."""
    leg = copy.deepcopy(doc)
    leg["channel_data"]["direction"] = "outbound"
    leg["variables"]["uuid"] = "b-" + leg["variables"]["uuid"]
    profile = leg["callflow"][0]["caller_profile"]
    profile.pop("originatee")
    profile["originator"] = {"originator_caller_profiles": [{"uuid": doc["variables"]["uuid"]}]}
    return leg


def basic(token: str, user: str = "freeswitch") -> dict[str, str]:
    """What curl sends for mod_json_cdr's `cred` "user:token" (auth-scheme basic)."""
    return {"Authorization": "Basic " + base64.b64encode(f"{user}:{token}".encode()).decode()}


def post(
    client: TestClient,
    token: str,
    doc: Any,
    encode: str = "false",
    url: str | None = None,
    headers: dict[str, str] | None = None,
) -> Any:
    """A POST as mod_json_cdr's process_cdr makes it, for its `encode` setting."""
    text = json.dumps(doc, separators=(",", ":"))  # cJSON_PrintUnformatted
    if encode == "true":
        body, kind = "cdr=" + quote(text, safe="-_.!~*'()"), "application/x-www-form-urlencoded"
    elif encode == "base64":
        body = "cdr=" + base64.b64encode(text.encode()).decode()
        kind = "application/x-www-form-base64-encoded"
    else:
        body, kind = text, "application/json"
    variables = doc.get("variables") if isinstance(doc, dict) else None
    uuid = variables.get("uuid", "") if isinstance(variables, dict) else ""
    return client.post(
        url or f"{URL}?uuid={uuid}",  # mod_json_cdr appends ?uuid=… to the url configured
        content=body.encode(),
        headers={
            "Content-Type": kind,
            "User-Agent": "freeswitch-json/1.0",
            **(basic(token) if headers is None else headers),
        },
    )


@pytest.fixture
def switch_token(db_url: str) -> str:
    return make_token(db_url, "switch")


@pytest.fixture
def rated(operator: Api) -> int:
    """A customer with a rate card: Germany 0.02/min by the second, 6/6 to UK mobiles."""
    uk = "44,United Kingdom,0.05,0,6,6,2026-01-01"
    customer = rated_customer(operator, "Switched Ltd", *GERMANY, uk)
    sip = {"username": "1001", "password": "Sip-Secret-2026"}
    assert operator.post(f"/customers/{customer}/sip-users", sip).status_code == 201
    return customer


CALLS = [
    # uuid, what happened, expected (sip_code, sip_reason, release_reason, answered, duration)
    ("c-answered", {}, (200, "OK", "NORMAL_CLEARING", True, 60)),
    (
        "c-busy",
        {"answer_after": None, "cause": "USER_BUSY", "term_status": "486", "phrase": "Busy Here"},
        (486, "Busy Here", "USER_BUSY", False, 0),
    ),
    (
        "c-no-answer",
        {"answer_after": None, "cause": "NO_ANSWER"},  # no SIP status: the cause's code
        (480, "Temporarily Unavailable", "NO_ANSWER", False, 0),
    ),
    (
        "c-cancelled",
        {"answer_after": None, "cause": "ORIGINATOR_CANCEL", "term_status": "487"},
        (487, "Request Terminated", "ORIGINATOR_CANCEL", False, 0),
    ),
    (
        "c-unknown-number",
        {"answer_after": None, "cause": "UNALLOCATED_NUMBER", "callee": "+4930999999"},
        (404, "Not Found", "UNALLOCATED_NUMBER", False, 0),
    ),
]


@pytest.mark.parametrize("encode", ["false", "true", "base64"])
def test_each_encoding_of_mod_json_cdr_stores_the_call(
    client: TestClient, switch_token: str, rated: int, db_url: str, encode: str
) -> None:
    response = post(client, switch_token, document(f"enc-{encode}", rated), encode)
    assert response.status_code == 200, response.text
    assert response.json() == {"accepted": 1, "duplicates": 0, "rejected": []}
    row = stored(db_url)[f"enc-{encode}"]
    assert row.customer_id == rated and row.sip_user == "1001"
    assert row.start_time == T0 and row.answer_time == T0 + timedelta(seconds=10)
    assert row.end_time == T0 + timedelta(seconds=70) and row.duration == 60
    assert row.caller == "+442079460958" and row.callee == "+4930123456"  # url-decoded
    # rated from the card: 60 s to 4930 at 0.015/min
    assert row.charge == Decimal("0.015000") and row.dest_code == "4930"


def test_answered_busy_no_answer_cancelled_and_unknown_number(
    client: TestClient, switch_token: str, rated: int, db_url: str
) -> None:
    for uuid, how, _expected in CALLS:
        response = post(client, switch_token, document(uuid, rated, **how))
        assert response.json()["accepted"] == 1, (uuid, response.text)
    rows = stored(db_url)
    for uuid, _how, (code, reason, release, answered, duration) in CALLS:
        row = rows[uuid]
        got = (row.sip_code, row.sip_reason, row.release_reason, row.answer_time is not None)
        assert got == (code, reason, release, answered), uuid
        assert row.duration == duration and row.billed_duration == duration, uuid
        assert row.pdd_ms == 2000, uuid  # the first 180/183, two seconds after the INVITE
        if not answered:
            assert row.charge == Decimal(0) and row.end_time == T0 + timedelta(seconds=25)


def test_the_same_uuid_twice_is_one_cdr(
    client: TestClient, switch_token: str, rated: int, db_url: str
) -> None:
    doc = document("once", rated)
    assert post(client, switch_token, doc).json()["accepted"] == 1
    # mod_json_cdr retries a post it thinks failed: the same document again
    again = post(client, switch_token, doc)
    assert again.status_code == 200
    assert again.json() == {"accepted": 0, "duplicates": 1, "rejected": []}
    assert list(stored(db_url)) == ["once"]


def test_an_answered_call_is_2xx_whatever_ended_it(
    client: TestClient, switch_token: str, rated: int, db_url: str
) -> None:
    doc = document("dropped", rated, cause="NORMAL_TEMPORARY_FAILURE", term_status="503")
    assert post(client, switch_token, doc).json()["accepted"] == 1
    row = stored(db_url)["dropped"]
    assert (row.sip_code, row.release_reason) == (200, "NORMAL_TEMPORARY_FAILURE")


def test_the_customer_comes_from_the_directory_variable_else_accountcode_else_the_sip_user(
    client: TestClient, switch_token: str, rated: int, operator: Api, db_url: str
) -> None:
    other = make_customer(operator, "Other Ltd", currency="USD")
    by_id = document("by-id", rated, sip_user=None)
    by_account = document("by-account", rated, sip_user=None)
    del by_account["variables"]["carrierdesk_customer_id"]
    by_user = document("by-user", None)  # only the SIP user 1001, of `rated`
    wrong = document("wrong", other)  # SIP user 1001 is not other's
    for doc in (by_id, by_account, by_user, wrong):
        post(client, switch_token, doc)
    rows = stored(db_url)
    assert {rows[k].customer_id for k in ("by-id", "by-account", "by-user")} == {rated}
    assert "wrong" not in rows


def test_raw_values_when_encode_values_is_false(
    client: TestClient, switch_token: str, rated: int, db_url: str
) -> None:
    doc = document("raw", rated, encode_values=False)
    assert post(client, switch_token, doc).json()["accepted"] == 1
    assert stored(db_url)["raw"].caller == "+442079460958"


def test_the_uuid_that_mod_json_cdr_appends_to_the_url_is_ignored(
    client: TestClient, switch_token: str, rated: int
) -> None:
    # url configured as …/cdrs?format=freeswitch-json; mod_json_cdr posts to url + "?uuid=…"
    response = post(client, switch_token, document("q", rated), url=f"{URL}?uuid=q")
    assert response.json()["accepted"] == 1
    # and a url that already ends with & works the same
    response = post(client, switch_token, document("q2", rated), url=f"{URL}&?uuid=q2")
    assert response.json()["accepted"] == 1


BAD: list[tuple[str, Any, str]] = [
    ("no uuid", lambda v: v.pop("uuid"), "uuid: is required"),
    ("bad start", lambda v: v.update(start_uepoch="yesterday"), "start_uepoch: is not a whole"),
    ("no start", lambda v: v.pop("start_uepoch"), "start_uepoch: is required"),
    ("zero end", lambda v: v.update(end_uepoch="0"), "end_uepoch: is 0"),
    ("bad billsec", lambda v: v.update(billsec="1.5"), "billsec: is not a whole number"),
    ("no cause", lambda v: v.pop("hangup_cause"), "hangup_cause: is not a FreeSWITCH hangup"),
    ("bad cause", lambda v: v.update(hangup_cause="busy"), "hangup_cause: is not a FreeSWITCH"),
    (
        "bad status",
        lambda v: v.update(sip_term_status="99"),
        "sip_term_status: is not a SIP status code",
    ),
    (
        "bad customer",
        lambda v: v.update(carrierdesk_customer_id="ACME"),
        "carrierdesk_customer_id: is not a customer id",
    ),
    (
        "no customer",
        lambda v: [
            v.pop(k)
            for k in ("carrierdesk_customer_id", "accountcode", "sip_auth_username", "user_name")
        ],
        "carrierdesk_customer_id: is missing",
    ),
    (
        "unknown customer",
        lambda v: v.update(carrierdesk_customer_id="999999", accountcode="999999"),
        "customer_id (from carrierdesk_customer_id or accountcode): does not match any customer",
    ),
    (
        "longer than answered",
        lambda v: v.update(billsec="600"),
        "duration (from billsec): is longer than end_time − answer_time (+1 s)",
    ),
    (
        "end before start",
        lambda v: v.update(end_uepoch=uepoch(T0 - timedelta(seconds=5))),
        "end_time (from end_uepoch): is before start_time",
    ),
]


@pytest.mark.parametrize(("case", "change", "reason"), BAD, ids=[b[0] for b in BAD])
def test_a_cdr_that_does_not_map_is_rejected_naming_the_field(
    client: TestClient,
    switch_token: str,
    rated: int,
    db_url: str,
    case: str,
    change: Any,
    reason: str,
) -> None:
    doc = document("bad-1", rated, encode_values=False)
    doc["callflow"][0]["caller_profile"].pop("destination_number")  # variables only
    doc["variables"]["destination_number"] = "+4930123456"
    change(doc["variables"])
    response = post(client, switch_token, doc)
    assert response.status_code == 200, response.text
    body = response.json()
    assert body["accepted"] == 0 and len(body["rejected"]) == 1, body
    rejection = body["rejected"][0]
    assert rejection["row"] == 1
    assert any(e.startswith(reason) for e in rejection["errors"]), rejection["errors"]
    if case != "no uuid":
        assert rejection["call_id"] == "bad-1"
    assert stored(db_url) == {}


def test_a_b_leg_is_not_a_second_cdr(
    client: TestClient, switch_token: str, rated: int, db_url: str
) -> None:
    doc = document("a-leg", rated)
    assert post(client, switch_token, doc).json()["accepted"] == 1
    rejected = post(client, switch_token, b_leg(doc)).json()["rejected"]
    assert rejected[0]["errors"][0].startswith("callflow: is a B leg")
    assert list(stored(db_url)) == ["a-leg"]


def test_no_destination_anywhere(client: TestClient, switch_token: str, rated: int) -> None:
    doc = document("nodest", rated)
    doc["callflow"][0]["caller_profile"].pop("destination_number")
    reasons = post(client, switch_token, doc).json()["rejected"][0]["errors"]
    assert reasons == ["destination_number: is required"]


@pytest.mark.parametrize(
    "body",
    [b"", b"not json", b"cdr=%7Bbroken", b"cdr=!!!", b'{"a": '],
)
def test_a_body_that_is_no_document_is_refused(
    client: TestClient, switch_token: str, db_url: str, body: bytes
) -> None:
    response = client.post(
        URL, content=body, headers={"Content-Type": "application/json", **basic(switch_token)}
    )
    assert response.status_code == 400, response.text
    assert "mod_json_cdr" in response.json()["detail"]


def test_json_that_is_no_cdr_document_is_a_rejected_row(
    client: TestClient, switch_token: str
) -> None:
    for body in ({"hello": "world"}, {"variables": "x"}):
        response = post(client, switch_token, body)
        assert response.status_code == 200
        assert response.json()["rejected"][0]["errors"][0].startswith("variables: missing")


# ---- who may post ------------------------------------------------------------------------


def test_the_switch_token_as_basics_password_with_any_user_name(
    client: TestClient, switch_token: str, rated: int
) -> None:
    for number, user in enumerate(("freeswitch", "", "fs1.carrier.example")):
        doc = document(f"user-{number}", rated)
        response = post(client, switch_token, doc, headers=basic(switch_token, user))
        assert response.status_code == 200 and response.json()["accepted"] == 1, user
    # and as a bearer token
    bearer = {"Authorization": f"Bearer {switch_token}"}
    assert post(client, switch_token, document("bearer", rated), headers=bearer).status_code == 200


def test_basic_is_for_switch_tokens_only(
    client: TestClient, switch_token: str, rated: int, db_url: str
) -> None:
    admin = make_token(db_url, "admin")
    for headers in (
        basic(admin),  # a person's token is a bearer token, never a password in a switch file
        basic("cdt_not-a-token"),
        basic(switch_token + "x"),
        basic("not-even-a-token"),
        {},
    ):
        response = post(client, switch_token, document("nope", rated), headers=headers)
        assert response.status_code == 401, (headers, response.text)
    assert stored(db_url) == {}


def test_a_revoked_switch_token_is_refused(
    client: TestClient, switch_token: str, rated: int, db_url: str
) -> None:
    from carrierdesk.auth.principals import CLI
    from carrierdesk.auth.service import revoke_api_token
    from carrierdesk.models import ApiToken

    with transaction(db_url) as session:
        token = session.scalars(select(ApiToken).where(ApiToken.role == "switch")).one()
        revoke_api_token(session, CLI, token.id)
    assert post(client, switch_token, document("revoked", rated)).status_code == 401


def test_a_switch_token_may_post_every_format_and_still_reads_nothing(
    client: TestClient, switch_token: str, rated: int, db_url: str
) -> None:
    switch = Api(client, switch_token)
    canonical = {
        "call_id": "canon-1",
        "customer_id": rated,
        "start_time": "2026-10-05T12:00:00Z",
        "answer_time": "2026-10-05T12:00:10Z",
        "end_time": "2026-10-05T12:01:10Z",
        "duration": 60,
        "callee": "+4930123456",
        "sip_code": 200,
    }
    assert switch.post("/cdrs", [canonical]).json()["accepted"] == 1
    for path in (f"/customers/{rated}/cdrs", "/customers", f"/customers/{rated}"):
        assert switch.get(path).status_code == 403, path
    assert (
        client.get(f"/api/v1/customers/{rated}/cdrs", headers=basic(switch_token)).status_code
        == 401
    )


def test_viewers_and_contacts_may_still_not_post(
    client: TestClient, viewer: Api, rated: int, db_url: str
) -> None:
    text = json.dumps(document("viewer", rated))
    response = viewer.post(
        "/cdrs?format=freeswitch-json", content=text, headers={"Content-Type": "application/json"}
    )
    assert response.status_code == 403
    assert stored(db_url) == {}


# ---- the query -----------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("query", "field"),
    [
        ("format=freeswitch-xml", "format"),
        ("format=", "format"),
        ("format=FreeSWITCH-JSON", "format"),
        ("format=freeswitch-json&timezone=Europe/Berlin", "timezone"),
        ("timezone=UTC", "timezone"),  # canonical times carry their zone
        ("format=asterisk-csv&timezone=Mars/Olympus_Mons", "timezone"),
        ("format=asterisk-csv&timezone=../../etc/passwd", "timezone"),
    ],
)
def test_format_and_timezone_are_checked(
    client: TestClient, switch_token: str, rated: int, db_url: str, query: str, field: str
) -> None:
    response = post(client, switch_token, document("q-1", rated), url=f"/api/v1/cdrs?{query}")
    assert response.status_code == 422, response.text
    assert field in problem_fields(response), response.json()
    assert stored(db_url) == {}


# ---- rating --------------------------------------------------------------------------------


def test_without_a_rate_card_the_call_is_rejected_with_the_rating_reason(
    client: TestClient, switch_token: str, operator: Api, db_url: str
) -> None:
    plain = make_customer(operator, "No Card Ltd")
    doc = document("unrated", plain, sip_user=None)
    rejected = post(client, switch_token, doc).json()["rejected"]
    assert rejected == [
        {
            "row": 1,
            "call_id": "unrated",
            "errors": ["charge: missing, and the customer has no rate card to rate it"],
        }
    ]
    assert stored(db_url) == {}


# ---- files ---------------------------------------------------------------------------------


@pytest.fixture
def cli_db(db_url: str, monkeypatch: pytest.MonkeyPatch) -> Iterator[str]:
    monkeypatch.setenv("CARRIERDESK_DATABASE_URL", db_url)
    get_settings.cache_clear()
    yield db_url
    get_engine.cache_clear()
    get_sessionmaker.cache_clear()


def test_files_of_log_dir_and_err_log_dir(
    tmp_path: Path, rated: int, cli_db: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.chdir(tmp_path)
    # log-dir: one document per file, one line (cJSON_PrintUnformatted)
    one = tmp_path / "a1.cdr.json"
    one.write_text(json.dumps(document("file-1", rated), separators=(",", ":")) + "\n")
    # several documents, one a line (cat *.cdr.json), one of them not a CDR
    lines = tmp_path / "all.json"
    docs = [document("file-2", rated), {"not": "a cdr"}, document("file-3", rated, cause="X!")]
    lines.write_text("".join(json.dumps(d) + "\n" for d in docs))
    # err-log-dir: what failed to post, as it was to be posted (url-encoded; base64)
    failed = tmp_path / "f.cdr.json"
    failed.write_text(quote(json.dumps(document("file-4", rated)), safe="") + "\n")
    failed64 = tmp_path / "g.cdr.json"
    failed64.write_text(base64.b64encode(json.dumps(document("file-5", rated)).encode()).decode())
    # one document written over several lines
    pretty = tmp_path / "pretty.json"
    pretty.write_text(json.dumps(document("file-6", rated), indent=2))
    names = [str(p) for p in (one, lines, failed, failed64, pretty)]
    code, output = invoke("cdr", "import", "--format", "freeswitch-json", *names)
    assert code == 0, output
    assert set(stored(cli_db)) == {f"file-{n}" for n in (1, 2, 4, 5, 6)}
    rejected = (tmp_path / "all.json.rejected.csv").read_text().splitlines()
    assert rejected[0].startswith("row,errors,uuid,")
    assert rejected[1].startswith("2,variables: missing")
    assert rejected[2].startswith("3,hangup_cause: is not a FreeSWITCH hangup cause")
    assert ",file-3," in rejected[2]
    with transaction(cli_db) as session:
        assert session.scalar(select(func.count()).select_from(Cdr)) == 5
