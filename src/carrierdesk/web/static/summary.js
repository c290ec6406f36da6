// The Summary panel of Customer › Main (PRODUCT.md §6): a Tabulator grid over
// GET /api/v1/customers/{id}/summary, with range selection (sum / average readout), a right-click
// menu (Copy, Copy with Headers, Copy with Group Headers, Export CSV / XLSX), a column chooser,
// header filters, refresh, and a Download CDR report icon per row. Loaded by
// templates/summaries/_summary_panel.html; no inline scripts.
(function () {
  "use strict";
  const panel = document.getElementById("summary-panel");
  if (!panel || !window.Tabulator) return;

  const customerId = panel.dataset.customerId;
  const currency = panel.dataset.currency || "USD";
  const customerKey = (panel.dataset.customerKey || customerId).replace(/[^A-Za-z0-9_-]+/g, "-");
  const gridEl = document.getElementById("summary-grid");
  const readout = document.getElementById("summary-selection");
  const refreshedEl = document.getElementById("summary-refreshed");
  const errorEl = document.getElementById("summary-error");
  const unitEl = document.getElementById("summary-duration-unit");
  const chooserEl = document.getElementById("summary-columns");
  const readoutHint = readout.innerHTML;
  const DURATIONS = new Set(["duration", "billed_duration", "acd"]);
  let timeframe = "24h";
  let unit = "minutes";

  const moneyFormat = new Intl.NumberFormat("en-US", {
    style: "currency", currency, minimumFractionDigits: 2, maximumFractionDigits: 4,
  });
  const plain = (value, places) => Number(Number(value).toFixed(places)).toString();

  function hms(seconds) {
    const s = Math.round(seconds);
    const pad = (n) => String(n).padStart(2, "0");
    return `${Math.floor(s / 3600)}:${pad(Math.floor((s % 3600) / 60))}:${pad(s % 60)}`;
  }
  function showDuration(seconds) {
    if (seconds === null || seconds === undefined || seconds === "") return "";
    return unit === "hms" ? hms(seconds) : plain(seconds / 60, 2);
  }
  function periodLabel(iso) {
    const t = iso.replace("Z", "");
    if (timeframe === "24h") return t.slice(0, 10) + " " + t.slice(11, 16);
    if (timeframe === "monthly") return t.slice(0, 7);
    return t.slice(0, 10);
  }

  // --- figures of the totals row: from sums, never averages of averages (CDR.md) -----------
  const sumOf = (data, field) => data.reduce((acc, row) => acc + (Number(row[field]) || 0), 0);
  const ratio = (a, b) => (b ? (a / b) : 0);
  const TOTALS = {
    date: () => "Total",
    attempts: (data) => sumOf(data, "attempts"),
    connected: (data) => sumOf(data, "connected"),
    duration: (data) => sumOf(data, "duration"),
    billed_duration: (data) => sumOf(data, "billed_duration"),
    asr: (data) => plain(ratio(sumOf(data, "connected") * 100, sumOf(data, "attempts")), 2),
    acd: (data) => ratio(sumOf(data, "duration"), sumOf(data, "connected")),
    ner: (data) => plain(ratio(sumOf(data, "ner_calls") * 100, sumOf(data, "attempts")), 2),
    pdd_ms: () => "",
    charge: (data) => sumOf(data, "charge"),
    cost: (data) => sumOf(data, "cost"),
    profit: (data) => sumOf(data, "profit"),
    profit_pct: (data) => plain(ratio(sumOf(data, "profit") * 100, sumOf(data, "charge")), 2),
  };

  // --- header filters: "> 10", "<= 5", "= 3", or text contained in the shown value ----------
  function numberFilter(term, value) {
    const match = /^\s*(>=|<=|>|<|=)\s*(-?[\d.]+)\s*$/.exec(term);
    if (!match) return String(value).includes(term.trim());
    const [, op, raw] = match;
    const v = Number(value), n = Number(raw);
    return { ">": v > n, "<": v < n, ">=": v >= n, "<=": v <= n, "=": v === n }[op];
  }

  function numeric(title, field, extra) {
    return Object.assign({
      title, field, hozAlign: "right", headerHozAlign: "right", sorter: "number", minWidth: 90,
      headerFilter: "input", headerFilterFunc: numberFilter, headerFilterPlaceholder: "> 0",
      bottomCalc: (values, data) => TOTALS[field](data),
    }, extra || {});
  }
  const durationColumn = (title, field, extra) => numeric(title, field, Object.assign({
    formatter: (cell) => showDuration(cell.getValue()),
    bottomCalcFormatter: (cell) => showDuration(cell.getValue()),
  }, extra || {}));
  const moneyColumn = (title, field) => numeric(title, field, {
    formatter: (cell) => moneyFormat.format(cell.getValue()),
    bottomCalcFormatter: (cell) => moneyFormat.format(cell.getValue() || 0),
  });

  function downloadLink(cell) {
    const row = cell.getRow().getData();
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

  // Issue 5: the invoice actions of a row (checkbox, View Invoice) come from /static/invoices.js.
  function actionCell(cell) {
    const wrap = document.createElement("span");
    wrap.className = "d-inline-flex gap-2 align-items-center";
    const invoicing = window.carrierdesk.invoices;
    if (invoicing) invoicing.action(cell.getRow().getData(), timeframe).forEach((el) => wrap.append(el));
    wrap.append(downloadLink(cell));
    return wrap;
  }

  const columns = [
    {
      title: "Call Time", field: "date", headerFilter: "input",
      headerFilterPlaceholder: "filter", bottomCalc: () => "Total", minWidth: 110,
    },
    {
      title: "Traffic", columns: [
        numeric("Attempts", "attempts"),
        numeric("Connected", "connected"),
        durationColumn("Duration", "duration"),
        durationColumn("Billed Duration", "billed_duration"),
      ],
    },
    {
      title: "Quality", columns: [
        numeric("ASR %", "asr"),
        durationColumn("ACD", "acd"),
        numeric("NER %", "ner", { visible: false }),
        numeric("PDD ms", "pdd_ms", { visible: false }),
      ],
    },
    {
      title: "Money", columns: [
        moneyColumn("Customer Charge", "charge"),
        moneyColumn("Cost", "cost"),
        moneyColumn("Profit", "profit"),
        numeric("Profit %", "profit_pct"),
      ],
    },
    {
      title: "Action", field: "action", formatter: actionCell, hozAlign: "center",
      headerSort: false, download: false, clipboard: false, width: 150,
    },
  ];

  // --- spreadsheet safety (CSV / formula injection, OWASP; docs/decisions.md) ---------------
  // A text cell starting with = + - @ TAB or CR would be a formula in Excel, LibreOffice or
  // Sheets: Copy, Export CSV and Export XLSX put a ' in front of it (as cdrs.csv does), unless
  // it is entirely a sign and digits (an E.164 number, a negative integer). Numbers stay
  // numbers: only strings are looked at.
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

  // --- copying: the selected ranges (or the whole grid), as tab-separated text -------------
  const copyable = (column) => column.isVisible() && column.getField() !== "action";
  function blocks() {
    const ranges = table.getRanges().filter((r) => r.getRows().length && r.getColumns().length);
    if (ranges.length) return ranges.map((r) => ({ rows: r.getRows(), columns: r.getColumns() }));
    return [{ rows: table.getRows("active"), columns: table.getColumns() }];
  }
  function cellText(row, column) {
    const value = row.getData()[column.getField()];
    if (value === null || value === undefined) return "";
    return typeof value === "string" ? tsvCell(spreadsheetSafe(value)) : String(value);
  }
  function clipboardText(headers) {
    const lines = [];
    blocks().forEach(({ rows, columns: cols }, i) => {
      const shown = cols.filter(copyable);
      if (i) lines.push("");
      if (headers === "groups") {
        lines.push(shown.map((c) => {
          const parent = c.getParentColumn();
          return parent ? parent.getDefinition().title : "";
        }).join("\t"));
      }
      if (headers !== "none") lines.push(shown.map((c) => c.getDefinition().title).join("\t"));
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
  const fileName = (ext) => `summary_${customerKey}_${timeframe}.${ext}`;
  const menu = [
    { label: '<i class="bi bi-clipboard"></i> Copy', action: () => copy("none") },
    { label: '<i class="bi bi-clipboard-plus"></i> Copy with Headers', action: () => copy("headers") },
    { label: '<i class="bi bi-clipboard-data"></i> Copy with Group Headers', action: () => copy("groups") },
    { separator: true },
    { label: '<i class="bi bi-filetype-csv"></i> Export CSV', action: () => table.download("csv", fileName("csv")) },
    {
      label: '<i class="bi bi-file-earmark-spreadsheet"></i> Export XLSX',
      action: () => table.download("xlsx", fileName("xlsx"), { sheetName: "Summary" }),
    },
  ];

  const table = new window.Tabulator(gridEl, {
    data: [],
    columns,
    layout: "fitDataFill",
    maxHeight: "560px",
    placeholder: "No calls in these periods.",
    selectableRange: true,
    selectableRangeColumns: true,
    selectableRangeRows: true,
    selectableRangeClearCells: false,
    columnDefaults: {
      headerSort: false, contextMenu: menu, resizable: true,
      // Export CSV / XLSX: the same rule as the clipboard (the XLSX cell is text, never a formula)
      accessorDownload: (value) => spreadsheetSafe(value),
    },
    rowHeader: {
      resizable: false, frozen: true, width: 32, hozAlign: "center", headerSort: false,
      formatter: "rownum", field: "_row", download: false, clipboard: false,
    },
    columnCalcs: "table",
    downloadConfig: { columnGroups: true, columnCalcs: false },
  });

  // --- the live "Sum / Average" of the selected numeric cells (an average of averages) -----
  function shownNumber(cell) {
    const field = cell.getField();
    const value = cell.getValue();
    if (field === "date" || field === "action" || field === "_row") return null;
    if (value === null || value === "" || Number.isNaN(Number(value))) return null;
    return DURATIONS.has(field) ? Number(value) / 60 : Number(value);
  }
  function updateReadout() {
    const values = [];
    table.getRanges().forEach((range) => {
      range.getStructuredCells().forEach((cells) => cells.forEach((cell) => {
        const n = shownNumber(cell);
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

  // --- loading a timeframe -----------------------------------------------------------------
  function rowsOf(items) {
    return items.map((item) => Object.assign({}, item, {
      date: periodLabel(item.period_start),
      charge: Number(item.charge),
      cost: Number(item.cost),
      profit: Number(item.profit),
      ner_calls: Math.round((item.ner * item.attempts) / 100),
    }));
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
      const title = table.getColumn("date").getElement().querySelector(".tabulator-col-title");
      if (title) title.textContent = timeframe === "24h" ? "Call Time" : "Date";
      await table.replaceData(rowsOf(body.items));
      table.recalc();
      refreshedEl.textContent = body.refreshed_at
        ? `refreshed at ${body.refreshed_at.replace("T", " ").slice(0, 19)} UTC`
        : "not refreshed yet";
      gridEl.dataset.timeframe = timeframe;
      gridEl.dataset.loaded = "true";
      updateReadout();
      panel.dispatchEvent(new CustomEvent("summary:loaded", { detail: { timeframe } }));
    } catch (error) {
      errorEl.textContent = `The summary could not be loaded: ${error.message}`;
      errorEl.classList.remove("d-none");
    }
  }

  function buildChooser() {
    chooserEl.textContent = "";
    table.getColumns().forEach((column) => {
      const field = column.getField();
      if (!field || field === "date" || field === "_row") return;
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
      });
      const label = document.createElement("label");
      label.className = "form-check-label text-nowrap";
      label.htmlFor = id;
      label.textContent = column.getDefinition().title;
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
      errorEl.textContent = `Refresh failed: ${error.message}`;
      errorEl.classList.remove("d-none");
    } finally {
      button.disabled = false;
    }
  });

  panel.addEventListener("summary:reload", () => load());
  table.on("tableBuilt", () => {
    buildChooser();
    load();
  });
})();
