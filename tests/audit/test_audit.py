"""The audit log: every change with before/after, secrets masked, append-only in the database."""

from __future__ import annotations

import pytest
from sqlalchemy import text
from sqlalchemy.exc import DatabaseError

from carrierdesk.db import transaction
from fixtures.builders import make_customer
from support import Api


def test_every_step_is_recorded_with_filters(operator: Api, admin: Api) -> None:
    acme = make_customer(operator, "Acme")
    ann = operator.post(
        f"/customers/{acme}/contacts", {"name": "Ann", "email": "ann@acme.example"}
    ).json()
    operator.patch(f"/contacts/{ann['id']}", {"name": "Ann Lee"})
    entries = admin.get("/audit-log", params={"customer_id": acme}).json()["items"]
    assert [e["action"] for e in entries] == ["update", "email_queued", "create", "create"]
    contact_entries = admin.get("/audit-log", params={"contact_id": ann["id"]}).json()["items"]
    assert {e["action"] for e in contact_entries} == {"create", "email_queued", "update"}
    update = entries[0]
    assert update["changes"] == {"name": ["Ann", "Ann Lee"]}
    assert update["table"] == "contacts" and update["record_id"] == ann["id"]
    assert update["ip"] == "testclient" and update["at"].endswith("Z")
    created = entries[2]
    assert created["changes"]["password"] == [None, "••••••"]
    by_actor = admin.get("/audit-log", params={"actor": "operator"}).json()["total"]
    assert by_actor == 4


def test_audit_comment_header_is_stored(operator: Api, admin: Api) -> None:
    response = operator.post(
        "/customers", {"name": "Acme"}, headers={"X-Audit-Comment": "signed contract #42"}
    )
    assert response.status_code == 201
    entry = admin.get("/audit-log", params={"action": "create"}).json()["items"][0]
    assert entry["comment"] == "signed contract #42"


def test_viewer_reads_the_log_contacts_do_not(viewer: Api) -> None:
    assert viewer.get("/audit-log").status_code == 200


def test_the_database_refuses_to_change_or_delete_entries(operator: Api, db_url: str) -> None:
    make_customer(operator, "Acme")
    with transaction(db_url) as session:
        entries = session.execute(text("SELECT count(*) FROM audit_log")).scalar_one()
    assert entries >= 1
    for statement in ("UPDATE audit_log SET message = 'forged'", "DELETE FROM audit_log"):
        with pytest.raises(DatabaseError, match="append-only"), transaction(db_url) as session:
            session.execute(text(statement))
    with transaction(db_url) as session:
        assert session.execute(text("SELECT count(*) FROM audit_log")).scalar_one() == entries
        messages = session.execute(text("SELECT message FROM audit_log")).scalars().all()
        assert "forged" not in messages
