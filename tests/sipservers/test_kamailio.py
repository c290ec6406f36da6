"""Kamailio, as `carrierdesk sip kamailio-config` prints it, authenticating against carrierdesk
(issue 12). One Kamailio for the module, never restarted: every change is made through the API
and must hold at the SIP server on the next REGISTER or INVITE. SIPp plays the phones and the
far end of the calls."""

from __future__ import annotations

import os
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from fastapi.testclient import TestClient

from carrierdesk.app import create_app
from carrierdesk.db import get_engine
from carrierdesk.migrate import upgrade
from fixtures.builders import make_customer
from fixtures.database import fresh_postgres
from fixtures.sip import FarEnd, Outcome, Sipp, finish, start_far_end, start_kamailio
from support import PG_URL, Api, make_token

pytestmark = [pytest.mark.postgres_only, pytest.mark.xdist_group("kamailio")]
PASSWORD = "Sip-Secret-2026"
SIP_ROLE, SIP_ROLE_PASSWORD = "carrierdesk_sip", "Kamailio-Reads-2026"


@pytest.fixture(scope="module", params=["postgres"] if PG_URL else [])
def database(request: pytest.FixtureRequest) -> Iterator[str]:
    from carrierdesk.sipauth.grants import grant_sip_role

    with fresh_postgres(PG_URL, f"carrierdesk_kamailio_{os.getpid()}") as url:
        upgrade(url)
        with get_engine(url).begin() as conn:
            grant_sip_role(conn, SIP_ROLE, SIP_ROLE_PASSWORD)
        yield url


@pytest.fixture(scope="module")
def workdir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return tmp_path_factory.mktemp("kamailio")


@pytest.fixture(scope="module")
def far_end(workdir: Path) -> Iterator[FarEnd]:
    yield from start_far_end(workdir)


@pytest.fixture(scope="module")
def sipp(database: str, workdir: Path, far_end: FarEnd) -> Iterator[Sipp]:
    """Kamailio logs in as the read-only role, as the docs tell operators to do."""
    role_url = database.replace("postgres@", f"{SIP_ROLE}:{SIP_ROLE_PASSWORD}@", 1)
    for port in start_kamailio(workdir, role_url, f"sip:127.0.0.1:{far_end.port}"):
        yield Sipp(port, workdir)


@pytest.fixture(scope="module")
def api(database: str) -> Iterator[Api]:
    with TestClient(create_app(database)) as client:
        yield Api(client, make_token(database, "operator"))


@pytest.fixture
def customer(api: Api, request: pytest.FixtureRequest) -> int:
    return make_customer(api, f"Customer of {request.node.name}")


def new_sip_user(api: Api, customer: int, username: str, **fields: Any) -> int:
    body = {"username": username, "password": PASSWORD, **fields}
    response = api.post(f"/customers/{customer}/sip-users", body)
    assert response.status_code == 201, response.text
    return int(response.json()["id"])


def register(sipp: Sipp, user: str, password: str = PASSWORD) -> Outcome:
    return sipp.run("register.xml", user, user=user, password=password)


def registered(outcome: Outcome) -> bool:
    return outcome.ok and outcome.statuses[-1] == 200


def test_register_with_the_right_password_only(sipp: Sipp, api: Api, customer: int) -> None:
    new_sip_user(api, customer, "2001")
    assert registered(register(sipp, "2001"))
    wrong = register(sipp, "2001", "Not-The-Password-1")
    assert not wrong.ok and wrong.statuses == [401, 401]
    unknown = register(sipp, "2999")
    assert not unknown.ok and unknown.statuses == [401, 401]


def test_disabling_a_sip_user_or_its_customer_stops_it_at_once(
    sipp: Sipp, api: Api, customer: int
) -> None:
    user = new_sip_user(api, customer, "2002")
    assert registered(register(sipp, "2002"))
    assert api.patch(f"/sip-users/{user}", {"enabled": False}).status_code == 200
    assert register(sipp, "2002").statuses == [401, 401]
    assert api.patch(f"/sip-users/{user}", {"enabled": True}).status_code == 200
    assert registered(register(sipp, "2002"))
    assert api.patch(f"/customers/{customer}", {"status": "inactive"}).status_code == 200
    assert register(sipp, "2002").statuses == [401, 401]
    assert api.patch(f"/customers/{customer}", {"status": "active"}).status_code == 200
    assert registered(register(sipp, "2002"))


