"""A worker killed mid-delivery (SIGKILL while the receiver holds its request open): the lease
runs out, the next worker posts the same event again with the same webhook-id, and the
receiver, deduplicating on it, sees it once. The killed worker held no transaction while it
waited for the receiver: the test writes meanwhile (on SQLite a held transaction would block)."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
from datetime import UTC, datetime, timedelta
from pathlib import Path

from carrierdesk.db import transaction
from carrierdesk.webhooks import delivery
from carrierdesk.webhooks.jobs import run as deliver
from fixtures.builders import make_customer
from support import Api
from webhooks.receiver import Receiver


def start_worker(db_url: str, log: Path) -> subprocess.Popen[bytes]:
    """`carrierdesk worker`, as an operator runs it, against the test's database."""
    env = {
        **os.environ,
        "CARRIERDESK_DATABASE_URL": db_url,
        "CARRIERDESK_WEBHOOKS_ALLOW_PRIVATE_TARGETS": "1",
        "CARRIERDESK_WORKER_POLL_SECONDS": "0.2",
    }
    command = [sys.executable, "-m", "carrierdesk.cli", "worker"]
    with log.open("wb") as out:
        return subprocess.Popen(command, env=env, stdout=out, stderr=subprocess.STDOUT)


def test_a_worker_killed_mid_delivery_is_redelivered_after_the_lease(
    admin: Api, operator: Api, receiver: Receiver, db_url: str, tmp_path: Path
) -> None:
    made = admin.post("/webhooks", {"url": receiver.url, "events": ["customer.created"]})
    receiver.secret = made.json()["secret"]
    webhook_id = made.json()["id"]
    receiver.answers = ["hold"]
    customer_id = make_customer(operator)

    worker = start_worker(db_url, tmp_path / "worker.log")
    try:
        arrived = receiver.arrived.wait(60)
        assert arrived, (tmp_path / "worker.log").read_text()
        # while the worker waits for the answer, the database is free for others to write
        renamed = operator.patch(f"/customers/{customer_id}", {"name": "Acme Renamed"})
        assert renamed.status_code == 200, renamed.text
    finally:
        worker.send_signal(signal.SIGKILL)
        worker.wait(30)
    receiver.release.set()

    [held] = admin.get(f"/webhooks/{webhook_id}/deliveries").json()["items"]
    assert (held["status"], held["attempts"], held["response_status"]) == ("pending", 1, None)
    now = datetime.now(UTC)
    with transaction(db_url) as session:  # the lease is still the dead worker's
        assert deliver(session, now=now) == 0
    assert len(receiver.received) == 1
    with transaction(db_url) as session:
        assert deliver(session, now=now + delivery.LEASE + timedelta(seconds=1)) == 1

    [done] = admin.get(f"/webhooks/{webhook_id}/deliveries").json()["items"]
    assert (done["status"], done["attempts"], done["response_status"]) == ("delivered", 2, 200)
    first, again = receiver.received
    assert first.webhook_id == again.webhook_id == done["message_id"]
    assert first.refused is None and again.refused is None
    assert first.body == again.body
    [event] = receiver.events()
    assert event["type"] == "customer.created" and event["data"]["id"] == customer_id
