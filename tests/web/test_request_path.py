"""Issue 9: what the request path guarantees, one request at a time: reads cannot write,
a token's last use is stamped at most once a minute, bodies have limits, forwarded headers
are believed only from trusted proxies, and the login forms carry a CSRF token."""

from __future__ import annotations

import asyncio
from datetime import timedelta

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import func, select, update
from sqlalchemy.exc import DBAPIError

from carrierdesk.app import create_app
from carrierdesk.auth.passwords import hash_password
from carrierdesk.config import get_settings
from carrierdesk.db import transaction, transaction_mode
from carrierdesk.errors import Overloaded
from carrierdesk.models import ApiToken, AuthSession, Cdr, Contact, Customer
from carrierdesk.models.base import utcnow
from carrierdesk.web.capacity import Capacity
from fixtures.builders import make_customer, make_user
from support import PASSWORD, Api, login_form


def test_a_read_transaction_cannot_write(db_url: str) -> None:
    with pytest.raises(DBAPIError), transaction_mode("read"), transaction(db_url) as session:
        session.add(Customer(name="Sneaky"))
        session.flush()
    with transaction(db_url) as session:
        assert session.scalar(select(func.count()).select_from(Customer)) == 0


def test_a_token_used_by_many_reads_is_stamped_once_a_minute(admin: Api, db_url: str) -> None:
    assert admin.get("/customers").status_code == 200
    with transaction(db_url) as session:
        first = session.scalars(select(ApiToken.last_used_at)).one()
        assert first is not None
        # Pretend the stamp is old: a read within the minute must not write it again.
        session.execute(update(ApiToken).values(last_used_at=first - timedelta(hours=1)))
    for _ in range(5):
        assert admin.get("/customers").status_code == 200
    with transaction(db_url) as session:
        assert session.scalars(select(ApiToken.last_used_at)).one() == first - timedelta(hours=1)


def test_a_session_is_stamped_after_the_request(client: TestClient, db_url: str) -> None:

    make_user(db_url, "noc@carrier.example", "operator", PASSWORD)
    answer = client.post(
        "/api/v1/auth/token", json={"email": "noc@carrier.example", "password": PASSWORD}
    )
    bearer = {"Authorization": f"Bearer {answer.json()['access_token']}"}
    with transaction(db_url) as session:
        session.execute(update(AuthSession).values(last_seen_at=utcnow() - timedelta(minutes=5)))
    assert client.get("/api/v1/customers", headers=bearer).status_code == 200
    with transaction(db_url) as session:
        seen = session.scalars(select(AuthSession.last_seen_at)).one()
    assert utcnow() - seen < timedelta(seconds=30)


def test_an_oversized_body_is_refused_before_it_is_read(operator: Api, db_url: str) -> None:
    huge = b"[" + b"{}," * (6 * 1024 * 1024) + b"{}]"  # 18 MiB of JSON
    answer = operator.post("/cdrs", content=huge, headers={"Content-Type": "application/json"})
    assert answer.status_code == 413
    assert answer.headers["content-type"].startswith("application/problem+json")
    assert answer.json()["detail"] == (
        "The request body is larger than this endpoint takes (16 MiB)."
    )
    with transaction(db_url) as session:
        assert session.scalar(select(func.count()).select_from(Cdr)) == 0


def test_a_streamed_body_is_refused_once_it_passes_the_limit(operator: Api, db_url: str) -> None:
    def chunks():  # no Content-Length: counted while it streams in
        yield b'{"name": "'
        for _ in range(300):
            yield b"x" * 4096
        yield b'"}'

    answer = operator.post(
        "/customers", content=chunks(), headers={"Content-Type": "application/json"}
    )
    assert answer.status_code == 413
    assert answer.json()["detail"] == "The request body is larger than this endpoint takes (1 MiB)."
    with transaction(db_url) as session:
        assert session.scalar(select(func.count()).select_from(Customer)) == 0


def whitelisted_contact(operator: Api) -> dict[str, str]:
    customer = make_customer(operator, "Acme")
    body = {
        "name": "Ann",
        "email": "ann@acme.example",
        "auto_generate_password": False,
        "password": PASSWORD,
        "ip_whitelist": ["10.70.0.0/16"],
    }
    assert operator.post(f"/customers/{customer}/contacts", body).status_code == 201
    return {"email": "ann@acme.example", "password": PASSWORD}


def test_forwarded_for_is_not_believed_by_default(operator: Api, db_url: str) -> None:
    login = whitelisted_contact(operator)
    local = TestClient(create_app(db_url), client=("127.0.0.1", 50000))
    answer = local.post("/api/v1/auth/token", json=login, headers={"X-Forwarded-For": "10.70.5.5"})
    assert answer.status_code == 403
    assert "not allowed from your address (127.0.0.1)" in answer.json()["detail"]


def test_rotating_forwarded_for_does_not_escape_the_throttle(
    admin: Api, operator: Api, db_url: str
) -> None:
    admin.patch("/settings/options", {"max_auth_failures": 3})
    local = TestClient(create_app(db_url), client=("127.0.0.1", 50000))
    statuses = [
        local.post(
            "/api/v1/auth/token",
            json={"email": f"guess{i}@x.example", "password": "x"},
            headers={"X-Forwarded-For": f"198.51.100.{i}"},
        ).status_code
        for i in range(5)
    ]
    assert statuses == [401, 401, 401, 429, 429]  # one IP: 127.0.0.1


