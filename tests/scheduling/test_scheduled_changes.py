"""Delay and Save: scheduled changes validated when stored and when applied, applied once."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from sqlalchemy import text

from carrierdesk.db import transaction
from carrierdesk.scheduling.jobs import run as apply_due
from carrierdesk.worker.loop import run_once
from fixtures.builders import make_customer
from support import Api, problem_fields


def later(seconds: int = 3600) -> str:
    return (datetime.now(UTC) + timedelta(seconds=seconds)).isoformat()


def setup(api: Api) -> tuple[int, dict]:
    acme = make_customer(api, "Acme")
    ann = api.post(
        f"/customers/{acme}/contacts", {"name": "Ann", "email": "ann@acme.example"}
    ).json()
    return acme, ann


def test_delayed_contact_edit_is_applied_once_when_due(operator: Api, db_url: str) -> None:
    _acme, ann = setup(operator)
    response = operator.patch(
        f"/contacts/{ann['id']}", {"name": "Ann Lee", "apply_at": later(3600)}
    )
    assert response.status_code == 202
    change = response.json()
    assert change["status"] == "pending" and change["kind"] == "contact.update"
    assert operator.get(f"/contacts/{ann['id']}").json()["name"] == "Ann"
    assert run_once(db_url)["scheduled changes"] == 0  # not due yet

    due = operator.patch(
        f"/contacts/{ann['id']}", {"mobile": "+442079460958", "apply_at": later(1)}
    ).json()
    pending = operator.get("/scheduled-changes", params={"status": "pending"}).json()
    assert pending["total"] == 2
    now_plus = datetime.now(UTC) + timedelta(seconds=2)
    with transaction(db_url) as session:
        assert apply_due(session, now=now_plus) == 1
    with transaction(db_url) as session:
        assert apply_due(session, now=now_plus) == 0  # exactly once
    assert operator.get(f"/contacts/{ann['id']}").json()["mobile"] == "+442079460958"
    applied = operator.get("/scheduled-changes", params={"status": "applied"}).json()["items"]
    assert [c["id"] for c in applied] == [due["id"]]
    assert applied[0]["applied_at"] is not None


def test_scheduling_validates_now(operator: Api) -> None:
    _acme, ann = setup(operator)
    response = operator.patch(f"/contacts/{ann['id']}", {"phone": "12", "apply_at": later()})
    assert response.status_code == 422 and "phone" in problem_fields(response)
    notes = operator.patch(
        f"/contacts/{ann['id']}", {"public_notes": "pwd=abc", "apply_at": later()}
    )
    assert notes.status_code == 422 and "public_notes" in problem_fields(notes)
    assert operator.get("/scheduled-changes").json()["total"] == 0


def test_change_that_became_invalid_fails_visibly(operator: Api, db_url: str) -> None:
    acme, ann = setup(operator)
    response = operator.post(
        f"/customers/{acme}/contacts",
        {"name": "Raj", "email": "raj@acme.example", "apply_at": later(1)},
    )
    assert response.status_code == 202
    assert operator.get(f"/customers/{acme}/contacts").json()["total"] == 1
    # Meanwhile Ann takes the address the scheduled contact wanted.
    assert (
        operator.patch(f"/contacts/{ann['id']}", {"email": "RAJ@acme.example"}).status_code == 200
    )
    with transaction(db_url) as session:
        apply_due(session, now=datetime.now(UTC) + timedelta(seconds=5))
    failed = operator.get("/scheduled-changes", params={"status": "failed"}).json()["items"]
    assert len(failed) == 1
    assert "email" in failed[0]["error"] and "already used" in failed[0]["error"]
    assert operator.get(f"/customers/{acme}/contacts").json()["total"] == 1


def test_scheduled_new_contact_with_typed_password_never_stores_it(
    operator: Api, db_url: str
) -> None:
    acme, _ann = setup(operator)
    password = "Typed!Passw0rd"
    response = operator.post(
        f"/customers/{acme}/contacts",
        {
            "name": "Raj",
            "email": "raj@acme.example",
            "auto_generate_password": False,
            "password": password,
            "apply_at": later(1),
        },
    )
    assert response.status_code == 202
    assert password not in response.text
    assert password not in operator.get("/scheduled-changes").text

    with transaction(db_url) as session:
        stored = session.execute(text("SELECT payload FROM scheduled_changes")).scalar_one()
        assert password not in str(stored)
        apply_due(session, now=datetime.now(UTC) + timedelta(seconds=5))
    login = operator.post("/auth/token", {"email": "raj@acme.example", "password": password})
    assert login.status_code == 200


def test_delayed_customer_edit(operator: Api, db_url: str) -> None:
    acme, _ann = setup(operator)
    response = operator.patch(f"/customers/{acme}", {"status": "penalty", "apply_at": later(1)})
    assert response.status_code == 202
    assert operator.get(f"/customers/{acme}").json()["status"] == "active"
    with transaction(db_url) as session:
        apply_due(session, now=datetime.now(UTC) + timedelta(seconds=5))
    assert operator.get(f"/customers/{acme}").json()["status"] == "penalty"


def test_cancel(operator: Api, viewer: Api) -> None:
    _acme, ann = setup(operator)
    change = operator.patch(f"/contacts/{ann['id']}", {"name": "X", "apply_at": later()}).json()
    assert viewer.delete(f"/scheduled-changes/{change['id']}").status_code == 403
    assert operator.delete(f"/scheduled-changes/{change['id']}").status_code == 204
    again = operator.delete(f"/scheduled-changes/{change['id']}")
    assert again.status_code == 409 and "cancelled" in again.json()["detail"]
    assert operator.delete("/scheduled-changes/999").status_code == 404
    assert operator.get("/scheduled-changes", params={"status": "cancelled"}).json()["total"] == 1
    bad = operator.get("/scheduled-changes", params={"status": "later"})
    assert bad.status_code == 422 and "status" in problem_fields(bad)


def test_apply_at_without_time_zone_is_refused(operator: Api) -> None:
    _acme, ann = setup(operator)
    response = operator.patch(
        f"/contacts/{ann['id']}", {"name": "X", "apply_at": "2030-01-01T10:00:00"}
    )
    assert response.status_code == 422 and "apply_at" in problem_fields(response)
    assert operator.get("/scheduled-changes").json()["total"] == 0
