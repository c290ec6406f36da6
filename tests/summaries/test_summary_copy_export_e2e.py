"""Issue 14, items 2 and 3: Copy, Copy with Headers, Ctrl+C / Cmd+C, Export CSV and Export XLSX
give exactly what the grid shows (durations in minutes, ACD in seconds, money in the currency's
minor units) under headers naming the units, numbers as numbers in XLSX; the figures are those
of the API; hidden columns stay hidden across reloads, per user."""

from __future__ import annotations

import csv
import io
import zipfile
from decimal import ROUND_HALF_UP, Decimal
from typing import Any
from xml.etree import ElementTree

import pytest
from playwright.sync_api import Page, expect

from summaries.summary_page import (
    FIGURES,
    OTHER,
    api,
    cell,
    demo_customer,
    log_in,
    open_main,
    select_range,
    show,
    shown_rows,
    tab,
    titles,
)

__all__ = ["demo_customer", "tab"]  # fixtures
pytestmark = [pytest.mark.e2e, pytest.mark.xdist_group("browser")]
NS = {"x": "http://schemas.openxmlformats.org/spreadsheetml/2006/main"}
UNITS = {
    "duration": "Duration (min)",
    "billed_duration": "Billed (min)",
    "acd": "ACD (s)",
    "charge": "Charge (EUR)",
    "cost": "Cost (EUR)",
    "profit": "Profit (EUR)",
}
CENT = Decimal("0.01")


def clipboard(page: Page) -> str:
    text: str = page.evaluate("navigator.clipboard.readText()")
    return text


def menu(page: Page, item: str, field: str = "attempts") -> None:
    """Right-click a cell of the second row (inside the selection, if any) and pick `item`."""
    cell(page, 1, field).click(button="right")
    page.locator(".tabulator-menu-item").get_by_text(item, exact=True).click()


def exported(page: Page, item: str) -> bytes:
    with page.expect_download() as download:
        menu(page, item)
    with open(download.value.path(), "rb") as handle:
        return handle.read()


def sheet(workbook: bytes) -> list[list[tuple[str | None, str]]]:
    """The first sheet's rows: (type, value) of each cell, shared strings resolved."""
    with zipfile.ZipFile(io.BytesIO(workbook)) as book:
        shared = [
            "".join(t.text or "" for t in si.iter(f"{{{NS['x']}}}t"))
            for si in ElementTree.fromstring(book.read("xl/sharedStrings.xml"))
        ]
        root = ElementTree.fromstring(book.read("xl/worksheets/sheet1.xml"))
    rows = []
    for r in root.iter(f"{{{NS['x']}}}row"):
        cells = []
        for c in r.iter(f"{{{NS['x']}}}c"):
            kind, v = c.get("t"), c.find("x:v", NS)
            value = v.text or "" if v is not None else ""
            cells.append((kind, shared[int(value)] if kind == "s" else value))
        rows.append(cells)
    return rows


def half_up(numerator: Any, denominator: Any, places: str) -> str:
    if not Decimal(denominator):
        return str(Decimal(0).quantize(Decimal(places)))
    exact = Decimal(numerator) / Decimal(denominator)
    return str(exact.quantize(Decimal(places), rounding=ROUND_HALF_UP))


def expected_text(field: str, item: dict[str, Any]) -> str:
    """What the grid must show for one figure of the API's row: minutes and ACD in seconds
    from the seconds, ratios from the sums, money to the cent, each rounded half up once."""
    if field in ("duration", "billed_duration"):
        return half_up(item[field], 60, "0.01")
    if field == "acd":
        return half_up(item["duration"], item["connected"], "0.1")
    if field == "asr":
        return half_up(item["connected"] * 100, item["attempts"], "0.01")
    if field == "profit_pct":
        return half_up(Decimal(item["profit"]) * 100, item["charge"], "0.01")
    if field in ("charge", "cost", "profit"):
        return str(Decimal(item[field]).quantize(CENT, rounding=ROUND_HALF_UP))
    return str(item[field])


def test_what_is_copied_and_exported_is_what_is_shown(tab: Page, demo_customer: int) -> None:
    log_in(tab)
    open_main(tab, demo_customer)
    show(tab, "daily")
    shown = shown_rows(tab)
    header = titles(tab)
    for field, title in UNITS.items():
        assert header[field] == title

    # the grid shows the API's figures in the named units, money to the cent
    body = api(tab, "GET", f"/customers/{demo_customer}/summary?timeframe=daily")
    by_day = {item["period_start"][:10]: item for item in body["items"]}
    for line in shown:
        item = by_day[line["date"]]
        assert {f: line[f] for f in FIGURES} == {f: expected_text(f, item) for f in FIGURES}
    assert any(float(line["duration"]) > 0 for line in shown)

    # Copy with Headers of rows 2–4, every figure column: exactly the cells' text
    select_range(tab, cell(tab, 1, "date"), cell(tab, 3, "profit_pct"))
    menu(tab, "Copy with Headers")
    expect(tab.locator("#summary-selection")).to_have_attribute("data-copied", "headers")
    lines = [line.split("\t") for line in clipboard(tab).split("\n")]
    fields = ["date", *FIGURES]
    assert lines[0] == [header[f] for f in fields]
    assert lines[1:] == [[shown[i][f] for f in fields] for i in (1, 2, 3)]

    # Export CSV: the whole grid, the cells' text under the same headers
    rows = list(csv.reader(io.StringIO(exported(tab, "Export CSV").decode("utf-8-sig"))))
    titles_row = next(r for r in rows if "Duration (min)" in r)
    assert [header[f] for f in fields] == titles_row
    data = {r[0]: dict(zip(titles_row, r, strict=True)) for r in rows if r[0] in by_day}
    for line in shown:
        assert [data[line["date"]][header[f]] for f in fields] == [line[f] for f in fields]

    # Export XLSX: number cells holding the shown numbers, text only for the date
    table = sheet(exported(tab, "Export XLSX"))
    groups, xlsx_titles = next(
        table[i : i + 2] for i in range(len(table)) if table[i][1:2] == [("s", "Traffic")]
    )
    assert groups[0] == ("s", header["date"])  # over both header rows (a merged cell)
    assert [value for _kind, value in xlsx_titles[1:]] == [header[f] for f in FIGURES]
    cells = {r[0][1]: r for r in table if r and r[0][1] in by_day}
    for line in shown:
        got = cells[line["date"]]
        assert got[0] == ("s", line["date"])
        for (kind, value), field in zip(got[1:], FIGURES, strict=True):
            assert kind in (None, "n"), (field, kind)
            assert Decimal(value) == Decimal(line[field]), (line["date"], field)


