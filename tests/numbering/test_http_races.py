"""The races of issue 3 through real HTTP: the app served by uvicorn, requests from threads,
PostgreSQL underneath."""

from __future__ import annotations

from collections.abc import Iterator

import httpx
import pytest

from carrierdesk.auth.principals import CLI
from carrierdesk.auth.service import create_api_token
from carrierdesk.db import transaction
from fixtures.races import race
from fixtures.server import running_app

pytestmark = pytest.mark.postgres_only


@pytest.fixture
def api(pg_url: str) -> Iterator[tuple[str, dict[str, str]]]:
    with transaction(pg_url) as session:
        _token, raw = create_api_token(session, CLI, "races", "admin")
    with running_app(pg_url, run_worker=False) as base_url:
        yield f"{base_url}/api/v1", {"Authorization": f"Bearer {raw}"}


def all_at_once(
    requests: list[tuple[str, str, object]], base: str, headers: dict[str, str]
) -> list[object]:
    """Send the requests at the same moment, each from a thread and connection of its own;
    their status codes (or the error a request raised)."""
    clients = [httpx.Client(base_url=base, headers=headers, timeout=60) for _ in requests]
    try:
        return race(
            [
                lambda c=client, r=request: c.request(r[0], r[1], json=r[2]).status_code
                for client, request in zip(clients, requests, strict=True)
            ],
            timeout=90,
        )
    finally:
        for client in clients:
            client.close()


def test_twenty_simultaneous_posts_of_a_block(api: tuple[str, dict[str, str]]) -> None:
    base, headers = api
    with httpx.Client(base_url=base, headers=headers) as client:
        options = {"number_range_start": 1000, "block_size": 100}
        assert client.patch("/settings/options", json=options).status_code == 200
        ids = [client.post("/customers", json={"name": f"C{i}"}).json()["id"] for i in range(4)]
    statuses = all_at_once(
        [("POST", f"/customers/{ids[i % 4]}/number-blocks", None) for i in range(20)], base, headers
    )
    assert statuses == [201] * 20
    with httpx.Client(base_url=base, headers=headers) as client:
        blocks = sorted(
            (b["start"], b["end"])
            for c in ids
            for b in client.get(f"/customers/{c}/number-blocks").json()["items"]
        )
    assert blocks == [(1000 + k * 100, 1099 + k * 100) for k in range(20)]


def test_two_simultaneous_posts_of_one_extension(api: tuple[str, dict[str, str]]) -> None:
    base, headers = api
    with httpx.Client(base_url=base, headers=headers) as client:
        first = client.post("/customers", json={"name": "A"}).json()["id"]
        second = client.post("/customers", json={"name": "B"}).json()["id"]
    for round_ in range(5):
        body = {"username": f"race{round_}"}
        statuses = all_at_once(
            [("POST", f"/customers/{c}/sip-users", body) for c in (first, second)], base, headers
        )
        assert sorted(statuses) == [201, 409]
