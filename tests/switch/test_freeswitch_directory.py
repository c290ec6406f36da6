"""POST /api/v1/switch/freeswitch/directory: what FreeSWITCH's mod_xml_curl gets back for the
lookups it makes, checked as FreeSWITCH reads it (the request and the document layout are
those of switch/switch_helpers.py, from FreeSWITCH's sources)."""

from __future__ import annotations

import hashlib
import xml.etree.ElementTree as ET
from typing import Any

import pytest
from sqlalchemy import event, text

from carrierdesk.config import get_settings
from carrierdesk.db import get_engine, transaction
from carrierdesk.switch.freeswitch import account_query
from support import Api
from switch.switch_helpers import Switch, register_form

PASSWORD = "Sip-Secret-2026"
REALM = "carrierdesk.local"


def md5(text: str) -> str:
    return hashlib.md5(text.encode()).hexdigest()


def make_sip_user(api: Api, customer_id: int, username: str, **fields: Any) -> dict[str, Any]:
    body = {"username": username, "password": PASSWORD, **fields}
    response = api.post(f"/customers/{customer_id}/sip-users", body)
    assert response.status_code == 201, response.text
    return dict(response.json())


def found_user(document: ET.Element) -> dict[str, Any]:
    """The one user of a directory answer, checked against the layout FreeSWITCH reads:
    document[type=freeswitch/xml] > section[name=directory] > domain[name] > user[id] >
    params > param[a1-hash], and variables > variable[name, value]."""
    assert document.tag == "document" and document.attrib == {"type": "freeswitch/xml"}
    (section,) = document
    assert section.tag == "section" and section.attrib == {"name": "directory"}
    (domain,) = section
    assert domain.tag == "domain" and set(domain.attrib) == {"name"}
    (user,) = domain
    assert user.tag == "user" and set(user.attrib) == {"id"}
    assert [child.tag for child in user] == ["params", "variables"]
    params, variables = user
    assert [(p.tag, p.get("name")) for p in params] == [("param", "a1-hash")]
    assert {v.tag for v in variables} == {"variable"}
    return {
        "domain": domain.get("name"),
        "id": user.get("id"),
        "a1-hash": params[0].get("value"),
        "variables": {v.get("name"): v.get("value") for v in variables},
    }


def is_not_found(document: ET.Element) -> bool:
    """FreeSWITCH's documented "not found" result."""
    assert document.tag == "document" and document.attrib == {"type": "freeswitch/xml"}
    (section,) = document
    if section.attrib != {"name": "result"}:
        return False
    (result,) = section
    assert result.tag == "result" and len(result) == 0
    return result.attrib == {"status": "not found"}


def test_a_register_gets_the_a1_hash_and_the_variables_of_the_user(
    switch: Switch, operator: Api, acme: int
) -> None:
    make_sip_user(operator, acme, "1001", channels=2, cps=5)
    user = found_user(switch.lookup(register_form("1001", REALM)))
    assert user == {
        "domain": REALM,
        "id": "1001",
        "a1-hash": md5(f"1001:{REALM}:{PASSWORD}"),
        "variables": {
            "user_context": "carrierdesk",
            "carrierdesk_customer_id": str(acme),
            "carrierdesk_channels": "2",
            "carrierdesk_cps": "5",
            "accountcode": str(acme),
        },
    }


def test_no_limits_are_sent_as_zero_meaning_unlimited(
    switch: Switch, operator: Api, acme: int
) -> None:
    make_sip_user(operator, acme, "1002")
    variables = found_user(switch.lookup(register_form("1002", REALM)))["variables"]
    assert (variables["carrierdesk_channels"], variables["carrierdesk_cps"]) == ("0", "0")


def test_an_unknown_user_is_not_found(switch: Switch, operator: Api, acme: int) -> None:
    make_sip_user(operator, acme, "1001")
    assert is_not_found(switch.lookup(register_form("1009", REALM)))


