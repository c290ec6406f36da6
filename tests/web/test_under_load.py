"""Issue 9: a hundred requests at once never freeze carrierdesk. Each test runs a real
`carrierdesk serve` (a process of its own) on SQLite and on PostgreSQL."""

from __future__ import annotations

import os
import signal
import threading
import time
from typing import Any

import httpx
import pyotp
import pytest
from sqlalchemy import func, select

from carrierdesk.auth import totp
from carrierdesk.auth.principals import CLI
from carrierdesk.auth.service import create_api_token
from carrierdesk.db import transaction
from carrierdesk.models import AuditEntry, Contact, Customer, LoginThrottle
from fixtures.database import count
from support import PASSWORD, postgres_only
from web.served import all_at_once, health_watch, serving

pytestmark = pytest.mark.xdist_group("served")  # one real server at a time per worker

WRONG = "Wrong!Passw0rd"


def token(db_url: str, role: str = "operator") -> dict[str, str]:
    with transaction(db_url) as session:
        _row, raw = create_api_token(session, CLI, f"load {role}", role)
    return {"Authorization": f"Bearer {raw}"}


def add_contact(api: str, headers: dict[str, str], **fields: Any) -> dict[str, Any]:
    customer = httpx.post(f"{api}/customers", json={"name": "Acme"}, headers=headers).json()
    body = {
        "name": "Ann",
        "email": "ann@acme.example",
        "auto_generate_password": False,
        "password": PASSWORD,
        **fields,
    }
    made = httpx.post(f"{api}/customers/{customer['id']}/contacts", json=body, headers=headers)
    assert made.status_code == 201, made.text
    return {**made.json(), "customer_id": customer["id"]}


def allow_failures(api: str, headers: dict[str, str], limit: int) -> None:
    answer = httpx.patch(
        f"{api}/settings/options", json={"max_auth_failures": limit}, headers=headers
    )
    assert answer.status_code == 200, answer.text


def failed_logins(db_url: str) -> int:
    with transaction(db_url) as session:
        stmt = select(func.count()).where(AuditEntry.action == "login_failed")
        return session.scalar(stmt) or 0


def test_a_hundred_requests_at_once_all_answered_and_health_stays_quick(db_url: str) -> None:
    headers = token(db_url)
    with serving(db_url) as server:
        contact = add_contact(server.api, headers)
        customer = contact["customer_id"]
        reads = [f"/customers/{customer}", f"/customers/{customer}/summary?timeframe=daily"]
        requests: list[dict[str, Any]] = [
            {"method": "GET", "url": reads[i % 2], "headers": headers} for i in range(60)
        ]
        requests += [
            {"method": "POST", "url": "/customers", "json": {"name": f"C{i}"}, "headers": headers}
            for i in range(20)
        ]
        wrong = {"email": contact["email"], "password": WRONG}
        requests += [{"method": "POST", "url": "/auth/token", "json": wrong} for _ in range(20)]
        with health_watch(server.api) as latencies:
            answers = all_at_once(server.api, requests)
        statuses = [a.status for a in answers]
        assert statuses[:60] == [200] * 60
        assert statuses[60:80] == [201] * 20  # SQLite too: never "database is locked"
        assert set(statuses[80:]) <= {401, 429} and 401 in statuses[80:]
        assert latencies and max(latencies) < 1.0, latencies
    assert count(db_url, Customer) == 21


@pytest.mark.parametrize("limit", [5])
def test_forty_wrong_passwords_at_once_count_forty_and_check_only_the_limit(
    db_url: str, limit: int
) -> None:
    headers = token(db_url, "admin")
    with serving(db_url) as server:
        allow_failures(server.api, headers, limit)
        contact = add_contact(server.api, headers)
        wrong = {"email": contact["email"], "password": WRONG}
        answers = all_at_once(
            server.api, [{"method": "POST", "url": "/auth/token", "json": wrong}] * 40
        )
        statuses = sorted(a.status for a in answers)
        assert statuses == [401] * limit + [429] * (40 - limit)
        assert all(int(a.headers["retry-after"]) >= 1 for a in answers if a.status == 429)
        right = httpx.post(
            f"{server.api}/auth/token", json={"email": contact["email"], "password": PASSWORD}
        )
        assert right.status_code == 429  # blocked, even with the right password
    assert failed_logins(db_url) == limit  # only these were checked against the hash
    with transaction(db_url) as session:
        account = session.get(LoginThrottle, f"account:{contact['email']}")
        assert account is not None and account.failures == 41  # every attempt counted


def test_one_totp_code_sent_twenty_times_at_once_logs_in_once(db_url: str) -> None:
    headers = token(db_url, "admin")
    secret = pyotp.random_base32()
    with serving(db_url) as server:
        allow_failures(server.api, headers, 100)  # the code's own rule must refuse, not this
        contact = add_contact(server.api, headers)
        with transaction(db_url) as session:
            row = session.get(Contact, contact["id"])
            assert row is not None
            row.totp_secret = secret
        body = {"email": contact["email"], "password": PASSWORD, "totp": pyotp.TOTP(secret).now()}
        answers = all_at_once(
            server.api, [{"method": "POST", "url": "/auth/token", "json": body}] * 20
        )
    assert sorted(a.status for a in answers) == [200] + [401] * 19
    assert {a.body["detail"] for a in answers if a.status == 401} == {
        "Wrong or expired two-factor code."
    }


