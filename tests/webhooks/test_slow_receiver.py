"""A slow or dead receiver never delays other work (issue 15): the worker's other jobs go on
while a receiver holds a delivery open, and a receiver that never answers (or answers byte by
byte, within every timeout) is a failed attempt after delivery.DEADLINE, long before the lease
ends, so the round ends and the delivery is retried with the same webhook-id."""

from __future__ import annotations

import threading
import time
from datetime import UTC, datetime, timedelta

import pytest

from carrierdesk.db import transaction
from carrierdesk.webhooks import delivery
from carrierdesk.webhooks.jobs import run as deliver
from carrierdesk.worker.loop import run_forever
from fixtures.builders import make_customer
from support import Api
from webhooks.receiver import Receiver


def subscribe(admin: Api, receiver: Receiver) -> int:
    made = admin.post("/webhooks", {"url": receiver.url, "events": ["customer.created"]})
    assert made.status_code == 201, made.text
    receiver.secret = made.json()["secret"]
    return int(made.json()["id"])


def test_a_receiver_that_never_answers_is_a_failed_attempt(
    admin: Api, operator: Api, receiver: Receiver, db_url: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(delivery, "DEADLINE", 1.0)
    webhook_id = subscribe(admin, receiver)
    receiver.answers = ["hold"]  # holds the request until released: never, in this round
    make_customer(operator)
    with transaction(db_url) as session:
        assert deliver(session) == 0
    assert not receiver.release.is_set()  # the round ended while the receiver still held it
    [held] = admin.get(f"/webhooks/{webhook_id}/deliveries").json()["items"]
    assert (held["status"], held["attempts"], held["response_status"]) == ("pending", 1, None)
    assert held["last_error"] == "no answer in 1 s"
    receiver.release.set()

    with transaction(db_url) as session:  # retried after the schedule's first wait
        assert deliver(session, now=datetime.now(UTC) + timedelta(seconds=6)) == 1
    first, again = receiver.received
    assert first.webhook_id == again.webhook_id and again.refused is None
    assert len(receiver.events()) == 1


def test_other_jobs_go_on_while_a_receiver_holds_a_delivery(
    admin: Api, operator: Api, receiver: Receiver, db_url: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(delivery, "DEADLINE", 300.0)  # the receiver holds as long as it likes
    webhook_id = subscribe(admin, receiver)
    receiver.answers = ["hold"]
    customer_id = make_customer(operator, reference="ACME")
    stop = threading.Event()
    worker = threading.Thread(target=run_forever, args=(stop, 0.2, db_url), daemon=True)
    worker.start()
    try:
        assert receiver.arrived.wait(30), "the worker did not post the delivery"
        soon = datetime.now(UTC) + timedelta(seconds=1)
        scheduled = operator.patch(
            f"/customers/{customer_id}", {"reference": "ACME-2", "apply_at": soon.isoformat()}
        )
        assert scheduled.status_code == 202, scheduled.text
        # the scheduled change is applied by the worker while the receiver still holds
        deadline = time.monotonic() + 60
        while operator.get(f"/customers/{customer_id}").json()["reference"] != "ACME-2":
            assert time.monotonic() < deadline, "the scheduled change waited for the receiver"
            time.sleep(0.2)
        assert not receiver.release.is_set()
        [held] = admin.get(f"/webhooks/{webhook_id}/deliveries").json()["items"]
        assert (held["attempts"], held["response_status"]) == (1, None)
    finally:
        receiver.release.set()
        stop.set()
        worker.join(30)
    assert not worker.is_alive()
    [done] = admin.get(f"/webhooks/{webhook_id}/deliveries").json()["items"]
    assert (done["status"], done["attempts"], done["response_status"]) == ("delivered", 1, 200)