def test_a_password_reset_holds_on_the_next_register(sipp: Sipp, api: Api, customer: int) -> None:
    user = new_sip_user(api, customer, "2003")
    new_password = "Reset-Secret-2026"
    reset = api.post(f"/sip-users/{user}/password", {"password": new_password})
    assert reset.status_code == 200, reset.text
    assert register(sipp, "2003").statuses == [401, 401]
    assert registered(register(sipp, "2003", new_password))


def test_a_whitelist_without_the_source_address_is_refused(
    sipp: Sipp, api: Api, customer: int
) -> None:
    user = new_sip_user(api, customer, "2004", ip_whitelist=["192.0.2.0/24"])
    assert register(sipp, "2004").statuses == [401, 403]
    changed = api.patch(f"/sip-users/{user}", {"ip_whitelist": ["192.0.2.0/24", "127.0.0.1"]})
    assert changed.status_code == 200
    assert registered(register(sipp, "2004"))


def test_a_sip_user_of_another_protocol_is_refused(sipp: Sipp, api: Api, customer: int) -> None:
    new_sip_user(api, customer, "2005", protocol="tls")
    assert register(sipp, "2005").statuses == [401, 403]


@pytest.fixture
def ip_entry(api: Api, customer: int) -> Iterator[dict[str, Any]]:
    """Makes IP entries through the API; every one is deleted after the test."""
    made: list[int] = []

    def add(**fields: Any) -> int:
        body = {"ip": "127.0.0.1", "receives_calls": False, **fields}
        response = api.post(f"/customers/{customer}/ip-auth", body)
        assert response.status_code == 201, response.text
        made.append(int(response.json()["id"]))
        return made[-1]

    yield {"add": add, "made": made}
    for entry in made:
        api.delete(f"/ip-auth/{entry}")


def call_until(sipp: Sipp, service: str, wanted: bool, seconds: float = 10) -> Outcome:
    """Calls without credentials until the outcome is `wanted` (a change must hold within
    `seconds`), or the time is up; the last outcome."""
    deadline = time.monotonic() + seconds
    while True:
        outcome = sipp.run("call.xml", service)
        if outcome.ok == wanted or time.monotonic() > deadline:
            return outcome
        time.sleep(0.5)


def test_an_ip_entry_lets_its_address_call_without_a_challenge(
    sipp: Sipp, api: Api, far_end: FarEnd, ip_entry: dict[str, Any], customer: int
) -> None:
    refused = sipp.run("call.xml", "15550001")
    assert not refused.ok and refused.statuses == [407]
    entry = ip_entry["add"]()
    accepted = call_until(sipp, "15550001", wanted=True)
    assert accepted.ok and 200 in accepted.statuses
    assert f"X-Carrierdesk-Customer: {customer}" in far_end.received()
    assert api.delete(f"/ip-auth/{entry}").status_code == 204
    again = call_until(sipp, "15550001", wanted=False)
    assert not again.ok and again.statuses == [407]


def test_the_tech_prefix_picks_the_entry_and_is_stripped(
    sipp: Sipp, far_end: FarEnd, ip_entry: dict[str, Any]
) -> None:
    ip_entry["add"](tech_prefix="77#")
    accepted = call_until(sipp, "77#15550002", wanted=True)
    assert accepted.ok
    assert "INVITE sip:15550002@" in far_end.received()
    assert "INVITE sip:77#15550002@" not in far_end.received()
    # Without the prefix the address is not that entry: a digest challenge, as for anyone.
    assert sipp.run("call.xml", "15550003").statuses == [407]


def test_a_sip_user_gets_no_third_channel_while_two_calls_are_up(
    sipp: Sipp, api: Api, customer: int
) -> None:
    new_sip_user(api, customer, "2006", channels=2)
    holding = [
        sipp.start("call_auth.xml", "15550004", user="2006", password=PASSWORD, hold_ms=5000)
        for _ in range(2)
    ]
    time.sleep(2)
    third = sipp.run("call_auth.xml", "15550005", user="2006", password=PASSWORD)
    assert not third.ok and third.statuses[:2] == [407, 403]
    assert all(finish(*call).ok for call in holding)
    # The channels are free again once those calls have ended.
    assert sipp.run("call_auth.xml", "15550006", user="2006", password=PASSWORD).ok


