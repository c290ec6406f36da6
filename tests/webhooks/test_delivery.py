"""The Done-when of webhooks (issue 15): a real receiver on loopback verifies every delivery
with the standardwebhooks library and sees each event once per change, after failing twice;
a tampered body is refused; events are written with their change (never for a refused one);
the lease keeps two workers from posting one delivery at once; targets are checked again at
delivery time; redirects are not followed."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

import httpx
import pytest
from sqlalchemy import select
from standardwebhooks import Webhook, WebhookVerificationError

from carrierdesk.config import get_settings
from carrierdesk.db import get_sessionmaker, transaction
from carrierdesk.models import WebhookDelivery, WebhookEvent
from carrierdesk.scheduling.jobs import run as apply_due
from carrierdesk.webhooks import delivery
from carrierdesk.webhooks.events import EVENT_TYPES
from carrierdesk.webhooks.jobs import run as deliver
from fixtures import database
from fixtures.builders import make_customer
from invoices.invoice_helpers import call, calls, generate
from support import Api, postgres_only
from webhooks.receiver import Receiver, tampered


def run_job(db_url: str, after: timedelta = timedelta(0)) -> int:
    """One pass of the worker's webhook job, its clock `after` ahead of now."""
    with transaction(db_url) as session:
        return deliver(session, now=datetime.now(UTC) + after)


def subscribe(admin: Api, receiver: Receiver, events: list[str] | None = None) -> int:
    made = admin.post("/webhooks", {"url": receiver.url, "events": events or list(EVENT_TYPES)})
    assert made.status_code == 201, made.text
    receiver.secret = made.json()["secret"]
    return int(made.json()["id"])


def deliveries(admin: Api, webhook_id: int) -> list[dict[str, Any]]:
    answer = admin.get(f"/webhooks/{webhook_id}/deliveries")
    assert answer.status_code == 200, answer.text
    return list(answer.json()["items"])