def test_a_disabled_sip_user_is_not_found_until_enabled_again(
    switch: Switch, operator: Api, acme: int
) -> None:
    sip_user = make_sip_user(operator, acme, "1001")
    form = register_form("1001", REALM)
    assert operator.patch(f"/sip-users/{sip_user['id']}", {"enabled": False}).status_code == 200
    assert is_not_found(switch.lookup(form))
    assert operator.patch(f"/sip-users/{sip_user['id']}", {"enabled": True}).status_code == 200
    assert found_user(switch.lookup(form))["id"] == "1001"


def test_the_users_of_an_inactive_customer_are_not_found_until_it_is_active(
    switch: Switch, operator: Api, acme: int
) -> None:
    make_sip_user(operator, acme, "1001")
    form = register_form("1001", REALM)
    assert operator.patch(f"/customers/{acme}", {"status": "inactive"}).status_code == 200
    assert is_not_found(switch.lookup(form))
    assert operator.patch(f"/customers/{acme}", {"status": "active"}).status_code == 200
    assert found_user(switch.lookup(form))["id"] == "1001"


def test_another_customers_user_is_found_as_its_own(
    switch: Switch, operator: Api, acme: int, northwind: int
) -> None:
    make_sip_user(operator, acme, "1001")
    make_sip_user(operator, northwind, "2001")
    variables = found_user(switch.lookup(register_form("2001", REALM)))["variables"]
    assert variables["carrierdesk_customer_id"] == variables["accountcode"] == str(northwind)


def test_a_realm_that_is_not_the_users_is_not_found(
    switch: Switch, operator: Api, acme: int
) -> None:
    make_sip_user(operator, acme, "1001")
    assert is_not_found(switch.lookup(register_form("1001", "other.example")))
    # `domain` is the domain FreeSWITCH looks in: a right realm elsewhere does not count
    assert is_not_found(switch.lookup(register_form("1001", REALM, domain="other.example")))


def test_xml_special_characters_in_the_realm_are_escaped(
    switch: Switch, operator: Api, acme: int, monkeypatch: pytest.MonkeyPatch
) -> None:
    realm = """Ops & "Co" <sip> 'ünïcode'.example"""
    monkeypatch.setenv("CARRIERDESK_SIP_REALM", realm)
    get_settings.cache_clear()
    make_sip_user(operator, acme, "1001")
    response = switch.post(register_form("1001", realm))
    assert "&amp;" in response.text and "&lt;sip&gt;" in response.text
    user = found_user(ET.fromstring(response.content))
    assert user["domain"] == realm
    assert user["a1-hash"] == md5(f"1001:{realm}:{PASSWORD}")


def test_a_minimal_form_and_the_fallback_fields_find_the_user(
    switch: Switch, operator: Api, acme: int
) -> None:
    make_sip_user(operator, acme, "1001")
    forms = [
        [("section", "directory"), ("user", "1001"), ("domain", REALM)],
        register_form("1001", REALM, without=("user", "domain")),  # sip_auth_username/realm
        [("section", "directory"), ("key_value", REALM), ("user", "1001"), ("domain", "")],
    ]
    for form in forms:
        assert found_user(switch.lookup(form))["id"] == "1001", form


def test_unknown_fields_are_accepted_and_ignored(switch: Switch, operator: Api, acme: int) -> None:
    make_sip_user(operator, acme, "1001")
    form = [*register_form("1001", REALM), ("X-Anything", "<&>"), ("variable_x", "1")] * 2
    assert found_user(switch.lookup(form))["id"] == "1001"


def test_a_lookup_without_a_user_is_not_found(switch: Switch, operator: Api, acme: int) -> None:
    """Not a 422: FreeSWITCH itself asks the directory binding for a whole domain (the gateways
    of a profile at start, `purpose=gateways`; network lists, `purpose=network-list`) and logs an
    error for any answer but 200. Without a user there is no one to find."""
    make_sip_user(operator, acme, "1001")
    without_user = register_form("1001", REALM, without=("user", "sip_auth_username"))
    gateways = [
        ("hostname", "fs1"),
        ("section", "directory"),
        ("tag_name", "domain"),
        ("key_name", "name"),
        ("key_value", REALM),
        ("purpose", "gateways"),
    ]
    for form in (without_user, gateways, [], [("section", "directory")]):
        assert is_not_found(switch.lookup(form)), form


