"""Issue 14, item 5: the customer page's static files go out gzip-compressed to browsers that
accept it, under versioned URLs that may be cached for a year; anything else is revalidated."""

from __future__ import annotations

import gzip
import re
from pathlib import Path

import pytest

from carrierdesk.db import transaction
from carrierdesk.web import assets
from carrierdesk.web.assets import IMMUTABLE, STATIC
from fixtures.builders import add_customer
from fixtures.panel import Panel

GZIP = {"Accept-Encoding": "gzip, deflate"}
NO_COMPRESSION = {"Accept-Encoding": "identity"}


@pytest.fixture
def customer_id(db_url: str) -> int:
    with transaction(db_url) as session:
        return add_customer(session).id


def page_assets(panel: Panel, customer_id: int) -> dict[str, str]:
    """{file under static/: the URL the customer page gives it}, scripts and style sheets."""
    page = panel.get(f"/customers/{customer_id}").text
    urls = re.findall(r'<(?:script[^>]*src|link[^>]*href)="(/static/[^"]+)"', page)
    return {url.split("?")[0].removeprefix("/static/"): url for url in urls}


def raw(panel: Panel, url: str, headers: dict[str, str]) -> tuple[int, dict[str, str], bytes]:
    """Status, headers and the bytes as they travelled (not decompressed)."""
    with panel.client.stream("GET", url, headers=headers) as answer:
        body = b"".join(answer.iter_raw())
        return answer.status_code, dict(answer.headers), body


def test_scripts_and_styles_come_compressed_under_versioned_urls(
    panel: Panel, customer_id: int
) -> None:
    shown = page_assets(panel, customer_id)
    for name in ("app.js", "summary.js", "vendor/tabulator/tabulator.min.js", "app.css"):
        url = shown[name]
        on_disk = (STATIC / name).read_bytes()
        assert re.fullmatch(rf"/static/{re.escape(name)}\?v=[0-9a-f]{{12}}", url), url
        status, headers, body = raw(panel, url, GZIP)
        assert status == 200
        assert headers["content-encoding"] == "gzip"
        assert headers["cache-control"] == IMMUTABLE
        assert "accept-encoding" in headers["vary"].lower()
        assert gzip.decompress(body) == on_disk
        assert len(body) < len(on_disk) / 2  # minified text still shrinks by more than half


def test_without_gzip_the_file_is_sent_as_it_is(panel: Panel, customer_id: int) -> None:
    url = page_assets(panel, customer_id)["vendor/tabulator/tabulator.min.js"]
    status, headers, body = raw(panel, url, NO_COMPRESSION)
    on_disk = (STATIC / "vendor/tabulator/tabulator.min.js").read_bytes()
    assert (status, body) == (200, on_disk)
    assert "content-encoding" not in headers
    assert headers["cache-control"] == IMMUTABLE


def test_an_unversioned_or_stale_url_is_revalidated_with_its_etag(panel: Panel) -> None:
    for url in ("/static/app.js", "/static/app.js?v=000000000000"):
        for encoding in (GZIP, NO_COMPRESSION):
            status, headers, _body = raw(panel, url, encoding)
            assert status == 200
            assert headers["cache-control"] == "no-cache"
            again = panel.client.get(url, headers={**encoding, "If-None-Match": headers["etag"]})
            assert again.status_code == 304
            assert again.headers["cache-control"] == "no-cache"
    # the two encodings are two representations: each has its own ETag
    _s, zipped, _b = raw(panel, "/static/app.js", GZIP)
    _s, plain, _b = raw(panel, "/static/app.js", NO_COMPRESSION)
    assert zipped["etag"] != plain["etag"]


def test_a_changed_file_gets_a_new_version(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(assets, "STATIC", tmp_path)
    (tmp_path / "probe.js").write_text("// one\n")
    first = assets.static_url("probe.js")
    (tmp_path / "probe.js").write_text("// two, longer\n")
    second = assets.static_url("probe.js")
    assert first != second
    assert first.startswith("/static/probe.js?v=") and second.startswith("/static/probe.js?v=")


def test_fonts_and_missing_files(panel: Panel) -> None:
    fonts = sorted((STATIC / "vendor/bootstrap-icons/fonts").glob("*.woff2"))
    assert fonts
    name = fonts[0].relative_to(STATIC).as_posix()
    status, headers, body = raw(panel, f"/static/{name}", GZIP)
    assert status == 200 and "content-encoding" not in headers  # woff2 is compressed already
    assert body == fonts[0].read_bytes()
    assert panel.client.get("/static/no-such-file.js", headers=GZIP).status_code == 404