def test_each_event_once_per_change_after_failing_twice(
    admin: Api, operator: Api, receiver: Receiver, db_url: str
) -> None:
    webhook_id = subscribe(admin, receiver)
    receiver.answers = [500, 503]
    customer_id = make_customer(operator, "Acme Telecom", reference="ACME")

    assert run_job(db_url) == 0  # answered 500
    [pending] = deliveries(admin, webhook_id)
    assert pending["status"] == "pending" and pending["attempts"] == 1
    assert pending["response_status"] == 500 and pending["last_error"] == "answered HTTP 500"
    next_try = datetime.fromisoformat(pending["next_attempt_at"])
    assert timedelta(seconds=4) < next_try - datetime.now(UTC) <= timedelta(seconds=5)
    assert run_job(db_url) == 0  # not due yet: nothing posted
    assert len(receiver.received) == 1

    assert run_job(db_url, timedelta(seconds=6)) == 0  # answered 503: next in 5 minutes
    assert deliveries(admin, webhook_id)[0]["attempts"] == 2
    assert run_job(db_url, timedelta(minutes=1)) == 0  # still waiting
    assert run_job(db_url, timedelta(minutes=6)) == 1  # answered 200
    [done] = deliveries(admin, webhook_id)
    assert (done["status"], done["attempts"], done["response_status"]) == ("delivered", 3, 200)
    assert done["next_attempt_at"] is None and done["last_error"] is None
    assert run_job(db_url, timedelta(hours=48)) == 0  # delivered is delivered

    # three requests, one webhook-id, each verified by the library; one event for the receiver
    assert [r.webhook_id for r in receiver.received] == [done["message_id"]] * 3
    assert all(r.refused is None for r in receiver.received)
    [created] = receiver.events()
    assert created["type"] == "customer.created"
    customer = operator.get(f"/customers/{customer_id}").json()
    assert created["data"] == customer
    assert created["timestamp"].endswith("Z")
    assert receiver.received[0].headers["content-type"] == "application/json"

    # every other event, each once per change
    assert operator.patch(f"/customers/{customer_id}", {"channels": 30}).status_code == 200
    calls(operator, [call("c1", customer_id, "2026-10-01", "1.50")])
    [first] = generate(operator, customer_id, "daily", "2026-10-01").json()["items"]
    voided = operator.post(f"/invoices/{first['id']}/void", {"reason": "re-rated"})
    assert voided.status_code == 200, voided.text
    [second] = generate(operator, customer_id, "daily", "2026-10-01").json()["items"]
    paid = operator.post(f"/invoices/{second['id']}/mark-paid")
    assert paid.status_code == 200, paid.text
    later = datetime.now(UTC) + timedelta(hours=1)
    scheduled = operator.patch(
        f"/customers/{customer_id}", {"reference": "TAKEN", "apply_at": later.isoformat()}
    )
    assert scheduled.status_code == 202, scheduled.text
    make_customer(operator, "Northwind", reference="TAKEN")
    with transaction(db_url) as session:
        assert apply_due(session, now=later + timedelta(seconds=1)) == 1

    while run_job(db_url):
        pass
    # posted side by side, so they arrive in any order: each once
    assert sorted(receiver.types()) == sorted(
        [
            "customer.created",
            "customer.updated",
            "invoice.issued",
            "invoice.voided",
            "invoice.issued",
            "invoice.paid",
            "customer.created",
            "scheduled_change.failed",
        ]
    )
    by_type: dict[str, list[dict[str, Any]]] = {}
    for event in receiver.events():
        by_type.setdefault(event["type"], []).append(event["data"])
    assert [c["channels"] for c in by_type["customer.updated"]] == [30]
    issued = sorted(by_type["invoice.issued"], key=lambda i: i["id"])
    assert [i["id"] for i in issued] == [first["id"], second["id"]]
    assert {i["status"] for i in issued} == {"issued"}
    assert by_type["invoice.voided"] == [operator.get(f"/invoices/{first['id']}").json()]
    assert by_type["invoice.paid"] == [operator.get(f"/invoices/{second['id']}").json()]
    [failed] = by_type["scheduled_change.failed"]
    assert failed["status"] == "failed" and "reference" in failed["error"]
    assert failed["id"] == scheduled.json()["id"]
    assert all(r.refused is None for r in receiver.received)
    assert len({r.webhook_id for r in receiver.received}) == 8


def test_a_tampered_body_is_refused(
    admin: Api, operator: Api, receiver: Receiver, db_url: str
) -> None:
    subscribe(admin, receiver, ["customer.created"])
    make_customer(operator)
    assert run_job(db_url) == 1
    [genuine] = receiver.received
    assert Webhook(receiver.secret).verify(genuine.body, genuine.headers)["type"] == (
        "customer.created"
    )
    with pytest.raises(WebhookVerificationError):
        Webhook(receiver.secret).verify(tampered(genuine), genuine.headers)
    # sent to the receiver as is: it refuses it, and still knows one event only
    signed = {k: v for k, v in genuine.headers.items() if k.startswith("webhook-")}
    forged = httpx.post(receiver.url, content=tampered(genuine), headers=signed)
    assert forged.status_code == 400
    assert receiver.received[-1].refused == "No matching signature found"
    other = Webhook("whsec_" + "QUFBQUFBQUFBQUFBQUFBQUFBQUFBQUFB")
    with pytest.raises(WebhookVerificationError):
        other.verify(genuine.body, genuine.headers)
    assert len(receiver.events()) == 1


def test_a_new_secret_signs_what_is_sent_after(
    admin: Api, operator: Api, receiver: Receiver, db_url: str
) -> None:
    webhook_id = subscribe(admin, receiver, ["customer.created"])
    old = receiver.secret
    receiver.answers = [500]
    make_customer(operator)
    run_job(db_url)
    receiver.secret = admin.post(f"/webhooks/{webhook_id}/rotate-secret").json()["secret"]
    assert run_job(db_url, timedelta(seconds=6)) == 1
    first, retried = receiver.received
    assert first.webhook_id == retried.webhook_id
    assert retried.refused is None
    with pytest.raises(WebhookVerificationError):
        Webhook(old).verify(retried.body, retried.headers)


