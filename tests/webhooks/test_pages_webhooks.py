"""Control Panel › Settings › Webhooks: create (secret shown once), a refused form (the fields'
errors, nothing stored), disable/enable, a new secret, deliveries with a retry, delete; admins
only."""

from __future__ import annotations

import re
from datetime import UTC, datetime

from carrierdesk.db import transaction
from carrierdesk.models import WebhookEndpoint
from carrierdesk.webhooks.jobs import run as deliver
from fixtures import database
from fixtures.builders import make_customer
from fixtures.panel import Panel, field_errors, flashes
from support import Api
from webhooks.receiver import Receiver

SECRET = re.compile(r'<code class="fs-6" id="new-secret">(whsec_[^<]+)</code>')


def test_create_toggle_rotate_retry_delete(
    panel: Panel, operator: Api, receiver: Receiver, db_url: str
) -> None:
    listing = panel.get("/settings/webhooks")
    assert listing.status_code == 200 and "No webhooks yet." in listing.text
    assert 'href="/settings/webhooks">Webhooks</a>' in listing.text  # in the Settings tabs

    made = panel.post(
        "/settings/webhooks",
        {"url": receiver.url, "events": ["customer.created", "invoice.paid"], "enabled": "on"},
    )
    assert made.status_code == 200, field_errors(made.text)
    [secret] = SECRET.findall(made.text)
    receiver.secret = secret
    with transaction(db_url) as session:
        [endpoint] = session.query(WebhookEndpoint).all()
        assert endpoint.events == ["customer.created", "invoice.paid"] and endpoint.enabled
        webhook_id = endpoint.id
    again = panel.get("/settings/webhooks").text
    assert secret not in again and receiver.url in again and "enabled" in again

    page = panel.submit(f"/settings/webhooks/{webhook_id}/disable")
    assert any("disabled" in f for f in flashes(page.text))
    assert ">disabled</span>" in page.text
    page = panel.submit(f"/settings/webhooks/{webhook_id}/enable")
    assert ">enabled</span>" in page.text

    rotated = panel.post(f"/settings/webhooks/{webhook_id}/rotate")
    [new_secret] = SECRET.findall(rotated.text)
    assert new_secret != secret and "has a new secret" in rotated.text
    receiver.secret = new_secret

    receiver.answers = [500]
    make_customer(operator)
    with transaction(db_url) as session:
        deliver(session, now=datetime.now(UTC))
    deliveries = panel.get(f"/settings/webhooks/{webhook_id}").text
    assert "customer.created" in deliveries and 'data-status="pending"' in deliveries
    assert "answered HTTP 500" in deliveries
    [delivery_id] = re.findall(r'data-delivery-id="(\d+)"', deliveries)
    page = panel.submit(f"/settings/webhooks/{webhook_id}/deliveries/{delivery_id}/retry")
    assert any("will be sent again now" in f for f in flashes(page.text))
    with transaction(db_url) as session:
        assert deliver(session) == 1
    assert 'data-status="delivered"' in panel.get(f"/settings/webhooks/{webhook_id}").text
    assert [e["type"] for e in receiver.events()] == ["customer.created"]

    page = panel.submit(f"/settings/webhooks/{webhook_id}/delete")
    assert any("deleted" in f for f in flashes(page.text))
    assert database.count(db_url, WebhookEndpoint) == 0


def test_a_refused_form_shows_each_field_and_stores_nothing(panel: Panel, db_url: str) -> None:
    page = panel.post("/settings/webhooks", {"url": "ftp://files.example.com/", "enabled": "on"})
    assert page.status_code == 422
    errors = field_errors(page.text)
    assert errors["url"] == "must be an http:// or https:// URL"
    assert errors["events"] == "must name at least one event"
    private = panel.post(
        "/settings/webhooks", {"url": "http://10.0.0.8/hooks", "events": ["invoice.paid"]}
    )
    assert private.status_code == 422
    assert "10.0.0.8 is a private address" in field_errors(private.text)["url"]
    assert 'value="http://10.0.0.8/hooks"' in private.text  # the form keeps what was typed
    assert database.count(db_url, WebhookEndpoint) == 0


def test_admins_only(operator_panel: Panel, viewer_panel: Panel, db_url: str) -> None:
    for other in (operator_panel, viewer_panel):
        assert other.get("/settings/webhooks").status_code == 403
        refused = other.post(
            "/settings/webhooks",
            {"url": "https://93.184.215.14/hooks", "events": ["invoice.paid"]},
        )
        assert refused.status_code == 403
    assert database.count(db_url, WebhookEndpoint) == 0