def test_calls_over_a_sip_users_cps_are_refused(sipp: Sipp, api: Api, customer: int) -> None:
    new_sip_user(api, customer, "2007", cps=1)
    burst = sipp.run("call_auth.xml", "15550007", user="2007", password=PASSWORD, calls=3, rate=20)
    assert burst.statuses.count(503) >= 1 and 200 in burst.statuses


def test_calls_through_kamailio_reach_the_summary_rated(
    sipp: Sipp, api: Api, database: str, customer: int, ip_entry: dict[str, Any]
) -> None:
    """A mix of calls from a SIP user and from an IP entry, through Kamailio, with no
    converter: after the worker's pass and a refresh, the customer's day shows exactly those
    attempts, connected calls and durations (±1 s a call), charged as the rate card says."""
    from datetime import UTC, datetime, timedelta
    from decimal import Decimal

    from sqlalchemy import select

    from carrierdesk.cdrs.kamailio import take
    from carrierdesk.db import transaction
    from carrierdesk.models import Cdr
    from carrierdesk.summaries.refresh import refresh
    from fixtures.builders import deck, make_rate_card, put_deck

    card = make_rate_card(api, f"Retail {customer}", "USD")
    rates = deck("4,World 4,0.60,0,1,1,2026-01-01", "44,UK,1.20,0.05,6,6,2026-01-01")
    assert put_deck(api, card, rates).status_code == 200
    assert api.patch(f"/customers/{customer}", {"rate_card_id": card}).status_code == 200
    new_sip_user(api, customer, "2020")
    ip_entry["add"](tech_prefix="99#")
    user = {"user": "2020", "password": PASSWORD}
    outcomes = [
        sipp.run("call_auth.xml", "4420001", hold_ms=3000, **user),  # answered, ~3 s
        sipp.run("call_auth.xml", "4150001", hold_ms=2000, **user),  # answered, ~2 s
        sipp.run("call_auth.xml", "48612345", **user),  # busy
        sipp.run("call_auth.xml", "40412345", **user),  # no such number
        sipp.run("call_cancel.xml", "4870001", **user),  # cancelled while it rings
        call_until(sipp, "99#4420009", wanted=True),  # from the IP entry, answered
    ]
    assert [o.ok for o in outcomes] == [True, True, False, False, True, True]
    with transaction(database) as session:
        taken = take(session)
    # (Calls of the other tests, whose customers have no rate card, wait with their reason.)
    ours = [r for r in taken.rejected if (r.values or {}).get("customer_id") == str(customer)]
    assert taken.accepted == 6 and ours == []
    with transaction(database) as session:
        cdrs = session.execute(
            select(Cdr.callee, Cdr.sip_code, Cdr.duration, Cdr.billed_duration, Cdr.charge)
            .where(Cdr.customer_id == customer).order_by(Cdr.start_time)
        ).all()  # fmt: skip
        refresh(session)
    assert [(c.callee, c.sip_code) for c in cdrs] == [
        ("4420001", 200), ("4150001", 200), ("48612345", 486), ("40412345", 404),
        ("4870001", 487), ("4420009", 200),  # the tech prefix taken off by Kamailio
    ]  # fmt: skip
    held = (3, 2, 0, 0, 0, 0)  # seconds each call was held (SIPp's -d)
    assert all(abs(c.duration - want) <= 1 for c, want in zip(cdrs, held, strict=True)), cdrs
    expected = []
    for c in cdrs:
        if c.sip_code != 200:
            expected.append(Decimal(0))
        elif c.callee.startswith("44"):  # 6/6, 1.20/min, 0.05 per answered call
            billed = max(6, -(-c.duration // 6) * 6)
            expected.append(Decimal("0.05") + Decimal(billed) / 60 * Decimal("1.20"))
        else:
            expected.append(Decimal(c.duration) / 60 * Decimal("0.60"))
    assert [c.charge for c in cdrs] == [e.quantize(Decimal("0.000001")) for e in expected]
    today = datetime.now(UTC).date()
    day = api.get(
        f"/customers/{customer}/summary",
        params={"timeframe": "daily", "from": str(today), "to": str(today + timedelta(days=1))},
    ).json()["totals"]
    assert (day["attempts"], day["connected"]) == (6, 3)
    assert day["duration"] == sum(c.duration for c in cdrs)
    assert Decimal(str(day["charge"])) == sum(expected, Decimal(0)).quantize(Decimal("0.000001"))
