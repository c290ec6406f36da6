"""Issue 14, item 16: the customers list sorts by any of its columns (a click on the header;
a second click reverses it), keeping the search and the status filter."""

from __future__ import annotations

import html
import re
from datetime import timedelta

import pytest

from carrierdesk.db import transaction
from carrierdesk.models import Customer
from fixtures.builders import T0, add_customer, make_contact
from fixtures.database import fingerprint
from fixtures.panel import Panel
from support import Api

VOLATILE = ("auth_sessions",)  # a page view touches the session's last-seen time


@pytest.fixture
def three(db_url: str, operator: Api) -> None:
    with transaction(db_url) as session:
        made = [
            add_customer(session, "beta Voice", reference="B-2", currency="USD", channels=30),
            add_customer(session, "Alpha Telecom", status="penalty", currency="GBP"),
            add_customer(session, "Gamma Net", reference="a-1", currency="EUR", channels=5),
        ]
        for day, customer in enumerate(made):
            customer.created_at = T0 + timedelta(days=day)
    for i in range(2):
        make_contact(operator, 3, f"Contact {i}", f"c{i}@gamma.example")
    make_contact(operator, 1, "Bea", "bea@beta.example")


def names(page: str) -> list[str]:
    body = page.split('id="customers"', 1)[1].split("</table>", 1)[0]
    return [html.unescape(n) for n in re.findall(r'<a href="/customers/\d+">([^<]+)</a>', body)]


def header_link(page: str, key: str) -> str:
    cell = re.search(rf'<th[^>]*data-sort="{key}"[^>]*>(.*?)</th>', page, re.S)
    assert cell, f"no sortable header {key}"
    return html.unescape(re.search(r'href="([^"]+)"', cell.group(1)).group(1))  # type: ignore[union-attr]


@pytest.mark.usefixtures("three")
@pytest.mark.parametrize(
    ("sort", "expected"),
    [
        ("name", ["Alpha Telecom", "beta Voice", "Gamma Net"]),  # case does not matter
        ("-name", ["Gamma Net", "beta Voice", "Alpha Telecom"]),
        ("reference", ["Gamma Net", "beta Voice", "Alpha Telecom"]),  # none last
        ("-reference", ["beta Voice", "Gamma Net", "Alpha Telecom"]),  # none last, still
        ("status", ["beta Voice", "Gamma Net", "Alpha Telecom"]),  # active, then penalty
        ("currency", ["Gamma Net", "Alpha Telecom", "beta Voice"]),
        ("channels", ["Gamma Net", "beta Voice", "Alpha Telecom"]),
        ("-channels", ["beta Voice", "Gamma Net", "Alpha Telecom"]),
        ("contacts", ["Alpha Telecom", "beta Voice", "Gamma Net"]),
        ("-contacts", ["Gamma Net", "beta Voice", "Alpha Telecom"]),
        ("created", ["beta Voice", "Alpha Telecom", "Gamma Net"]),
        ("-created", ["Gamma Net", "Alpha Telecom", "beta Voice"]),
    ],
)
def test_the_list_sorts_by_each_column(panel: Panel, sort: str, expected: list[str]) -> None:
    answer = panel.get(f"/customers?sort={sort}")
    assert answer.status_code == 200
    assert names(answer.text) == expected
    key = sort.lstrip("-")
    cell = re.search(rf'<th[^>]*data-sort="{key}"[^>]*>', answer.text)
    assert cell and f'aria-sort="{"descending" if sort[0] == "-" else "ascending"}"' in cell.group(
        0
    )


@pytest.mark.usefixtures("three")
def test_headers_link_to_the_sorted_list_and_keep_the_filters(panel: Panel) -> None:
    page = panel.get("/customers?q=a&status=active").text
    assert names(page) == ["beta Voice", "Gamma Net"]  # by name, the default
    by_name = header_link(page, "name")
    assert by_name == "/customers?q=a&status=active&sort=-name"  # the current one: reversed
    channels = header_link(page, "channels")
    assert channels == "/customers?q=a&status=active&sort=channels"
    assert names(panel.get(channels).text) == ["Gamma Net", "beta Voice"]
    reversed_page = panel.get(by_name).text
    assert names(reversed_page) == ["Gamma Net", "beta Voice"]
    # the search form and the pager keep the sort
    assert '<input type="hidden" name="sort" value="-name">' in reversed_page


@pytest.mark.usefixtures("three")
def test_an_unknown_sort_is_refused_naming_the_field(panel: Panel, db_url: str) -> None:
    before = fingerprint(db_url, skip=VOLATILE)
    for bad in ("password_hash", "-", "name;drop", "--name"):
        answer = panel.get(f"/customers?sort={bad}")
        assert answer.status_code == 422
        assert "sort: must be one of name, reference, status" in html.unescape(answer.text)
    assert fingerprint(db_url, skip=VOLATILE) == before
    with transaction(db_url) as session:
        assert session.query(Customer).count() == 3
