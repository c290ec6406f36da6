"""/webhooks through the API: the endpoints' life (the secret shown once, rotated), every bad
input refused naming the field with nothing stored, the private-target rule, and admins only."""

from __future__ import annotations

import re
from typing import Any

import pytest
from sqlalchemy import select

from carrierdesk.db import transaction
from carrierdesk.models import AuditEntry, WebhookEndpoint
from fixtures import database
from support import Api, problem_fields

SECRET = re.compile(r"whsec_[A-Za-z0-9+/]{32}")
# What a request touches besides its change: the audit log and the caller's token.
VOLATILE = {"audit_log", "auth_sessions", "login_throttle", "api_tokens", "alembic_version"}
PUBLIC = "https://93.184.215.14/hooks"  # a public address (no DNS needed)
GOOD = {"url": PUBLIC, "events": ["invoice.issued"]}


def snapshot(db_url: str) -> dict[str, list[tuple[Any, ...]]]:
    return database.fingerprint(db_url, skip=VOLATILE)


def create(api: Api, **body: Any) -> Any:
    return api.post("/webhooks", {**GOOD, **body})


def test_create_list_get_update_delete(admin: Api, loopback_allowed: None, db_url: str) -> None:
    made = create(admin, url="http://127.0.0.1:9/hooks", events=["invoice.paid", "invoice.paid"])
    assert made.status_code == 201, made.text
    webhook = made.json()
    assert SECRET.fullmatch(webhook["secret"])
    assert webhook["events"] == ["invoice.paid"] and webhook["enabled"] is True
    assert webhook["created_at"].endswith("Z")
    shown = {k: v for k, v in webhook.items() if k != "secret"}

    assert admin.get(f"/webhooks/{webhook['id']}").json() == shown
    assert admin.get("/webhooks").json() == {"items": [shown], "total": 1}

    patched = admin.patch(
        f"/webhooks/{webhook['id']}",
        {"events": ["customer.created", "scheduled_change.failed"], "enabled": False},
    )
    assert patched.status_code == 200, patched.text
    assert patched.json()["events"] == ["customer.created", "scheduled_change.failed"]
    assert patched.json()["enabled"] is False and "secret" not in patched.json()

    assert admin.delete(f"/webhooks/{webhook['id']}").status_code == 204
    assert admin.get(f"/webhooks/{webhook['id']}").status_code == 404
    assert database.count(db_url, WebhookEndpoint) == 0


def test_the_secret_is_shown_once_and_rotates(admin: Api, db_url: str) -> None:
    webhook = create(admin).json()
    rotated = admin.post(f"/webhooks/{webhook['id']}/rotate-secret")
    assert rotated.status_code == 200, rotated.text
    new = rotated.json()["secret"]
    assert SECRET.fullmatch(new) and new != webhook["secret"]
    with transaction(db_url) as session:
        assert session.get(WebhookEndpoint, webhook["id"]).secret == new  # type: ignore[union-attr]
        audit = [f"{e.message} {e.changes}" for e in session.scalars(select(AuditEntry))]
    assert any("secret rotated" in line for line in audit)
    for secret in (webhook["secret"], new):  # never in an answer after, nor in the audit log
        assert secret not in admin.get("/webhooks").text
        assert secret not in admin.get(f"/webhooks/{webhook['id']}").text
        assert not any(secret in line for line in audit)


BAD_CREATE = [
    ({"url": None}, "url", "must be text"),
    ({"url": "ftp://files.example.com/x"}, "url", "must be an http:// or https:// URL"),
    ({"url": "https://"}, "url", "must name a host"),
    ({"url": "billing.example.com/hooks"}, "url", "must be an http:// or https:// URL"),
    ({"url": "https://billing.example.com:99999/x"}, "url", "is not a valid URL"),
    ({"url": "https://billing.example.com/a b"}, "url", "must not contain spaces"),
    ({"url": "https://x.example.com/" + "a" * 2000}, "url", "at most 2000"),
    ({"url": "https://billing.example.com/#x"}, "url", "#fragment"),
    ({"url": "http://127.0.0.1:8000/hooks"}, "url", "127.0.0.1 is a loopback address"),
    ({"url": "http://localhost/hooks"}, "url", "is a loopback address"),
    ({"url": "http://10.1.2.3/hooks"}, "url", "10.1.2.3 is a private address"),
    ({"url": "http://192.168.0.10/hooks"}, "url", "is a private address"),
    ({"url": "http://169.254.169.254/latest"}, "url", "169.254.169.254 is a link-local address"),
    ({"url": "http://[::1]/hooks"}, "url", "::1 is a loopback address"),
    ({"url": "http://[::ffff:10.0.0.1]/"}, "url", "10.0.0.1 is a private address"),
    ({"url": "http://0.0.0.0/hooks"}, "url", "is an unspecified address".replace("an ", "a ")),
    ({"url": "http://224.0.0.1/hooks"}, "url", "224.0.0.1 is a multicast address"),
    ({"url": "http://100.64.0.1/hooks"}, "url", "100.64.0.1 is not a public address"),
    ({"url": "https://no-such-host.invalid/hooks"}, "url", "cannot be resolved"),
    ({"events": ["invoice.deleted"]}, "events", "unknown event 'invoice.deleted'"),
    ({"events": ["invoice.paid", "Invoice.Paid"]}, "events", "unknown event 'Invoice.Paid'"),
    ({"events": []}, "events", "must name at least one event"),
    ({"events": "invoice.paid"}, "events", "list"),
    ({"events": ["invoice.paid"] * 13}, "events", "at most 12 events"),
    ({"events": [7]}, "events.0", "must be text"),
    ({"enabled": "maybe"}, "enabled", "must be yes or no"),
    ({"secret": "whsec_mine"}, "secret", "not a field that can be set here"),
    ({"url": "https://billing.example.com/\u0000"}, "url", "control characters"),
]


