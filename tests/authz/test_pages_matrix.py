"""The authorization matrix of the pages: every Control Panel and Customer Portal page, for the
seven principals of the API matrix. Staff hold a Control Panel session cookie, contacts (and the
operator's Portal Login) a portal session cookie, exactly as browsers would."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import select

from authz.world import PASSWORD, PRINCIPALS, World, build
from carrierdesk.app import create_app
from carrierdesk.auth.tokens import digest
from carrierdesk.db import get_engine, get_sessionmaker, transaction
from carrierdesk.migrate import upgrade
from carrierdesk.models import AuthSession
from carrierdesk.web.http import PORTAL_COOKIE, SESSION_COOKIE
from carrierdesk.web.pages import ROUTERS

pytestmark = pytest.mark.xdist_group("authz")
STAFF = ("viewer", "operator", "admin")
CONTACTS = ("contact_a", "contact_b", "impersonation_a")
ALLOWED = -1  # any answer but a refusal (no 401/403, no redirect to a login page)


def expected(rule: str, principal: str, success: int) -> int:
    to_login = 303
    table: dict[str, dict[str, int]] = {
        "public": dict.fromkeys(PRINCIPALS, success),
        "staff": {
            "anonymous": to_login,
            **dict.fromkeys(CONTACTS, to_login),
            **dict.fromkeys(STAFF, success),
        },
        "writer": {
            "anonymous": to_login,
            **dict.fromkeys(CONTACTS, to_login),
            "viewer": 403,
            "operator": success,
            "admin": success,
        },
        "admin": {
            "anonymous": to_login,
            **dict.fromkeys(CONTACTS, to_login),
            "viewer": 403,
            "operator": 403,
            "admin": success,
        },
        # a contact already logged in is sent on to the dashboard
        "guest": {**dict.fromkeys(PRINCIPALS, success), **dict.fromkeys(CONTACTS, 303)},
        "contact": {
            "anonymous": to_login,
            **dict.fromkeys(STAFF, to_login),
            **dict.fromkeys(CONTACTS, success),
        },
        # a record of customer A: another customer's contact gets 404
        "contact_of_a": {
            "anonymous": to_login,
            **dict.fromkeys(STAFF, to_login),
            **dict.fromkeys(CONTACTS, success),
            "contact_b": 404,
        },
        "contact_self": {
            "anonymous": to_login,
            **dict.fromkeys(STAFF, to_login),
            "contact_a": success,
            "contact_b": success,
            "impersonation_a": 403,
        },
    }
    return table[rule][principal]


def pages(ids: dict[str, Any]) -> list[tuple[str, str, str, int]]:
    """(method, path, rule, answer when allowed) for every page route."""
    a, c2, inv, change = ids["a"], ids["a2"], ids["invoice"], ids["change"]
    card, provider = ids["rate_card"], ids["provider"]
    return [
        ("GET", "/login", "public", 200),
        ("POST", "/login", "public", ALLOWED),
        ("POST", "/login/2fa", "public", ALLOWED),
        ("POST", "/logout", "staff", 303),
        ("GET", "/account", "staff", 200),
        ("POST", "/account/password", "staff", ALLOWED),
        ("POST", "/account/totp/begin", "staff", 200),
        ("GET", "/account/totp.svg", "staff", 404),  # no set-up in progress
        ("POST", "/account/totp/confirm", "staff", ALLOWED),
        ("POST", "/account/totp/disable", "staff", ALLOWED),
        ("GET", "/settings/tokens", "admin", 200),
        ("POST", "/settings/tokens", "admin", ALLOWED),
        ("POST", f"/settings/tokens/{ids['api_token']}/revoke", "admin", 303),
        ("GET", "/settings/users", "admin", 200),
        ("POST", "/settings/users", "admin", ALLOWED),
        ("POST", "/settings/users/1", "admin", 303),
        # The admin's own row (user 3): refused for themself, so the world stays as it is.
        ("POST", "/settings/users/3/password", "admin", 303),
        ("GET", "/settings/users/3/delete", "admin", 200),
        ("GET", "/settings/webhooks", "admin", 200),
        ("POST", "/settings/webhooks", "admin", ALLOWED),
        # admins only, asked before the lookup: others get 403 for an id that is not there
        ("GET", "/settings/webhooks/999999", "admin", 404),
        ("POST", "/settings/webhooks/999999/enable", "admin", 404),
        ("POST", "/settings/webhooks/999999/disable", "admin", 404),
        ("POST", "/settings/webhooks/999999/rotate", "admin", 404),
        ("POST", "/settings/webhooks/999999/delete", "admin", 404),
        ("POST", "/settings/webhooks/999999/deliveries/999999/retry", "admin", 404),
        ("POST", "/settings/users/3/delete", "admin", ALLOWED),
        ("GET", "/settings/options", "admin", 200),
        ("POST", "/settings/options", "admin", ALLOWED),
        ("GET", "/settings/invoicing", "admin", 200),
        ("POST", "/settings/invoicing", "admin", ALLOWED),
        ("GET", "/customers", "staff", 200),
        ("GET", "/customers/new", "writer", 200),
        ("POST", "/customers/new", "writer", ALLOWED),
        ("GET", f"/customers/{a}", "staff", 200),
        ("GET", f"/customers/{a}/contacts-panel", "staff", 200),
        ("GET", f"/customers/{a}/edit", "writer", 200),
        ("POST", f"/customers/{a}/edit", "writer", ALLOWED),
        ("GET", f"/customers/{a}/delete", "writer", 200),
        ("POST", f"/customers/{a}/delete", "writer", ALLOWED),
        ("GET", f"/customers/{a}/portal-menu", "writer", 200),
        ("GET", f"/customers/{a}/auth", "staff", 200),
        ("GET", f"/customers/{a}/conferences", "staff", 200),
        ("GET", f"/customers/{a}/cdrs", "staff", 200),
        ("GET", f"/customers/{a}/invoices", "staff", 200),
        ("POST", f"/customers/{a}/invoices/auto-generate", "writer", ALLOWED),
        ("GET", "/invoices", "staff", 200),
        ("GET", f"/invoices/{inv}", "staff", 200),
        ("GET", f"/invoices/{inv}/pdf", "staff", 200),
        ("GET", f"/invoices/{inv}/ubl", "staff", ALLOWED),
        ("GET", f"/invoices/{inv}/credit-note/ubl", "staff", ALLOWED),
        ("POST", f"/invoices/{inv}/mark-paid", "writer", ALLOWED),
        ("POST", f"/invoices/{inv}/void", "writer", ALLOWED),
        ("GET", f"/customers/{a}/contacts/new", "writer", 200),
        ("POST", f"/customers/{a}/contacts/new", "writer", ALLOWED),
        ("GET", "/contacts/new", "writer", 200),
        ("POST", "/contacts/new", "writer", ALLOWED),
        ("GET", f"/contacts/{c2}/edit", "writer", 200),
        ("POST", f"/contacts/{c2}/edit", "writer", ALLOWED),
        ("GET", f"/contacts/{c2}/password", "writer", 200),
        ("POST", f"/contacts/{c2}/password", "writer", ALLOWED),
        ("GET", f"/contacts/{c2}/delete", "writer", 200),
        ("GET", f"/customers/{a}/contacts/delete", "writer", 303),  # nothing selected
        ("POST", "/contacts/delete", "writer", ALLOWED),
        ("GET", f"/contacts/{c2}/portal-login", "writer", 200),
        ("POST", f"/contacts/{c2}/portal-login", "writer", ALLOWED),
        ("GET", "/contacts", "staff", 200),
        ("GET", "/delay-log", "staff", 200),
        ("POST", f"/delay-log/{change}/cancel", "writer", ALLOWED),
        ("GET", "/audit-log", "staff", 200),
        ("GET", "/email-log", "staff", 200),
        ("POST", "/email-log/999999/reveal", "admin", 404),  # admins only (issue 9)
        ("GET", "/rate-cards", "staff", 200),
        ("GET", "/rate-cards/new", "writer", 200),
        ("POST", "/rate-cards/new", "writer", ALLOWED),
        ("GET", f"/rate-cards/{card}", "staff", 200),
        ("POST", f"/rate-cards/{card}/upload", "writer", ALLOWED),
        ("GET", f"/rate-cards/{card}/edit", "writer", 200),
        ("POST", f"/rate-cards/{card}/edit", "writer", ALLOWED),
        ("GET", f"/rate-cards/{card}/delete", "writer", 200),
        ("POST", f"/rate-cards/{card}/delete", "writer", ALLOWED),
        ("GET", "/providers", "staff", 200),
        ("GET", "/providers/new", "writer", 200),
        ("POST", "/providers/new", "writer", ALLOWED),
        ("GET", f"/providers/{provider}/edit", "writer", 200),
        ("POST", f"/providers/{provider}/edit", "writer", ALLOWED),
        ("GET", f"/providers/{provider}/delete", "writer", 200),
        ("POST", f"/providers/{provider}/delete", "writer", ALLOWED),
        ("GET", "/portal", "public", 307),
        ("GET", "/portal/", "contact", 200),
        ("GET", "/portal/summary.json", "contact", 200),
        ("GET", "/portal/sip-users", "contact", 200),
        ("GET", "/portal/conferences", "contact", 200),
        ("GET", "/portal/login", "guest", 200),
        ("POST", "/portal/login", "public", ALLOWED),
        ("POST", "/portal/login/2fa", "public", ALLOWED),
        ("POST", "/portal/logout", "contact", 303),
        ("GET", "/portal/forgot-password", "public", 200),
        ("POST", "/portal/forgot-password", "public", ALLOWED),
        ("GET", "/portal/reset-password", "public", 200),
        ("POST", "/portal/reset-password", "public", ALLOWED),
        ("GET", "/portal/verify-email", "public", 200),  # a button: scanners must not use it
        ("POST", "/portal/verify-email", "public", ALLOWED),
        ("GET", "/portal/impersonate", "public", 401),  # no token given
        ("GET", "/portal/profile", "contact", 200),
        ("POST", "/portal/profile", "contact", ALLOWED),
        ("POST", "/portal/profile/password", "contact_self", ALLOWED),
        ("POST", "/portal/profile/totp", "contact_self", ALLOWED),
        ("GET", "/portal/profile/totp.svg", "contact_self", 404),  # no set-up in progress
        ("POST", "/portal/profile/totp/confirm", "contact_self", ALLOWED),
        ("POST", "/portal/profile/totp/disable", "contact_self", ALLOWED),
        ("GET", "/portal/verification", "contact", 200),
        ("POST", "/portal/verification/email", "contact", ALLOWED),
        ("POST", "/portal/verification/mobile", "contact", ALLOWED),
        ("POST", "/portal/verification/mobile/confirm", "contact", ALLOWED),
        ("GET", "/portal/invoices", "contact", 200),
        ("GET", f"/portal/invoices/{inv}", "contact_of_a", 200),
        ("GET", f"/portal/invoices/{inv}/pdf", "contact_of_a", 200),
        ("GET", f"/portal/invoices/{inv}/ubl", "contact_of_a", ALLOWED),
        ("GET", f"/portal/invoices/{inv}/credit-note/ubl", "contact_of_a", ALLOWED),
        ("GET", "/portal/cdr-reports", "contact", 200),
        ("GET", "/portal/cdrs.csv", "contact", 422),  # no period asked for
    ]


def routes() -> set[tuple[str, str]]:
    found: set[tuple[str, str]] = set()

    def walk(items: list[Any], prefix: str) -> None:
        for route in items:
            if hasattr(route, "original_router"):
                walk(route.original_router.routes, prefix + route.include_context.prefix)
            elif hasattr(route, "methods"):
                found.update((m, prefix + route.path) for m in route.methods - {"HEAD"})

    for router in ROUTERS:
        walk(router.routes, "")
    return found


@pytest.fixture(scope="module")
def world(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[Any, World]]:
    tmp = tmp_path_factory.mktemp("authz-pages")
    url = f"sqlite:///{tmp / 'world.db'}"
    upgrade(url)
    app = create_app(url)
    with TestClient(app) as client:
        world = build(client, url, tmp)
    yield app, world
    get_engine(url).dispose()
    get_engine.cache_clear()
    get_sessionmaker.cache_clear()


def browser(app: Any, world: World, principal: str) -> tuple[TestClient, str]:
    """A client holding the principal's session cookie, and the CSRF token of that session."""
    client = TestClient(app, follow_redirects=False)
    token = world.tokens.get(principal)
    if token is None:
        return client, ""
    cookie = SESSION_COOKIE if principal in STAFF else PORTAL_COOKIE
    client.cookies.set(cookie, token)
    with transaction(world.url) as session:
        row = session.scalars(select(AuthSession).where(AuthSession.token_hash == digest(token)))
        return client, row.one().csrf_token


