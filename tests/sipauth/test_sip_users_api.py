"""SIP users and the extension rules they share with conference rooms (PRODUCT.md §3, §4)."""

from __future__ import annotations

import hashlib
from typing import Any

import pytest
from sqlalchemy import func, select

from carrierdesk.db import transaction
from carrierdesk.models import AuditEntry, Extension, SipUser
from fixtures.builders import make_customer
from fixtures.records import SetBlocks
from support import problem_fields

STRONG = "Sip-Secret-2026"


def md5(text: str) -> str:
    return hashlib.md5(text.encode()).hexdigest()


def stored(db_url: str) -> tuple[int, int]:
    """(SIP users, extensions) in the database."""
    with transaction(db_url) as session:
        users = session.scalar(select(func.count(SipUser.id))) or 0
        extensions = session.scalar(select(func.count(Extension.id))) or 0
        return users, extensions


@pytest.fixture
def blocks(operator: Any, acme: int, northwind: int, set_blocks: SetBlocks) -> None:
    """Acme holds 1000–1099, Northwind 1100–1199."""
    set_blocks(1000, 100)
    assert operator.post(f"/customers/{acme}/number-blocks").status_code == 201
    assert operator.post(f"/customers/{northwind}/number-blocks").status_code == 201


def test_generated_password_is_returned_once_and_only_hashes_are_stored(
    operator: Any, acme: int, blocks: None, db_url: str
) -> None:
    response = operator.post(f"/customers/{acme}/sip-users", {"username": "1001"})
    assert response.status_code == 201, response.text
    body = response.json()
    password = body["password"]
    assert len(password) >= 16
    assert "ha1" not in body and "ha1b" not in body
    assert body["realm"] == "carrierdesk.local"
    again = operator.get(f"/sip-users/{body['id']}").json()
    assert "password" not in again and "ha1" not in again
    listed = operator.get(f"/customers/{acme}/sip-users").json()
    assert listed["total"] == 1 and "password" not in listed["items"][0]
    with transaction(db_url) as session:
        user = session.scalars(select(SipUser)).one()
        assert user.ha1 == md5(f"1001:carrierdesk.local:{password}")
        assert user.ha1b == md5(f"1001@carrierdesk.local:carrierdesk.local:{password}")
        assert password not in str(user.__dict__)