def test_events_only_for_subscribers_and_enabled_endpoints(
    admin: Api, operator: Api, receiver: Receiver, db_url: str
) -> None:
    webhook_id = subscribe(admin, receiver, ["invoice.paid"])
    make_customer(operator)  # nobody listens to customer.created: nothing is written
    assert database.count(db_url, WebhookEvent) == 0
    assert admin.patch(f"/webhooks/{webhook_id}", {"events": ["customer.created"]}).is_success
    assert admin.patch(f"/webhooks/{webhook_id}", {"enabled": False}).is_success
    make_customer(operator, "Northwind")  # disabled: nothing either
    assert database.count(db_url, WebhookDelivery) == 0
    assert admin.patch(f"/webhooks/{webhook_id}", {"enabled": True}).is_success
    wave = make_customer(operator, "Wave")
    assert admin.patch(f"/webhooks/{webhook_id}", {"enabled": False}).is_success
    assert run_job(db_url) == 0  # pending deliveries of a disabled endpoint wait
    assert receiver.received == []
    assert admin.patch(f"/webhooks/{webhook_id}", {"enabled": True}).is_success
    assert run_job(db_url) == 1
    assert [e["data"]["id"] for e in receiver.events()] == [wave]


def test_a_refused_change_writes_no_event(
    admin: Api, operator: Api, receiver: Receiver, db_url: str
) -> None:
    subscribe(admin, receiver)
    make_customer(operator, reference="ACME")
    before = database.count(db_url, WebhookEvent)
    refused = operator.post("/customers", {"name": "Copy", "reference": "ACME"})
    assert refused.status_code in (409, 422), refused.text
    bad = operator.patch("/customers/1", {"currency": "EUR"})
    assert bad.status_code == 422, bad.text
    assert database.count(db_url, WebhookEvent) == before


def test_give_up_after_the_schedule_then_retry_by_hand(
    admin: Api, operator: Api, receiver: Receiver, db_url: str
) -> None:
    webhook_id = subscribe(admin, receiver, ["customer.created"])
    receiver.answers = [500] * delivery.MAX_ATTEMPTS
    make_customer(operator)
    at = timedelta(0)
    for wait in (timedelta(0), *delivery.SCHEDULE):
        at += wait
        run_job(db_url, at + timedelta(seconds=1))
    assert at >= timedelta(hours=24)
    [failed] = deliveries(admin, webhook_id)
    assert (failed["status"], failed["attempts"]) == ("failed", delivery.MAX_ATTEMPTS)
    assert failed["next_attempt_at"] is None
    assert run_job(db_url, at + timedelta(days=3)) == 0
    assert len(receiver.received) == delivery.MAX_ATTEMPTS

    retried = admin.post(f"/webhooks/{webhook_id}/deliveries/{failed['id']}/retry")
    assert retried.status_code == 200, retried.text
    assert (retried.json()["status"], retried.json()["attempts"]) == ("pending", 0)
    assert run_job(db_url) == 1
    assert deliveries(admin, webhook_id)[0]["status"] == "delivered"
    assert {r.webhook_id for r in receiver.received} == {failed["message_id"]}
    assert len(receiver.events()) == 1