@pytest.mark.parametrize(("change", "field", "message"), BAD_CREATE)
def test_bad_input_names_the_field_and_stores_nothing(
    admin: Api, db_url: str, change: dict[str, Any], field: str, message: str
) -> None:
    before = snapshot(db_url)
    answer = create(admin, **change)
    assert answer.status_code == 422, answer.text
    fields = problem_fields(answer)
    assert field in fields and message.lower() in fields[field].lower(), fields
    assert snapshot(db_url) == before


BAD_UPDATE = [
    ({"url": None}, "url", "cannot be empty"),
    ({"events": None}, "events", "cannot be empty"),
    ({"enabled": None}, "enabled", "cannot be empty"),
    ({"url": "http://10.0.0.5/x"}, "url", "is a private address"),
    ({"url": "gopher://billing.example.com/"}, "url", "must be an http:// or https:// URL"),
    ({"events": ["customer.deleted"]}, "events", "unknown event 'customer.deleted'"),
    ({"id": 5}, "id", "not a field that can be set here"),
]


@pytest.mark.parametrize(("change", "field", "message"), BAD_UPDATE)
def test_bad_update_names_the_field_and_changes_nothing(
    admin: Api, db_url: str, change: dict[str, Any], field: str, message: str
) -> None:
    webhook = create(admin).json()
    before = snapshot(db_url)
    answer = admin.patch(f"/webhooks/{webhook['id']}", change)
    assert answer.status_code == 422, answer.text
    fields = problem_fields(answer)
    assert field in fields and message.lower() in fields[field].lower(), fields
    assert snapshot(db_url) == before


def test_private_targets_are_allowed_by_the_setting(admin: Api, loopback_allowed: None) -> None:
    for url in ("http://127.0.0.1:8080/x", "http://10.0.0.1/x", "http://localhost/x"):
        assert create(admin, url=url).status_code == 201, url


def test_deliveries_list_and_retry_refusals(admin: Api) -> None:
    webhook = create(admin).json()
    listed = admin.get(f"/webhooks/{webhook['id']}/deliveries")
    assert listed.json() == {"items": [], "total": 0}
    bad = admin.get(f"/webhooks/{webhook['id']}/deliveries", params={"status": "sent"})
    assert bad.status_code == 422 and "status" in problem_fields(bad)
    missing = admin.post(f"/webhooks/{webhook['id']}/deliveries/12345/retry")
    assert missing.status_code == 404
    assert admin.get("/webhooks/999/deliveries").status_code == 404
    assert admin.post("/webhooks/999/rotate-secret").status_code == 404


def test_admins_only(admin: Api, operator: Api, viewer: Api, anonymous: Api, db_url: str) -> None:
    webhook = create(admin).json()
    wid = webhook["id"]
    calls = [
        ("GET", "/webhooks", None),
        ("POST", "/webhooks", GOOD),
        ("GET", f"/webhooks/{wid}", None),
        ("PATCH", f"/webhooks/{wid}", {"enabled": False}),
        ("DELETE", f"/webhooks/{wid}", None),
        ("POST", f"/webhooks/{wid}/rotate-secret", None),
        ("GET", f"/webhooks/{wid}/deliveries", None),
        ("POST", f"/webhooks/{wid}/deliveries/1/retry", None),
    ]
    before = snapshot(db_url)
    for who, want in ((operator, 403), (viewer, 403), (anonymous, 401)):
        for method, path, body in calls:
            kw = {"json": body} if body is not None else {}
            answer = who.client.request(method, f"/api/v1{path}", headers=who._headers(None), **kw)
            assert answer.status_code == want, (method, path, answer.text)
            if want == 403:
                assert "may not change settings" in answer.json()["detail"]
    assert snapshot(db_url) == before
    assert webhook["secret"] not in admin.get("/webhooks").text
