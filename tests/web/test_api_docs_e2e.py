"""/api/v1/docs works offline (issue 14, item 13): Swagger UI comes from the project's own
swagger-ui-dist files, the page keeps the app's Content Security Policy, and Chromium with every
request to another host refused shows the API's operations. And the favicon (item 16): every
page names one that is there, and /favicon.ico answers too."""

from __future__ import annotations

import re
from urllib.parse import urlparse

from fastapi.testclient import TestClient
from playwright.sync_api import Route, expect

from fixtures.browser import NewPage
from fixtures.panel import Panel


def test_the_docs_page_loads_only_local_files(client: TestClient) -> None:
    page = client.get("/api/v1/docs")
    assert page.status_code == 200
    urls = re.findall(r'(?:src|href)="([^"]+)"', page.text)
    assert any("swagger-ui-bundle.js" in u for u in urls)
    assert any("swagger-ui.css" in u for u in urls)
    for url in urls:
        assert url.startswith("/static/"), url
        assert client.get(url).status_code == 200, url
    assert "url: '/api/v1/openapi.json'" in page.text
    policy = page.headers["content-security-policy"]
    assert (
        "script-src 'self' 'sha256-" in policy
        and "'unsafe-inline'" not in policy.split("style-src")[0]
    )


def test_the_docs_show_the_operations_without_internet(served_app: str, new_page: NewPage) -> None:
    page = new_page()
    local = urlparse(served_app).netloc
    elsewhere: list[str] = []

    def offline(route: Route) -> None:
        if urlparse(route.request.url).netloc == local:
            route.continue_()
        else:
            elsewhere.append(route.request.url)
            route.abort("internetdisconnected")

    page.route("**/*", offline)
    refused: list[str] = []
    page.on("console", lambda m: refused.append(m.text) if "Content Security" in m.text else None)
    page.goto(f"{served_app}/api/v1/docs")
    expect(page.locator(".swagger-ui .info .title")).to_contain_text("carrierdesk API")
    operations = page.locator(".opblock-summary-path")
    expect(operations.first).to_be_visible()
    assert operations.count() > 50
    expect(page.locator('.opblock-summary-path[data-path="/customers"]').first).to_be_visible()
    assert elsewhere == [] and refused == []


def test_every_page_has_a_favicon_that_is_there(client: TestClient) -> None:
    for path in ("/login", "/portal/login"):
        page = client.get(path).text
        icon = re.search(r'<link rel="icon" type="image/svg\+xml" href="([^"]+)">', page)
        assert icon, path
        answer = client.get(icon.group(1))
        assert answer.status_code == 200 and "<svg" in answer.text
    ico = client.get("/favicon.ico")
    assert ico.status_code == 200 and ico.headers["content-type"].startswith("image/svg+xml")


def test_the_control_panel_pages_carry_the_favicon(panel: Panel) -> None:
    for path in ("/customers", "/contacts", "/invoices", "/rate-cards", "/audit-log"):
        page = panel.get(path)
        assert page.status_code == 200, path
        icon = re.search(r'<link rel="icon" type="image/svg\+xml" href="([^"]+)">', page.text)
        assert icon, path
        assert panel.get(icon.group(1)).status_code == 200


def test_the_login_page_asks_for_nothing_that_is_missing(
    served_app: str, new_page: NewPage
) -> None:
    page = new_page()
    missing: list[str] = []
    page.on("response", lambda r: missing.append(r.url) if r.status >= 400 else None)
    page.goto(f"{served_app}/login")
    page.goto(f"{served_app}/favicon.ico")
    page.goto(f"{served_app}/portal/login")
    assert missing == []