def test_forwarded_for_is_believed_from_a_trusted_proxy(
    operator: Api, db_url: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    login = whitelisted_contact(operator)
    monkeypatch.setenv("CARRIERDESK_TRUSTED_PROXIES", "127.0.0.1")
    get_settings.cache_clear()
    behind_proxy = TestClient(create_app(db_url), client=("127.0.0.1", 50000))
    answer = behind_proxy.post(
        "/api/v1/auth/token", json=login, headers={"X-Forwarded-For": "10.70.5.5"}
    )
    assert answer.status_code == 200, answer.text


def test_a_bad_trusted_proxy_setting_names_the_variable(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("CARRIERDESK_TRUSTED_PROXIES", "10.0.0.1, proxy.example")
    get_settings.cache_clear()
    with pytest.raises(ValueError, match=r"(?s)trusted_proxies.*'proxy\.example' is not an IP"):
        get_settings()


@pytest.mark.parametrize("path", ["/login", "/portal/login"])
def test_a_cross_site_login_form_is_refused(
    client: TestClient, db_url: str, path: str, admin_user: tuple[str, str]
) -> None:
    with transaction(db_url) as session:
        customer = Customer(name="Acme")
        session.add(customer)
        session.flush()
        session.add(
            Contact(
                customer_id=customer.id,
                name="Ann",
                email="ann@acme.example",
                email_key="ann@acme.example",
                password_hash=hash_password(PASSWORD),
            )
        )
    email = admin_user[0] if path == "/login" else "ann@acme.example"
    form = {"email": email, "password": PASSWORD}
    forged = client.post(path, data=form, follow_redirects=False)  # no token: another site
    assert forged.status_code == 403
    assert "did not come from this site" in forged.text
    assert "set-cookie" not in forged.headers or "cd_session" not in forged.headers["set-cookie"]
    with transaction(db_url) as session:
        assert session.scalar(select(func.count()).select_from(AuthSession)) == 0
    wrong_token = client.post(path, data={**form, "csrf_token": "guess"}, follow_redirects=False)
    assert wrong_token.status_code == 403
    real = client.post(path, data={**form, **login_form(client, path)}, follow_redirects=False)
    assert real.status_code == 303


def test_capacity_sheds_when_the_queue_wait_is_over() -> None:
    capacity = Capacity(
        slots=1, queue_seconds=0.2, queue_limit=10, serialise_writes=False, hash_slots=1
    )

    async def scenario() -> tuple[int, float]:
        async with capacity.slot(write=False):
            loop = asyncio.get_running_loop()
            began = loop.time()
            with pytest.raises(Overloaded) as refused:
                async with capacity.slot(write=False):
                    pass
            return refused.value.status, loop.time() - began

    status, waited = asyncio.run(scenario())
    assert status == 503 and 0.15 <= waited < 1.0


def test_capacity_sheds_at_once_when_the_queue_is_full() -> None:
    capacity = Capacity(
        slots=1, queue_seconds=5, queue_limit=2, serialise_writes=False, hash_slots=1
    )

    async def scenario() -> list[str]:
        outcomes: list[str] = []

        async def wait_for_slot() -> None:
            try:
                async with capacity.slot(write=False):
                    outcomes.append("served")
            except Overloaded as exc:
                outcomes.append(f"shed {exc.retry_after}")

        async with capacity.slot(write=False):
            waiting = [asyncio.create_task(wait_for_slot()) for _ in range(3)]
            await asyncio.sleep(0.05)
            assert outcomes == ["shed 1"]  # the third waiter: two already queue
        await asyncio.gather(*waiting)
        return outcomes

    assert asyncio.run(scenario()) == ["shed 1", "served", "served"]


def test_sqlite_writers_take_turns_and_readers_do_not_wait() -> None:
    capacity = Capacity(
        slots=4, queue_seconds=0.2, queue_limit=10, serialise_writes=True, hash_slots=1
    )

    async def scenario() -> list[str]:
        seen: list[str] = []
        async with capacity.slot(write=True):
            async with capacity.slot(write=False):
                seen.append("read while a write runs")
            with pytest.raises(Overloaded):
                async with capacity.slot(write=True):
                    pass
            seen.append("second writer waited its turn")
        return seen

    assert asyncio.run(scenario()) == ["read while a write runs", "second writer waited its turn"]


def test_passwords_are_hashed_with_owasp_argon2id_and_old_hashes_upgraded(
    operator: Api, db_url: str
) -> None:
    from argon2 import PasswordHasher

    assert hash_password(PASSWORD).startswith("$argon2id$v=19$m=47104,t=1,p=1$")
    customer = make_customer(operator, "Acme")
    body = {"name": "Ann", "email": "ann@acme.example", "auto_generate_password": False}
    contact = operator.post(f"/customers/{customer}/contacts", {**body, "password": PASSWORD})
    old = PasswordHasher(time_cost=3, memory_cost=65536, parallelism=4).hash(PASSWORD)
    with transaction(db_url) as session:
        session.execute(update(Contact).values(password_hash=old))
    login = operator.post("/auth/token", {"email": "ann@acme.example", "password": PASSWORD})
    assert login.status_code == 200
    with transaction(db_url) as session:
        stored = session.get(Contact, contact.json()["id"])
        assert stored is not None and stored.password_hash.startswith("$argon2id$v=19$m=47104,t=1")