def test_the_matrix_covers_every_page(world: tuple[Any, World]) -> None:
    _app, w = world
    templates = {
        "/customers/1",
        "/contacts/2",
        "/invoices/1",
        "/delay-log/1",
        "/settings/tokens/1",
        "/settings/users/1",
    }
    covered = set()
    for method, path, *_ in pages(w.ids):
        for prefix, name in (
            ("/customers/", "customer_id"),
            ("/contacts/", "contact_id"),
            ("/portal/invoices/", "invoice_id"),
            ("/invoices/", "invoice_id"),
            ("/delay-log/", "change_id"),
            ("/settings/tokens/", "token_id"),
            ("/settings/users/", "user_id"),
            ("/settings/webhooks/", "webhook_id"),
            ("/email-log/", "message_id"),
            ("/rate-cards/", "rate_card_id"),
            ("/providers/", "provider_id"),
        ):
            head, _, tail = path.partition(prefix)
            if not head and tail[:1].isdigit():
                _number, _, rest = tail.partition("/")
                path = f"{prefix}{{{name}}}" + (f"/{rest}" if rest else "")
        path = path.replace("/deliveries/999999/", "/deliveries/{delivery_id}/")
        covered.add((method, path))
    assert templates  # ids in the table above are those of the world's customer A
    assert routes() - covered == set(), "pages missing from the matrix"


