"""Customer › CDR in the Control Panel: newest first, a time range filter, keyset paging."""

from __future__ import annotations

import re
from datetime import timedelta

import pytest
from fastapi.testclient import TestClient

from carrierdesk.cdrs import views
from fixtures.builders import T0, cdr, make_customer
from support import Api, login_form


def login(client: TestClient, user: tuple[str, str]) -> None:
    answer = client.post(
        "/login", data={"email": user[0], "password": user[1], **login_form(client)}
    )
    assert answer.status_code == 200 and "/login" not in str(answer.url)


def call_ids(html: str) -> list[str]:
    return re.findall(r'title="(t-\d+)"', html)


def test_cdr_tab_lists_filters_and_pages(
    client: TestClient, operator: Api, admin_user: tuple[str, str], monkeypatch: pytest.MonkeyPatch
) -> None:
    cid = make_customer(operator)
    operator.post("/cdrs", [cdr(f"t-{i}", cid, start=T0 + timedelta(minutes=i)) for i in range(5)])
    login(client, admin_user)
    page = client.get(f"/customers/{cid}/cdrs")
    assert page.status_code == 200
    assert 'data-tab="cdrs"' in page.text and 'aria-current="page" data-tab="cdrs"' in page.text
    assert call_ids(page.text) == ["t-4", "t-3", "t-2", "t-1", "t-0"]
    window = client.get(
        f"/customers/{cid}/cdrs", params={"start": "2026-10-05T12:01", "end": "2026-10-05T12:03"}
    )
    assert call_ids(window.text) == ["t-2", "t-1"]
    bad = client.get(f"/customers/{cid}/cdrs", params={"start": "soon"})
    assert bad.status_code == 200 and "start: must be a date and time" in bad.text
    monkeypatch.setattr(views, "PAGE_SIZE", 2)
    first = client.get(f"/customers/{cid}/cdrs")
    assert call_ids(first.text) == ["t-4", "t-3"]
    older = re.search(r'href="(\?[^"]+)" id="cdr-next"', first.text)
    assert older
    second = client.get(f"/customers/{cid}/cdrs" + older.group(1).replace("&amp;", "&"))
    assert call_ids(second.text) == ["t-2", "t-1"]


def test_cdr_tab_needs_login(client: TestClient, operator: Api) -> None:
    cid = make_customer(operator)
    answer = client.get(f"/customers/{cid}/cdrs", follow_redirects=False)
    assert answer.status_code == 303 and "/login" in answer.headers["location"]
