// The Summary panel of Customer › Main (PRODUCT.md §6): a Tabulator grid over
// GET /api/v1/customers/{id}/summary, with range selection (sum / average readout), Ctrl+C /
// Cmd+C and a right-click menu (Copy, Copy with Headers, Copy with Group Headers, Export CSV /
// XLSX), a column chooser remembered per user, header filters, refresh, and a Download CDR
// report icon per row. The first timeframe's rows come inline with the page
// (#summary-initial), so its numbers need no second request. Loaded by
// templates/summaries/_summary_panel.html after format.js, as the page is read (not
// deferred); no inline scripts.
//
// What is copied or exported is what a cell shows (issue 14): durations in the unit shown,
// ACD in seconds, money in the currency's minor units (format.js), headers with their units.
(function () {
  "use strict";
  const panel = document.getElementById("summary-panel");
  if (!panel || !window.carrierdeskFormat) return;
  const F = window.carrierdeskFormat;

  const customerId = panel.dataset.customerId;
  const currency = panel.dataset.currency || "USD";
  const customerKey = (panel.dataset.customerKey || customerId).replace(/[^A-Za-z0-9_-]+/g, "-");
  const columnsKey = `carrierdesk.summary.columns.${panel.dataset.userKey || "anonymous"}`;
  const gridEl = document.getElementById("summary-grid");
  const readout = document.getElementById("summary-selection");
  const refreshedEl = document.getElementById("summary-refreshed");
  const errorEl = document.getElementById("summary-error");
  const unitEl = document.getElementById("summary-duration-unit");
  const chooserEl = document.getElementById("summary-columns");
  const readoutHint = readout.innerHTML;
  const initialEl = document.getElementById("summary-initial");
  let timeframe = panel.dataset.timeframe || "24h";
  let unit = unitEl.value || "minutes";
  let exporting = null; // "csv" or "xlsx" while a download is being built

  // --- what each column shows ----------------------------------------------------------------
  // A row holds the API's sums (counts, seconds, millionths of money); every ratio is computed
  // exactly from them (format.js ratio), so a cell, the totals row and the exports agree.
  const KIND = {
    date: "text", attempts: "count", connected: "count", duration: "duration",
    billed_duration: "duration", asr: "percent", acd: "acd", ner: "percent", pdd_ms: "ms",
    charge: "money", cost: "money", profit: "money", profit_pct: "percent",
  };
  const duration = (seconds) => (unit === "hms" ? F.clock(seconds) : F.minutes(seconds));
  const durationUnit = () => (unit === "hms" ? "h:mm:ss" : F.UNITS.duration);
  const view = () => ({ currency, duration, durationUnit: durationUnit() });
  // Each figure's text and header are format.js's (the portal's Summary shows the same).
  const SHOW = { date: (r) => (r.date === null || r.date === undefined ? "" : String(r.date)) };
  const TITLES = { date: () => (timeframe === "24h" ? "Call Time" : "Date") };
  F.SUMMARY_FIELDS.forEach((field) => {
    SHOW[field] = (r) => F.summaryText(field, r, view());
    TITLES[field] = () => F.summaryTitle(field, view());
  });
  const shownText = (field, row) => SHOW[field](row);
  // The number a cell shows (what sums, averages and header filters work on), or null.
  function shownNumber(field, row) {
    const kind = KIND[field];
    if (!kind || kind === "text") return null;
    if (kind === "duration" && unit === "hms") return Number(F.minutes(row[field]));
    const n = Number(shownText(field, row));
    return Number.isFinite(n) ? n : null;
  }

  function periodLabel(iso) {
    const t = iso.replace("Z", "");
    if (timeframe === "24h") return t.slice(0, 10) + " " + t.slice(11, 16);
    if (timeframe === "monthly") return t.slice(0, 7);
    return t.slice(0, 10);
  }

  // --- the totals row: from sums, never averages of averages (CDR.md) ------------------------
  const ADDITIVE = [
    "attempts", "connected", "ner_calls", "duration", "billed_duration",
    "charge_micros", "cost_micros", "profit_micros",
  ];
  function totalOf(data) {
    const total = {};
    ADDITIVE.forEach((f) => {
      total[f] = data.reduce((acc, row) => acc + (Number(row[f]) || 0), 0);
    });
    total.ner = Number(F.ratio(total.ner_calls * 100, total.attempts, 2));
    return total;
  }
  const totalText = (field, data) => (field === "pdd_ms" ? "" : shownText(field, totalOf(data)));

  // --- header filters: "> 10", "<= 5", "= 3" on the shown number, or text in the shown value -
  function matches(term, field, row) {
    const match = /^\s*(>=|<=|>|<|=)\s*(-?[\d.]+)\s*$/.exec(term);
    if (!match) return shownText(field, row).includes(term.trim());
    const [, op, given] = match;
    const v = shownNumber(field, row), n = Number(given);
    return { ">": v > n, "<": v < n, ">=": v >= n, "<=": v <= n, "=": v === n }[op];
  }

  // --- spreadsheet safety (CSV / formula injection, OWASP; docs/decisions.md) ---------------
  // A text cell starting with = + - @ TAB or CR would be a formula in Excel, LibreOffice or
  // Sheets: Copy, Export CSV and Export XLSX put a ' in front of it (as cdrs.csv does), unless
  // it is entirely a sign and digits (an E.164 number, a negative integer). Figures are not
  // text: they go out as numbers.
  const FORMULA_START = /^[=+\-@\t\r]/;
  const SIGNED_DIGITS = /^[+-][0-9]+$/;
  function spreadsheetSafe(value) {
    if (typeof value !== "string" || !FORMULA_START.test(value) || SIGNED_DIGITS.test(value)) {
      return value;
    }
    return "'" + value;
  }
  // Tab-separated text for the clipboard: a value holding a tab, a line break or a quote is
  // quoted (quotes doubled), as spreadsheets do, so that it cannot start a new cell.
  function tsvCell(text) {
    return /[\t\n\r"]/.test(text) ? `"${text.replace(/"/g, '""')}"` : text;
  }
  // An exported cell: the shown text in CSV; in XLSX a number cell holding the shown number
  // (h:mm:ss durations stay text), so a spreadsheet can add them up.
  function exported(field, row) {
    const kind = KIND[field];
    const text = shownText(field, row);
    if (kind === "text") return spreadsheetSafe(text);
    if (exporting === "xlsx" && !(kind === "duration" && unit === "hms")) return Number(text);
    return text;
  }

  // A column's accessorDownload. Tabulator hands every column's accessor the same copy of the
  // row, already changed by the columns before; the row's own data is the 6th argument.
  const exportedAs = (field) => (_value, _copy, _type, _params, _column, row) =>
    exported(field, row.getData());

  // --- columns ------------------------------------------------------------------------------
  const saved = (() => {
    try {
      return JSON.parse(window.localStorage.getItem(columnsKey) || "{}");
    } catch (_error) {
      return {};
    }
  })();
  const visible = (field, byDefault) => (field in saved ? saved[field] : byDefault);

  function figure(field, extra) {
    return Object.assign({
      title: TITLES[field](), field, hozAlign: "right", headerHozAlign: "right",
      minWidth: 58, widthGrow: 1, headerWordWrap: true, visible: visible(field, true),
      headerFilter: "input", headerFilterPlaceholder: "> 0",
      headerFilterFunc: (term, _value, row) => matches(term, field, row),
      formatter: (cell) => shownText(field, cell.getRow().getData()),
      bottomCalc: (_values, data) => totalText(field, data),
      accessorDownload: exportedAs(field),
    }, extra || {});
  }

  function downloadLink(row) {
    const link = document.createElement("a");
    const query = new URLSearchParams({ timeframe, period_start: row.period_start });
    link.href = `/api/v1/customers/${customerId}/cdrs.csv?${query}`;
    link.className = "summary-download link-secondary";
    link.title = "Download CDR report";
    link.setAttribute("aria-label", `Download CDR report for ${row.date}`);
    link.setAttribute("download", "");
    link.innerHTML = '<i class="bi bi-download"></i>';
    return link;
  }

  // The invoice actions of a row (checkbox, View Invoice) come from /static/invoices.js.
  function actionCell(cell) {
    const row = cell.getRow().getData();
    const wrap = document.createElement("span");
    wrap.className = "d-inline-flex gap-1 align-items-center summary-actions";
    const invoicing = window.carrierdesk && window.carrierdesk.invoices;
    if (invoicing) invoicing.action(row, timeframe).forEach((el) => wrap.append(el));
    wrap.append(downloadLink(row));
    return wrap;
  }

  const columns = [
    {
      title: TITLES.date(), field: "date", headerFilter: "input", headerWordWrap: true,
      headerFilterPlaceholder: "filter", bottomCalc: () => "Total", minWidth: 112, widthGrow: 0,
      accessorDownload: exportedAs("date"),
    },
    {
      title: "Traffic", columns: [
        figure("attempts"), figure("connected"), figure("duration"), figure("billed_duration"),
      ],
    },
    {
      title: "Quality", columns: [
        figure("asr"), figure("acd"),
        figure("ner", { visible: visible("ner", false) }),
        figure("pdd_ms", { visible: visible("pdd_ms", false) }),
      ],
    },
    {
      title: "Money", columns: [
        figure("charge"), figure("cost"), figure("profit"), figure("profit_pct"),
      ],
    },
    {
      title: "Action", field: "action", formatter: actionCell, hozAlign: "center",
      headerSort: false, download: false, clipboard: false, width: 124, minWidth: 124,
      resizable: false, headerWordWrap: true,
    },
  ];

  // --- copying: the selected ranges (or the whole grid), as tab-separated shown text -------
  const copyable = (column) => column.isVisible() && KIND[column.getField()] !== undefined;
  const titleOf = (column) => column.getDefinition().title;
  function blocks() {
    const ranges = table.getRanges().filter((r) => r.getRows().length && r.getColumns().length);
    if (ranges.length) return ranges.map((r) => ({ rows: r.getRows(), columns: r.getColumns() }));
    return [{ rows: table.getRows("active"), columns: table.getColumns() }];
  }
  const cellText = (row, column) => {
    const field = column.getField();
    const text = shownText(field, row.getData());
    return KIND[field] === "text" ? tsvCell(spreadsheetSafe(text)) : text;
  };
  function clipboardText(headers) {
    const lines = [];
    blocks().forEach(({ rows, columns: cols }, i) => {
      const shown = cols.filter(copyable);
      if (i) lines.push("");
      if (headers === "groups") {
        lines.push(shown.map((c) => {
          const parent = c.getParentColumn();
          return parent ? titleOf(parent) : "";
        }).join("\t"));
      }
      if (headers !== "none") lines.push(shown.map(titleOf).join("\t"));
      rows.forEach((row) => lines.push(shown.map((c) => cellText(row, c)).join("\t")));
    });
    return lines.join("\n");
  }
  async function copy(headers) {
    const text = clipboardText(headers);
    try {
      await navigator.clipboard.writeText(text);
    } catch (_error) {
      const area = document.createElement("textarea");
      area.value = text;
      document.body.appendChild(area);
      area.select();
      document.execCommand("copy");
      area.remove();
    }
    readout.dataset.copied = headers;
  }

  // --- exports; SheetJS (880 KB) is fetched on the first XLSX export only --------------------
  const fileName = (ext) => `summary_${customerKey}_${timeframe}.${ext}`;
  let sheetJs = null;
  function loadSheetJs() {
    if (window.XLSX) return Promise.resolve();
    sheetJs = sheetJs || new Promise((resolve, reject) => {
      const script = document.createElement("script");
      script.src = panel.dataset.xlsxUrl;
      script.onload = resolve;
      script.onerror = () => {
        sheetJs = null;
        script.remove();
        reject(new Error("the spreadsheet library could not be loaded; try again"));
      };
      document.head.append(script);
    });
    return sheetJs;
  }
  // Number cells keep the shown decimals in the spreadsheet (0.60, not 0.6).
  const XLSX_FORMAT = {
    count: "0", duration: "0.00", acd: "0.0", percent: "0.00", ms: "0",
    money: F.moneyDigits(currency) ? "0." + "0".repeat(F.moneyDigits(currency)) : "0",
  };
  function withNumberFormats(book) {
    const sheet = book.Sheets[book.SheetNames[0]];
    const fields = table.getColumns()
      .filter((c) => c.isVisible() && c.getDefinition().download !== false)
      .map((c) => c.getField());
    Object.keys(sheet).forEach((ref) => {
      const cell = sheet[ref];
      if (ref[0] === "!" || cell.t !== "n") return;
      const column = window.XLSX.utils.decode_cell(ref).c;
      const format = XLSX_FORMAT[KIND[fields[column]]];
      if (format) cell.z = format;
    });
    return book;
  }
  function download(kind) {
    exporting = kind;
    try {
      if (kind === "csv") table.download("csv", fileName("csv"));
      else {
        table.download("xlsx", fileName("xlsx"), {
          sheetName: "Summary", documentProcessing: withNumberFormats,
        });
      }
    } finally {
      exporting = null;
    }
  }
  async function exportXlsx() {
    try {
      await loadSheetJs();
      download("xlsx");
    } catch (error) {
      showError(`Export XLSX failed: ${error.message}`);
    }
  }
  const menu = [
    { label: '<i class="bi bi-clipboard"></i> Copy', action: () => copy("none") },
    { label: '<i class="bi bi-clipboard-plus"></i> Copy with Headers', action: () => copy("headers") },
    { label: '<i class="bi bi-clipboard-data"></i> Copy with Group Headers', action: () => copy("groups") },
    { separator: true },
    { label: '<i class="bi bi-filetype-csv"></i> Export CSV', action: () => download("csv") },
    { label: '<i class="bi bi-file-earmark-spreadsheet"></i> Export XLSX', action: exportXlsx },
  ];

  function rowsOf(items) {
    return items.map((item) => Object.assign(F.summaryRow(item), {
      date: periodLabel(item.period_start),
      charge: Number(item.charge),
      cost: Number(item.cost),
      profit: Number(item.profit),
    }));
  }
  const initial = (() => {
    try {
      const body = initialEl ? JSON.parse(initialEl.textContent) : null;
      return body && body.timeframe === timeframe ? body : null;
    } catch (_error) {
      return null;
    }
  })();

  // Until the grid is built (after the page's deferred scripts, Tabulator among them), the
  // first rows show as a plain table of the same columns, texts and order: the numbers come
  // with the page (issue 14, item 5). This script runs as the page is read, not deferred.
  function showPreview() {
    if (!initial) return null;
    const leaves = columns.flatMap((c) => c.columns || [c])
      .filter((c) => KIND[c.field] && c.visible !== false);
    const align = (el, c) => { if (c.hozAlign === "right") el.className = "text-end"; };
    const sheet = document.createElement("table");
    sheet.className = "table table-sm table-striped small mb-0";
    const head = sheet.createTHead().insertRow();
    leaves.forEach((c) => {
      const th = document.createElement("th");
      th.textContent = typeof c.title === "string" ? c.title : "";
      align(th, c);
      head.append(th);
    });
    const rows = sheet.createTBody();
    rowsOf(initial.items).forEach((row) => {
      const tr = rows.insertRow();
      leaves.forEach((c) => {
        const td = tr.insertCell();
        td.textContent = shownText(c.field, row);
        align(td, c);
      });
    });
    const wrap = document.createElement("div");
    wrap.className = "summary-preview";
    wrap.append(sheet);
    gridEl.after(wrap);
    return wrap;
  }
  const preview = showPreview();

  let table = null;
  function build() {
    if (!window.Tabulator) return; // the grid's script did not load: the first rows stay
    table = new window.Tabulator(gridEl, {
      data: initial ? rowsOf(initial.items) : [],
      columns,
      layout: "fitColumns",
      maxHeight: "560px",
      placeholder: "No calls in these periods.",
      selectableRange: true,
      selectableRangeColumns: true,
      selectableRangeRows: true,
      selectableRangeClearCells: false,
      // Ctrl+C / Cmd+C on a selected range: the same text as the menu's Copy
      clipboard: "copy",
      clipboardCopyRowRange: "range",
      clipboardCopyStyled: false,
      clipboardCopyConfig: { columnHeaders: false, columnGroups: false, columnCalcs: false },
      clipboardCopyFormatter: (type) => (type === "plain" ? clipboardText("none") : ""),
      columnDefaults: {
        headerSort: false, contextMenu: menu, resizable: true,
        accessorDownload: (value) => spreadsheetSafe(value),
      },
      rowHeader: {
        resizable: false, frozen: true, width: 30, hozAlign: "center", headerSort: false,
        formatter: "rownum", field: "_row", download: false, clipboard: false,
      },
      columnCalcs: "table",
      downloadConfig: { columnGroups: true, columnCalcs: false },
    });
    table.on("clipboardCopied", () => { readout.dataset.copied = "keyboard"; });

    // --- the live "Sum / Average" of the selected numeric cells (an average of averages) -----
    const plain = (value, places) => Number(Number(value).toFixed(places)).toString();
    function updateReadout() {
      const values = [];
      table.getRanges().forEach((range) => {
        range.getStructuredCells().forEach((cells) => cells.forEach((cell) => {
          const n = shownNumber(cell.getField(), cell.getRow().getData());
          if (n !== null) values.push(n);
        }));
      });
      if (values.length < 1) {
        readout.innerHTML = readoutHint;
        delete readout.dataset.sum;
        delete readout.dataset.average;
        return;
      }
      const sum = values.reduce((a, b) => a + b, 0);
      const average = sum / values.length;
      readout.dataset.sum = plain(sum, 6);
      readout.dataset.average = plain(average, 6);
      readout.dataset.count = String(values.length);
      readout.textContent = "";
      [["Sum", plain(sum, 4)], ["Average", plain(average, 4)], ["Count", values.length]].forEach(
        ([label, value]) => {
          const item = document.createElement("span");
          item.className = "summary-figure";
          item.dataset.figure = label.toLowerCase();
          item.textContent = `${label}: ${value}`;
          readout.appendChild(item);
        });
    }
    ["rangeAdded", "rangeChanged", "rangeRemoved"].forEach((e) => table.on(e, updateReadout));

    // --- titles that follow the timeframe and the duration unit -------------------------------
    function retitle() {
      Object.keys(TITLES).forEach((field) => {
        const column = table.getColumn(field);
        if (!column) return;
        const title = TITLES[field]();
        column.getDefinition().title = title; // what Copy with Headers and the exports write
        const el = column.getElement().querySelector(".tabulator-col-title");
        if (el) el.textContent = title;
        const label = chooserEl.querySelector(`label[for="summary-col-${field}"]`);
        if (label) label.textContent = title;
      });
    }

    // --- loading a timeframe -----------------------------------------------------------------
    function showError(text) {
      errorEl.textContent = text;
      errorEl.classList.remove("d-none");
    }
    function shown(body) {
      refreshedEl.textContent = body.refreshed_at
        ? `refreshed at ${body.refreshed_at.replace("T", " ").slice(0, 19)} UTC`
        : "not refreshed yet";
      gridEl.dataset.timeframe = timeframe;
      gridEl.dataset.loaded = "true";
      updateReadout();
      panel.dispatchEvent(new CustomEvent("summary:loaded", { detail: { timeframe } }));
    }
    async function load() {
      const wanted = timeframe;
      gridEl.dataset.loaded = "false";
      errorEl.classList.add("d-none");
      try {
        const body = await window.carrierdesk.api(
          "GET", `/customers/${customerId}/summary?timeframe=${encodeURIComponent(wanted)}`);
        // Another tab was chosen while this answer travelled: it is not the one to show.
        if (wanted !== timeframe) return;
        retitle();
        await table.replaceData(rowsOf(body.items));
        table.recalc();
        shown(body);
      } catch (error) {
        showError(`The summary could not be loaded: ${error.message}`);
      }
    }

    // --- the column chooser; the choice is kept per user in this browser ----------------------
    function remember(field, isVisible) {
      saved[field] = isVisible;
      try {
        window.localStorage.setItem(columnsKey, JSON.stringify(saved));
      } catch (_error) { /* storage full or disabled: the choice lasts until the page is left */ }
    }
    function buildChooser() {
      chooserEl.textContent = "";
      table.getColumns().forEach((column) => {
        const field = column.getField();
        if (!KIND[field] || field === "date") return;
        const id = `summary-col-${field}`;
        const wrap = document.createElement("div");
        wrap.className = "form-check";
        const box = document.createElement("input");
        box.type = "checkbox";
        box.className = "form-check-input";
        box.id = id;
        box.checked = column.isVisible();
        box.dataset.field = field;
        box.addEventListener("change", () => {
          if (box.checked) column.show(); else column.hide();
          remember(field, box.checked);
          table.redraw(true);
        });
        const label = document.createElement("label");
        label.className = "form-check-label text-nowrap";
        label.htmlFor = id;
        label.textContent = titleOf(column);
        wrap.append(box, label);
        chooserEl.appendChild(wrap);
      });
    }

    document.getElementById("summary-tabs").addEventListener("click", (event) => {
      const button = event.target.closest("[data-timeframe]");
      if (!button) return;
      document.querySelectorAll("#summary-tabs [data-timeframe]").forEach((b) => {
        b.classList.toggle("active", b === button);
        b.setAttribute("aria-selected", b === button ? "true" : "false");
      });
      timeframe = button.dataset.timeframe;
      load();
    });
    unitEl.addEventListener("change", () => {
      unit = unitEl.value;
      retitle();
      table.redraw(true);
      table.recalc();
    });
    document.getElementById("summary-refresh")?.addEventListener("click", async (event) => {
      const button = event.currentTarget;
      button.disabled = true;
      try {
        await window.carrierdesk.api("POST", "/summary/refresh");
        await load();
      } catch (error) {
        showError(`Refresh failed: ${error.message}`);
      } finally {
        button.disabled = false;
      }
    });

    panel.addEventListener("summary:reload", () => load());
    table.on("tableBuilt", () => {
      if (preview) preview.remove();
      buildChooser();
      if (initial) shown(initial);
      else load();
    });
  }
  // Deferred scripts (Tabulator, invoices.js) have run by DOMContentLoaded.
  if (document.readyState === "loading") document.addEventListener("DOMContentLoaded", build);
  else build();
})();
