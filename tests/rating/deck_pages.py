"""What the Rate Card page tests share: a card made on its form, and a deck sent through the
upload form's two steps (Preview, then Apply with the preview's stamp) as the page sends them."""

from __future__ import annotations

import html
import re
from typing import Any

from fixtures.panel import Panel, field_errors

STAMP = ("preview_sha256", "preview_replace", "preview_card")
HTMX = {"HX-Request": "true"}


def new_card(panel: Panel, name: str = "Retail EUR", currency: str = "EUR") -> int:
    answer = panel.post("/rate-cards/new", {"name": name, "currency": currency})
    assert answer.status_code == 303, field_errors(answer.text) or answer.text[:500]
    return int(answer.headers["location"].rsplit("/", 1)[1])


def send(
    panel: Panel,
    card: int,
    body: bytes | None,
    form: dict[str, str],
    headers: dict[str, str] | None = None,
) -> Any:
    files = {"deck": ("deck.csv", body, "text/csv")} if body is not None else None
    return panel.client.post(
        f"/rate-cards/{card}/upload",
        data={"csrf_token": panel.csrf, **form},
        files=files,
        headers=headers,
        follow_redirects=False,
    )


def preview(panel: Panel, card: int, body: bytes | None, replace: bool = False, **kw: Any) -> Any:
    """The Preview button (`headers=HTMX`: as htmx sends it, answered with the panel alone)."""
    form = {"step": "preview", **({"replace": "on"} if replace else {})}
    return send(panel, card, body, form, kw.get("headers"))


def stamp_of(page: str) -> dict[str, str]:
    """The preview's hidden fields, which the Apply button sends with the form."""
    found = {
        name: html.unescape(value)
        for name, value in re.findall(r'name="(preview_[a-z0-9]+)" value="([^"]*)"', page)
    }
    assert set(found) == set(STAMP), f"no Apply in {page[:300]}"
    return found


def apply(
    panel: Panel, card: int, body: bytes | None, stamp: dict[str, str], replace: bool = False
) -> Any:
    form = {"step": "apply", **stamp, **({"replace": "on"} if replace else {})}
    return send(panel, card, body, form)


def upload(panel: Panel, card: int, body: bytes, replace: bool = False) -> Any:
    """Preview, then Apply the same file: the answer to Apply."""
    shown = preview(panel, card, body, replace)
    assert shown.status_code == 200, field_errors(shown.text) or shown.text[:500]
    return apply(panel, card, body, stamp_of(shown.text), replace)


def counts(page: str) -> dict[str, int]:
    """The preview's counts: {"rows": …, "rejected": …, "new": …, "changed": …, …}."""
    found = re.findall(r'data-count="([a-z]+)" data-value="(\d+)"', page)
    return {name: int(value) for name, value in found}


def first_rows(page: str) -> list[tuple[str, str, str]]:
    """(row, prefix, change) of each row of the preview's table of first rates."""
    table = page.split('id="deck-first-rows"', 1)[1].split("</table>", 1)[0]
    rows = re.findall(
        r'data-first-row="(\d+)" data-change="([a-z]+)">\s*<td[^>]*>\d+</td>\s*'
        r'<td class="mono">(\d+)</td>',
        table,
    )
    return [(row, prefix, change) for row, change, prefix in rows]


def rejected_rows(page: str) -> dict[str, str]:
    """{row: its errors} of the rows to correct."""
    return dict(re.findall(r'<tr data-row="(\d+)">.*?<td>(.*?)</td></tr>', page, re.S))