def refused(response: Any) -> bool:
    location = response.headers.get("location", "")
    return response.status_code in (401, 403) or "/login" in location


@pytest.mark.parametrize("principal", PRINCIPALS)
def test_every_page_answers_each_principal_as_expected(
    world: tuple[Any, World], principal: str
) -> None:
    app, w = world
    wrong: list[str] = []
    for method, path, rule, success in pages(w.ids):
        client, csrf = browser(app, w, principal)
        want = expected(rule, principal, success)
        data = {"csrf_token": csrf, "email": "a1@example.com", "password": PASSWORD}
        denied = want != success
        before = w.fingerprint() if method == "POST" and denied else None
        response = client.request(method, path, data=data if method == "POST" else None)
        got = response.status_code
        if want == ALLOWED and rule == "public":
            pass  # anyone may try to log in or reset a password: only no server error
        elif want == ALLOWED and refused(response):
            wrong.append(
                f"{method} {path}: refused with {got} {response.headers.get('location', '')}"
            )
        elif want not in (ALLOWED, got):
            wrong.append(f"{method} {path}: {got} (want {want})")
        elif (
            want == 303
            and rule not in ("public", "guest")
            and success != 303
            and not refused(response)
        ):
            wrong.append(f"{method} {path}: redirected to {response.headers.get('location')}")
        elif before is not None and w.fingerprint() != before:
            wrong.append(f"{method} {path}: refused but changed the database")
        if got >= 500:
            wrong.append(f"{method} {path}: server error {got}")
        if method == "POST":
            w.restore()
    assert wrong == []