def test_a_leased_delivery_is_not_claimed_again_until_the_lease_ends(
    admin: Api, operator: Api, receiver: Receiver, db_url: str
) -> None:
    webhook_id = subscribe(admin, receiver, ["customer.created"])
    make_customer(operator)
    now = datetime.now(UTC)
    with transaction(db_url) as session:
        [claim] = delivery.claim_due(session, now)
    with transaction(db_url) as session:
        assert delivery.claim_due(session, now + timedelta(seconds=30)) == []
    [row] = deliveries(admin, webhook_id)
    retry = admin.post(f"/webhooks/{webhook_id}/deliveries/{row['id']}/retry")
    assert retry.status_code == 409 and "being delivered" in retry.json()["detail"]
    with transaction(db_url) as session:
        [again] = delivery.claim_due(session, now + delivery.LEASE + timedelta(seconds=1))
    assert (again.message_id, again.attempt) == (claim.message_id, 2)
    # the first worker's late answer is not recorded over the second's claim
    with transaction(db_url) as session:
        delivery.record_outcomes(session, [delivery.Outcome(claim, 200, None)])
    assert deliveries(admin, webhook_id)[0]["status"] == "pending"


@postgres_only
def test_two_workers_at_once_never_claim_one_delivery(
    admin: Api, operator: Api, receiver: Receiver, db_url: str
) -> None:
    subscribe(admin, receiver, ["customer.created"])
    for n in range(5):
        make_customer(operator, f"Customer {n}")
    factory = get_sessionmaker(db_url)
    with factory() as first, factory() as second:
        mine = delivery.claim_due(first, limit=3)  # locked, not yet committed
        theirs = delivery.claim_due(second)  # skips the locked rows, does not wait
        first.commit()
        second.commit()
    assert len(mine) == 3 and len(theirs) == 2
    assert not {c.delivery_id for c in mine} & {c.delivery_id for c in theirs}


def test_targets_are_checked_again_at_delivery(
    admin: Api, operator: Api, receiver: Receiver, db_url: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    webhook_id = subscribe(admin, receiver, ["customer.created"])
    make_customer(operator)
    monkeypatch.delenv("CARRIERDESK_WEBHOOKS_ALLOW_PRIVATE_TARGETS")
    get_settings.cache_clear()
    assert run_job(db_url) == 0
    [refused] = deliveries(admin, webhook_id)
    assert refused["status"] == "pending" and refused["response_status"] is None
    assert "127.0.0.1 is a loopback address" in refused["last_error"]
    assert refused["last_error"].startswith("not sent:")
    assert receiver.received == []


def test_redirects_are_not_followed(
    admin: Api, operator: Api, receiver: Receiver, db_url: str
) -> None:
    webhook_id = subscribe(admin, receiver, ["customer.created"])
    receiver.answers = [307]
    make_customer(operator)
    assert run_job(db_url) == 0
    [row] = deliveries(admin, webhook_id)
    assert (row["status"], row["response_status"]) == ("pending", 307)
    assert len(receiver.received) == 1  # the Location was not visited


def test_a_dead_receiver_is_a_failed_attempt(
    admin: Api, operator: Api, loopback_allowed: None, db_url: str
) -> None:
    from fixtures.server import free_port

    made = admin.post(
        "/webhooks",
        {"url": f"http://127.0.0.1:{free_port()}/gone", "events": ["customer.created"]},
    )
    make_customer(operator)
    assert run_job(db_url) == 0
    [row] = deliveries(admin, made.json()["id"])
    assert row["status"] == "pending" and row["attempts"] == 1
    assert row["last_error"].startswith("ConnectError")


def test_no_transaction_is_open_while_posting(
    admin: Api, operator: Api, receiver: Receiver, db_url: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    subscribe(admin, receiver, ["customer.created"])
    make_customer(operator)
    seen: list[bool] = []
    post_all = delivery.post_all

    def watching(claims: list[delivery.Claim]) -> list[delivery.Outcome]:
        seen.append(session.in_transaction())
        with transaction(db_url) as other:  # a writer is not kept waiting (SQLite's one lock)
            assert other.scalar(select(WebhookDelivery.attempts)) == 1
            other.execute(WebhookDelivery.__table__.update().values(last_error="meanwhile"))
        return post_all(claims)

    monkeypatch.setattr(delivery, "post_all", watching)
    with transaction(db_url) as session:
        assert deliver(session) == 1
    assert seen == [False]