@pytest.mark.parametrize("section", ["dialplan", "configuration", "phrases", ""])
def test_a_section_other_than_the_directory_is_not_found(
    switch: Switch, operator: Api, acme: int, section: str
) -> None:
    make_sip_user(operator, acme, "1001")
    assert is_not_found(switch.lookup(register_form("1001", REALM, section=section)))


def test_control_characters_are_not_found_rather_than_refused(
    switch: Switch, operator: Api, acme: int
) -> None:
    make_sip_user(operator, acme, "1001")
    assert is_not_found(switch.lookup(register_form("10\x0001", REALM)))
    assert is_not_found(switch.lookup(register_form("1001", f"{REALM}\x00")))


def test_a_lookup_writes_nothing_once_the_tokens_use_is_stamped(
    switch: Switch, operator: Api, acme: int, db_url: str
) -> None:
    """Called at every REGISTER: one read transaction (on SQLite no write lock either), the view
    read once; the token's last use is stamped at most once a minute, after the request."""
    make_sip_user(operator, acme, "1001")
    form = register_form("1001", REALM)
    switch.lookup(form)  # the first use of the token stamps it
    statements: list[str] = []

    def seen(_conn: Any, _cursor: Any, sql: str, *_args: Any) -> None:
        statements.append(" ".join(sql.split()).upper())

    engine = get_engine(db_url)
    event.listen(engine, "before_cursor_execute", seen)
    try:
        found_user(switch.lookup(form))
    finally:
        event.remove(engine, "before_cursor_execute", seen)
    writes = ("INSERT", "UPDATE", "DELETE", "BEGIN IMMEDIATE", "PRAGMA QUERY_ONLY=OFF")
    assert [s for s in statements if s.startswith(writes)] == [], statements
    assert sum("FROM SIP_ACCOUNTS" in s for s in statements) == 1, statements


def test_the_lookup_is_an_indexed_read(db_url: str) -> None:
    with transaction(db_url) as session:
        dialect = session.get_bind().dialect
        sql = str(
            account_query("1001", REALM).compile(
                dialect=dialect, compile_kwargs={"literal_binds": True}
            )
        )
        if dialect.name == "postgresql":
            session.execute(text("SET LOCAL enable_seqscan = off"))
            plan = " ".join(r[0] for r in session.execute(text(f"EXPLAIN {sql}")))
            assert "Index Scan using uq_sip_users_username on sip_users" in plan, plan
        else:
            plan = " ".join(r[-1] for r in session.execute(text(f"EXPLAIN QUERY PLAN {sql}")))
            assert "USING INDEX sqlite_autoindex_sip_users" in plan, plan


def test_too_many_fields_are_refused(switch: Switch) -> None:
    response = switch.post([("section", "directory")] + [(f"f{n}", "x") for n in range(1001)])
    assert response.status_code == 400, response.text
    assert "at most 1000 fields" in response.json()["detail"]


def test_the_operation_is_published_with_its_form_and_its_xml(client: Any) -> None:
    document = client.get("/api/v1/openapi.json").json()
    operation = document["paths"]["/switch/freeswitch/directory"]["post"]
    assert operation["operationId"] == "freeswitchDirectory" and operation["summary"]
    form = operation["requestBody"]["content"]["application/x-www-form-urlencoded"]["schema"]
    fields = {"section", "tag_name", "key_name", "key_value", "key", "user", "domain", "action"}
    assert fields | {"sip_auth_username", "sip_auth_realm"} <= set(form["properties"])
    assert form["additionalProperties"] is True
    assert operation["responses"]["200"]["content"] == {"text/xml": {"schema": {"type": "string"}}}
    assert {"HTTPBearer": []} in operation["security"] and {"HTTPBasic": []} in operation[
        "security"
    ]
