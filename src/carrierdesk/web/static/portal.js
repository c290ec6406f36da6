// Customer Portal behaviour. No inline scripts anywhere: portal pages load this file.
(function () {
  "use strict";

  const LABELS = { "24h": "Call Time", daily: "Date", weekly: "Week of", monthly: "Month" };
  const REPORTED = ["daily", "weekly", "monthly"]; // a CDR report per row

  function period(value, timeframe) {
    const iso = String(value);
    if (timeframe === "24h") return iso.slice(0, 10) + " " + iso.slice(11, 16);
    if (timeframe === "monthly") return iso.slice(0, 7);
    return iso.slice(0, 10);
  }

  // The CDR report of a Daily, Weekly or Monthly row: the period's first day names it.
  function reportLink(row, timeframe) {
    const start = String(row.getData().period_start).slice(0, 10);
    const link = document.createElement("a");
    link.href = `/portal/cdrs.csv?timeframe=${encodeURIComponent(timeframe)}&period_start=${encodeURIComponent(start)}`;
    link.className = "cdr-report-download";
    link.title = "Download the CDR report (CSV)";
    link.setAttribute("aria-label", `Download the CDR report of ${period(start, timeframe)}`);
    link.setAttribute("download", "");
    const icon = document.createElement("i");
    icon.className = "bi bi-download";
    link.appendChild(icon);
    return link;
  }

  // The figures a customer sees, shown and headed as in the Control Panel's Summary
  // (format.js): durations in minutes, ACD in seconds, money in the currency's minor units.
  const FIGURES = [
    "attempts", "connected", "duration", "billed_duration", "asr", "acd", "ner", "pdd_ms", "charge",
  ];
  function columns(timeframe, currency) {
    const F = window.carrierdeskFormat;
    const view = { currency };
    const figure = (field) => ({
      title: F.summaryTitle(field, view), field, hozAlign: "right", headerHozAlign: "right",
      formatter: (c) => F.summaryText(field, c.getRow().getData(), view),
    });
    const reports = REPORTED.includes(timeframe)
      ? [{ title: "CDRs", hozAlign: "center", headerHozAlign: "center", formatter: (c) => reportLink(c.getRow(), timeframe) }]
      : [];
    return [
      { title: LABELS[timeframe] || "Period", field: "period_start", formatter: (c) => period(c.getValue(), timeframe) },
      ...FIGURES.map(figure),
      ...reports,
    ];
  }

  function summaryGrid(element) {
    const status = document.getElementById("summary-status");
    const buttons = document.querySelectorAll(".summary-timeframe");
    let table = null;
    let latest = 0; // the last tab asked for wins, whichever answer comes back first

    async function load(timeframe) {
      const asked = ++latest;
      status.textContent = "Loading…";
      buttons.forEach((b) => b.classList.toggle("active", b.dataset.timeframe === timeframe));
      element.dataset.timeframe = timeframe;
      let data;
      try {
        const url = `${element.dataset.url}?timeframe=${encodeURIComponent(timeframe)}`;
        const response = await fetch(url, { credentials: "same-origin", headers: { Accept: "application/json" } });
        if (response.redirected && new URL(response.url).pathname === "/portal/login") {
          window.location.assign(response.url); // the session ended: log in again
          return;
        }
        data = await response.json();
        if (!response.ok) throw new Error(data.detail || response.statusText);
      } catch (error) {
        if (asked === latest) status.textContent = `The summary could not be loaded: ${error.message}`;
        return;
      }
      if (asked !== latest) return; // another tab was clicked meanwhile
      const rows = data.totals.attempts ? data.items : [];
      if (table) table.destroy();
      table = new Tabulator(element, {
        data: rows.map(window.carrierdeskFormat.summaryRow),
        columns: columns(timeframe, data.currency),
        layout: "fitDataStretch",
        columnDefaults: { headerSort: false }, // read-only, newest period first
        maxHeight: "420px",
        placeholder: "No data yet: no calls in this period.",
        selectableRows: false,
      });
      element.dataset.loaded = timeframe;
      const t = data.totals;
      status.textContent = t.attempts
        ? `Totals: ${t.attempts} attempts, ${t.connected} connected, charge ${window.carrierdeskFormat.moneyWithCode(t.charge, data.currency)}.` +
          (data.refreshed_at ? ` Updated ${data.refreshed_at.slice(0, 16).replace("T", " ")} UTC.` : "")
        : "No data yet.";
    }

    buttons.forEach((button) => button.addEventListener("click", () => load(button.dataset.timeframe)));
    load(element.dataset.timeframe || "daily");
  }

  const grid = document.getElementById("summary-grid");
  if (grid && window.Tabulator && window.carrierdeskFormat) summaryGrid(grid);
})();
