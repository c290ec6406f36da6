"""Who may do what on numbering, SIP users, IP auth and conferences: every endpoint, every
kind of caller. Refused writes change nothing."""

from __future__ import annotations

from typing import Any

import pytest
from sqlalchemy import func, select

from carrierdesk.db import transaction
from carrierdesk.models import AuditEntry, ConferenceRoom, IpAuth, NumberBlock, SipUser
from fixtures.builders import contact_api
from fixtures.records import SetBlocks

CONTACT_PASSWORD = "Contact-Pass-26"


def contact_token(api: Any, customer_id: int, email: str) -> str:
    name = email.split("@")[0]
    return str(contact_api(api, customer_id, email, CONTACT_PASSWORD, name=name).token)


@pytest.fixture
def records(operator: Any, acme: int, set_blocks: SetBlocks) -> dict[str, int]:
    set_blocks(1000, 100)
    block = operator.post(f"/customers/{acme}/number-blocks").json()
    sip = operator.post(f"/customers/{acme}/sip-users", {"username": "1001"}).json()
    ip = operator.post(f"/customers/{acme}/ip-auth", {"ip": "192.0.2.1"}).json()
    room = operator.post(f"/customers/{acme}/conferences", {"name": "R", "extension": "1002"})
    return {"c": acme, "b": block["id"], "s": sip["id"], "i": ip["id"], "r": room.json()["id"]}


READS = [
    "/customers/{c}/number-blocks",
    "/customers/{c}/extensions/free",
    "/customers/{c}/sip-users",
    "/sip-users/{s}",
    "/customers/{c}/ip-auth",
    "/ip-auth/{i}",
    "/customers/{c}/conferences",
    "/conferences/{r}",
]
WRITES: list[tuple[str, str, dict[str, Any] | None]] = [
    ("post", "/customers/{c}/number-blocks", None),
    ("delete", "/number-blocks/{b}", None),
    ("post", "/customers/{c}/sip-users", {"username": "1003"}),
    ("patch", "/sip-users/{s}", {"cps": 9}),
    ("post", "/sip-users/{s}/password", {}),
    ("delete", "/sip-users/{s}", None),
    ("post", "/customers/{c}/ip-auth", {"ip": "192.0.2.2"}),
    ("patch", "/ip-auth/{i}", {"port": 5070}),
    ("delete", "/ip-auth/{i}", None),
    ("post", "/customers/{c}/conferences", {"name": "X", "extension": "1004"}),
    ("patch", "/conferences/{r}", {"name": "Y"}),
    ("delete", "/conferences/{r}", None),
]


def state(db_url: str) -> tuple[int, ...]:
    with transaction(db_url) as session:
        models = (NumberBlock, SipUser, IpAuth, ConferenceRoom, AuditEntry)
        return tuple(session.scalar(select(func.count(m.id))) or 0 for m in models)


def callers(
    anonymous: Any, viewer: Any, operator: Any, northwind: int, records: dict[str, int]
) -> dict[str, Any]:
    api = type(operator)  # the root conftest's Api client, with another bearer token
    own = contact_token(operator, records["c"], "ann@acme.example")
    other = contact_token(operator, northwind, "nina@northwind.example")
    return {
        "anonymous": anonymous,
        "viewer": viewer,
        "contact of the customer": api(operator.client, own),
        "contact of another customer": api(operator.client, other),
    }


def test_reads_and_refused_writes(
    anonymous: Any,
    viewer: Any,
    operator: Any,
    northwind: int,
    records: dict[str, int],
    db_url: str,
) -> None:
    who = callers(anonymous, viewer, operator, northwind, records)
    read_status = {
        "anonymous": 401,
        "viewer": 200,
        "contact of the customer": 200,
        "contact of another customer": 404,
    }
    write_status = {
        "anonymous": 401,
        "viewer": 403,
        "contact of the customer": 403,
        "contact of another customer": 404,
    }
    for name, api in who.items():
        for path in READS:
            response = api.get(path.format(**records))
            assert response.status_code == read_status[name], (name, path, response.text)
    before = state(db_url)
    for name, api in who.items():
        for method, path, body in WRITES:
            url = path.format(**records)
            response = (
                getattr(api, method)(url, body) if body is not None else (getattr(api, method)(url))
            )
            assert response.status_code == write_status[name], (name, method, path, response.text)
    assert state(db_url) == before