def test_durations_as_h_mm_ss_are_copied_as_shown(tab: Page, demo_customer: int) -> None:
    log_in(tab)
    open_main(tab, demo_customer)
    show(tab, "daily")
    minutes = shown_rows(tab)[1]["duration"]
    tab.select_option("#summary-duration-unit", "hms")
    assert titles(tab)["duration"] == "Duration (h:mm:ss)"
    clock = shown_rows(tab)[1]["duration"]
    hours, mins, secs = (int(part) for part in clock.split(":"))
    assert abs((hours * 60 + mins + secs / 60) - float(minutes)) < 0.01
    select_range(tab, cell(tab, 1, "duration"), cell(tab, 1, "acd"))
    menu(tab, "Copy with Headers", "duration")
    expect(tab.locator("#summary-selection")).to_have_attribute("data-copied", "headers")
    header, values = (line.split("\t") for line in clipboard(tab).split("\n"))
    assert header == ["Duration (h:mm:ss)", "Billed (h:mm:ss)", "ASR %", "ACD (s)"]
    assert values[0] == clock  # ACD stays in seconds: one unit, named


def test_ctrl_c_and_cmd_c_copy_the_selected_range(tab: Page, demo_customer: int) -> None:
    log_in(tab)
    open_main(tab, demo_customer)
    show(tab, "daily")
    shown = shown_rows(tab)
    select_range(tab, cell(tab, 1, "duration"), cell(tab, 2, "acd"))
    tab.keyboard.press("Control+c")
    expect(tab.locator("#summary-selection")).to_have_attribute("data-copied", "keyboard")
    fields = ["duration", "billed_duration", "asr", "acd"]
    expected = "\n".join("\t".join(shown[i][f] for f in fields) for i in (1, 2))
    assert clipboard(tab) == expected

    tab.evaluate("navigator.clipboard.writeText('')")
    tab.evaluate("document.querySelector('#summary-selection').dataset.copied = ''")
    select_range(tab, cell(tab, 3, "charge"), cell(tab, 4, "cost"))
    tab.keyboard.press("Meta+c")
    expect(tab.locator("#summary-selection")).to_have_attribute("data-copied", "keyboard")
    assert clipboard(tab) == "\n".join(f"{shown[i]['charge']}\t{shown[i]['cost']}" for i in (3, 4))


def test_hidden_columns_stay_hidden_for_that_user(tab: Page, demo_customer: int) -> None:
    log_in(tab)
    open_main(tab, demo_customer)
    cost = tab.locator("#summary-grid .tabulator-col[tabulator-field='cost']")
    ner = tab.locator("#summary-grid .tabulator-col[tabulator-field='ner']")
    expect(cost).to_be_visible()
    expect(ner).to_be_hidden()  # hidden unless asked for
    tab.click("#summary-columns-button")
    tab.uncheck("#summary-col-cost")
    tab.check("#summary-col-ner")
    expect(cost).to_be_hidden()
    tab.reload()
    expect(tab.locator("#summary-grid[data-loaded='true']")).to_be_visible()
    expect(cost).to_be_hidden()
    expect(ner).to_be_visible()
    tab.click("#summary-columns-button")
    expect(tab.locator("#summary-col-cost")).not_to_be_checked()
    expect(tab.locator("#summary-col-ner")).to_be_checked()

    # another operator in the same browser has their own choice
    tab.locator("form[action='/logout'] button").click()
    log_in(tab, OTHER)
    open_main(tab, demo_customer)
    expect(cost).to_be_visible()
    expect(ner).to_be_hidden()


def test_one_money_format_with_the_currency_minor_units(tab: Page, demo_customer: int) -> None:
    log_in(tab)
    open_main(tab, demo_customer)
    money = tab.evaluate(
        """() => [['0.596858', 'USD'], ['1.005', 'EUR'], ['-0.125', 'EUR'], ['1234.5', 'JPY'],
                  ['1.2345', 'BHD'], ['-0.004', 'EUR'], ['19.486', 'EUR'], ['25.6425', 'EUR']]
            .map(([v, c]) => window.carrierdeskFormat.money(v, c))"""
    )
    assert money == ["0.60", "1.01", "-0.13", "1235", "1.235", "0.00", "19.49", "25.64"]