def test_the_realm_comes_from_the_environment(
    operator: Any, acme: int, blocks: None, db_url: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    from carrierdesk.config import get_settings

    monkeypatch.setenv("CARRIERDESK_SIP_REALM", "sip.acme.example")
    get_settings.cache_clear()
    body = {"username": "1002", "password": STRONG}
    assert operator.post(f"/customers/{acme}/sip-users", body).json()["realm"] == (
        "sip.acme.example"
    )
    with transaction(db_url) as session:
        user = session.scalars(select(SipUser)).one()
        assert user.ha1 == md5(f"1002:sip.acme.example:{STRONG}")


def test_a_typed_password_is_kept_exactly_as_typed(
    operator: Any, acme: int, blocks: None, db_url: str
) -> None:
    body = {"username": "1004", "password": " Spaced-Secret-26 "}
    assert operator.post(f"/customers/{acme}/sip-users", body).status_code == 201
    with transaction(db_url) as session:
        user = session.scalars(select(SipUser)).one()
        assert user.ha1 == md5("1004:carrierdesk.local: Spaced-Secret-26 ")


def test_a_typed_password_is_not_echoed(operator: Any, acme: int, blocks: None) -> None:
    body = {"username": "1003", "password": STRONG, "protocol": "TLS", "channels": 4}
    response = operator.post(f"/customers/{acme}/sip-users", body)
    assert response.status_code == 201
    assert response.json()["password"] is None
    assert response.json()["protocol"] == "tls"


@pytest.mark.parametrize(
    ("password", "rule"),
    [
        ("Short1!", "must be 8 to 128 characters long"),
        ("alllowercase1!", "must contain an upper-case letter"),
        ("NoDigits-Here", "must contain a digit"),
        ("NoSymbols2026", "must contain a symbol"),
        ("X1001-Secret!", "must not be or contain the username"),
    ],
)
def test_weak_passwords_are_refused_and_nothing_is_stored(
    operator: Any, acme: int, blocks: None, db_url: str, password: str, rule: str
) -> None:
    body = {"username": "1001", "password": password}
    response = operator.post(f"/customers/{acme}/sip-users", body)
    assert response.status_code == 422
    assert problem_fields(response)["password"] == rule
    assert stored(db_url) == (0, 0)


def test_extension_outside_own_blocks_names_the_ranges(
    operator: Any, acme: int, blocks: None, db_url: str
) -> None:
    for username in ("1100", "5000", "alice"):
        response = operator.post(f"/customers/{acme}/sip-users", {"username": username})
        assert response.status_code == 422
        message = problem_fields(response)["username"]
        assert message == "must be a number inside the customer's number blocks: 1000–1099"
    assert stored(db_url) == (0, 0)


def test_leading_zeros_are_refused_inside_a_block(
    operator: Any, acme: int, blocks: None, db_url: str
) -> None:
    response = operator.post(f"/customers/{acme}/sip-users", {"username": "01001"})
    assert response.status_code == 422
    assert "without leading zeros" in problem_fields(response)["username"]
    assert stored(db_url) == (0, 0)


def test_without_blocks_any_free_name_but_never_inside_another_block(
    operator: Any, acme: int, blocks: None, db_url: str
) -> None:
    loose = make_customer(operator, "No Blocks Ltd")
    for username in ("alice.smith", "trunk_01", "5000", "a-b"):
        response = operator.post(f"/customers/{loose}/sip-users", {"username": username})
        assert response.status_code == 201, response.text
    before = stored(db_url)
    response = operator.post(f"/customers/{loose}/sip-users", {"username": "1050"})
    assert response.status_code == 422
    message = problem_fields(response)["username"]
    assert message == "1050 is inside the number block 1000–1099 of another customer"
    assert stored(db_url) == before


@pytest.mark.parametrize("username", ["", "has space", "x" * 33, "semi;colon", "ünï"])
def test_malformed_usernames_are_refused(
    operator: Any, acme: int, db_url: str, username: str
) -> None:
    response = operator.post(f"/customers/{acme}/sip-users", {"username": username})
    assert response.status_code == 422
    assert "1 to 32 characters" in problem_fields(response)["username"]
    assert stored(db_url) == (0, 0)


def test_duplicates_are_refused_account_wide(
    operator: Any, acme: int, northwind: int, db_url: str
) -> None:
    loose_a, loose_b = make_customer(operator, "Loose A"), make_customer(operator, "Loose B")
    assert operator.post(f"/customers/{loose_a}/sip-users", {"username": "Alice"}).is_success
    assert operator.post(f"/customers/{loose_a}/sip-users", {"username": "777"}).is_success
    before = stored(db_url)
    for customer, username in [(loose_b, "alice"), (loose_a, "ALICE"), (loose_b, "0777")]:
        response = operator.post(f"/customers/{customer}/sip-users", {"username": username})
        assert response.status_code == 409
        assert response.json()["detail"] == "Duplicate User Detected"
        assert problem_fields(response)["username"] == "Duplicate User Detected"
    room = {"name": "Sales", "extension": "alice"}
    response = operator.post(f"/customers/{loose_b}/conferences", room)
    assert response.status_code == 409
    assert problem_fields(response)["extension"] == "Duplicate User Detected"
    assert stored(db_url) == before


def test_duplicate_in_another_customers_block_is_a_duplicate_first(
    operator: Any, acme: int, northwind: int, blocks: None
) -> None:
    assert operator.post(f"/customers/{acme}/sip-users", {"username": "1001"}).is_success
    response = operator.post(f"/customers/{northwind}/sip-users", {"username": "1001"})
    assert response.status_code == 409
    assert response.json()["detail"] == "Duplicate User Detected"


def test_update_disable_reset_and_delete(
    operator: Any, acme: int, blocks: None, db_url: str
) -> None:
    created = operator.post(f"/customers/{acme}/sip-users", {"username": "1010"}).json()
    path = f"/sip-users/{created['id']}"
    changes = {"enabled": False, "cps": 5, "ip_whitelist": ["10.0.0.7/24", "10.0.0.9"]}
    response = operator.patch(path, changes)
    assert response.status_code == 200
    assert response.json()["enabled"] is False
    assert response.json()["ip_whitelist"] == ["10.0.0.0/24", "10.0.0.9"]
    assert operator.patch(path, {"username": "1011"}).status_code == 422
    assert operator.patch(path, {"protocol": "sctp"}).status_code == 422
    assert operator.patch(path, {"ip_whitelist": ["not-an-ip"]}).status_code == 422
    assert operator.get(path).json()["cps"] == 5
    weak = operator.post(f"{path}/password", {"password": "weak"})
    assert weak.status_code == 422
    reset = operator.post(f"{path}/password", {})
    assert reset.status_code == 200
    new_password = reset.json()["password"]
    assert new_password and new_password != created["password"]
    with transaction(db_url) as session:
        user = session.scalars(select(SipUser)).one()
        assert user.ha1 == md5(f"1010:carrierdesk.local:{new_password}")
    assert operator.delete(path).status_code == 204
    assert operator.get(path).status_code == 404
    assert stored(db_url) == (0, 0)
    assert operator.post(f"/customers/{acme}/sip-users", {"username": "1010"}).is_success


def test_viewer_reads_but_cannot_write(
    viewer: Any, operator: Any, acme: int, blocks: None, db_url: str
) -> None:
    assert viewer.post(f"/customers/{acme}/sip-users", {"username": "1001"}).status_code == 403
    assert stored(db_url) == (0, 0)
    created = operator.post(f"/customers/{acme}/sip-users", {"username": "1001"}).json()
    assert viewer.get(f"/sip-users/{created['id']}").status_code == 200
    assert viewer.patch(f"/sip-users/{created['id']}", {"cps": 1}).status_code == 403
    assert viewer.delete(f"/sip-users/{created['id']}").status_code == 403
    assert stored(db_url) == (1, 1)


def test_audit_log_never_shows_passwords_or_hashes(
    operator: Any, admin: Any, acme: int, blocks: None, db_url: str
) -> None:
    created = operator.post(f"/customers/{acme}/sip-users", {"username": "1001"}).json()
    reset = operator.post(f"/sip-users/{created['id']}/password", {}).json()
    with transaction(db_url) as session:
        ha1 = session.scalars(select(SipUser.ha1)).one()
        actions = session.scalars(
            select(AuditEntry.action).where(AuditEntry.table_name == "sip_users")
        ).all()
    assert list(actions) == ["create", "password_change"]
    log = admin.get("/audit-log", params={"customer_id": acme}).text
    assert created["password"] not in log and reset["password"] not in log
    assert ha1 not in log
    assert "••••••" in log