def test_one_recovery_code_sent_twenty_times_at_once_logs_in_once(db_url: str) -> None:
    headers = token(db_url, "admin")
    codes, hashes = totp.new_recovery_codes()
    with serving(db_url) as server:
        allow_failures(server.api, headers, 100)
        contact = add_contact(server.api, headers)
        with transaction(db_url) as session:
            row = session.get(Contact, contact["id"])
            assert row is not None
            row.totp_secret, row.recovery_codes = pyotp.random_base32(), hashes
        body = {"email": contact["email"], "password": PASSWORD, "totp": codes[0]}
        answers = all_at_once(
            server.api, [{"method": "POST", "url": "/auth/token", "json": body}] * 20
        )
    assert sorted(a.status for a in answers) == [200] + [401] * 19
    with transaction(db_url) as session:
        row = session.get(Contact, contact["id"])
        assert row is not None and len(row.recovery_codes or []) == len(codes) - 1


def test_a_saturated_server_sheds_load_with_503_and_retry_after(db_url: str) -> None:
    headers = token(db_url)
    # Three connections: one request slot. Waiting requests give up after 0.3 s.
    with serving(db_url, db_connections="3", queue_seconds="0.3") as server:
        contact = add_contact(server.api, headers)
        slow = {"email": contact["email"], "password": WRONG}
        requests = [
            {
                "method": "GET",
                "url": f"/customers/{contact['customer_id']}/summary",
                "headers": headers,
            }
            for _ in range(150)
        ] + [{"method": "POST", "url": "/auth/token", "json": slow} for _ in range(10)]
        with health_watch(server.api) as latencies:
            began = time.monotonic()
            answers = all_at_once(server.api, requests)
            took = time.monotonic() - began
        statuses = {a.status for a in answers}
        assert 0 not in statuses and statuses <= {200, 401, 429, 503}, statuses
        shed = [a for a in answers if a.status == 503]
        assert shed, "150 requests on one slot: some must be shed"
        assert all(a.headers.get("retry-after", "").isdigit() for a in shed)
        assert all(a.body["title"] == "Server busy" for a in shed)
        assert took < 30
        assert max(latencies) < 1.0, latencies


def test_sigterm_stops_the_server_within_ten_seconds_under_load(db_url: str) -> None:
    headers = token(db_url)
    with serving(db_url) as server:
        contact = add_contact(server.api, headers)
        customer = contact["customer_id"]

        def load() -> None:
            all_at_once(
                server.api,
                [{"method": "GET", "url": f"/customers/{customer}/summary", "headers": headers}]
                * 200,
                timeout=20,
            )

        thread = threading.Thread(target=load, daemon=True)
        thread.start()
        time.sleep(0.5)
        os.killpg(server.process.pid, signal.SIGTERM)
        began = time.monotonic()
        server.process.wait(timeout=15)
        assert time.monotonic() - began < 10
        thread.join(timeout=30)


@postgres_only
def test_several_worker_processes_serve_one_database(db_url: str) -> None:
    headers = token(db_url)
    with serving(db_url, "--workers", "2") as server:
        answers = all_at_once(
            server.api,
            [
                {
                    "method": "POST",
                    "url": "/customers",
                    "json": {"name": f"W{i}"},
                    "headers": headers,
                }
                for i in range(40)
            ],
        )
        assert [a.status for a in answers] == [201] * 40
        os.killpg(server.process.pid, signal.SIGTERM)
        server.process.wait(timeout=15)
    assert count(db_url, Customer) == 40


def test_slow_readers_of_downloads_hold_no_database_connection(db_url: str) -> None:
    """Three clients that stop reading a large CDR report half-way must not take the pool's
    three connections: the report is spooled first, then sent from the file."""
    headers = token(db_url)
    with serving(db_url, db_connections="3") as server:
        customer = add_contact(server.api, headers)["customer_id"]
        t0 = "2026-10-05T12:00:00Z"
        for batch in range(6):  # about 12 MB of CSV: more than the sockets buffer
            rows = [
                {
                    "call_id": f"c{batch}-{i}",
                    "customer_id": customer,
                    "start_time": t0,
                    "end_time": "2026-10-05T12:01:10Z",
                    "answer_time": "2026-10-05T12:00:10Z",
                    "duration": 60,
                    "callee": "+442079460958",
                    "caller": "+12025550143",
                    "sip_code": 200,
                    "charge": "0.012500",
                    "cost": "0.010000",
                }
                for i in range(10_000)
            ]
            stored = httpx.post(f"{server.api}/cdrs", json=rows, headers=headers, timeout=60)
            assert stored.json()["accepted"] == 10_000
        report = f"{server.api}/customers/{customer}/cdrs.csv?from=2026-10-01&to=2026-11-01"
        readers = [httpx.Client(headers=headers, timeout=30) for _ in range(3)]
        streams = [client.stream("GET", report) for client in readers]
        try:
            for stream in streams:
                response = stream.__enter__()
                assert response.status_code == 200
                next(response.iter_bytes(65536))  # then stop reading
            began = time.monotonic()
            answer = httpx.get(f"{server.api}/customers/{customer}", headers=headers, timeout=30)
            assert answer.status_code == 200
            assert time.monotonic() - began < 2
        finally:
            for stream in streams:
                stream.__exit__(None, None, None)
            for client in readers:
                client.close()
