// Customer Portal behaviour. No inline scripts anywhere: portal pages load this file.
(function () {
  "use strict";

  const LABELS = { "24h": "Call Time", daily: "Date", monthly: "Month" };

  function period(value, timeframe) {
    const iso = String(value);
    if (timeframe === "24h") return iso.slice(0, 10) + " " + iso.slice(11, 16);
    if (timeframe === "monthly") return iso.slice(0, 7);
    return iso.slice(0, 10);
  }

  function clock(seconds) {
    const s = Number(seconds) || 0;
    const h = Math.floor(s / 3600);
    const m = Math.floor((s % 3600) / 60);
    return `${h}:${String(m).padStart(2, "0")}:${String(s % 60).padStart(2, "0")}`;
  }

  // Money arrives as an exact decimal string: shown without float rounding, trailing zeros
  // trimmed down to two decimals.
  function money(value) {
    const [whole, fraction = ""] = String(value).split(".");
    return whole + "." + fraction.replace(/0+$/, "").padEnd(2, "0");
  }

  // The CDR report of a Daily or Monthly row: the period's first day names it.
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

  function columns(timeframe, currency) {
    const number = { hozAlign: "right", headerHozAlign: "right" };
    const reports = timeframe === "daily" || timeframe === "monthly"
      ? [{ title: "CDRs", hozAlign: "center", formatter: (c) => reportLink(c.getRow(), timeframe) }]
      : [];
    return [
      { title: LABELS[timeframe] || "Period", field: "period_start", formatter: (c) => period(c.getValue(), timeframe) },
      { title: "Attempts", field: "attempts", ...number },
      { title: "Connected", field: "connected", ...number },
      { title: "ASR %", field: "asr", ...number },
      { title: "ACD (s)", field: "acd", ...number },
      { title: "NER %", field: "ner", ...number },
      { title: "PDD (ms)", field: "pdd_ms", ...number },
      { title: "Duration", field: "duration", formatter: (c) => clock(c.getValue()), ...number },
      { title: "Billed Duration", field: "billed_duration", formatter: (c) => clock(c.getValue()), ...number },
      { title: `Charge (${currency})`, field: "charge", formatter: (c) => money(c.getValue()), ...number },
      ...reports,
    ];
  }

  function summaryGrid(element) {
    const status = document.getElementById("summary-status");
    const buttons = document.querySelectorAll(".summary-timeframe");
    let table = null;

    async function load(timeframe) {
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
        status.textContent = `The summary could not be loaded: ${error.message}`;
        return;
      }
      const rows = data.totals.attempts ? data.items : [];
      if (table) table.destroy();
      table = new Tabulator(element, {
        data: rows,
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
        ? `Totals: ${t.attempts} attempts, ${t.connected} connected, charge ${money(t.charge)} ${data.currency}.` +
          (data.refreshed_at ? ` Updated ${data.refreshed_at.slice(0, 16).replace("T", " ")} UTC.` : "")
        : "No data yet.";
    }

    buttons.forEach((button) => button.addEventListener("click", () => load(button.dataset.timeframe)));
    load(element.dataset.timeframe || "daily");
  }

  const grid = document.getElementById("summary-grid");
  if (grid && typeof window.Tabulator !== "undefined") summaryGrid(grid);
})();
