// Invoices on the Summary panel (issue 5): the Action column's checkbox on the rows Generate
// Invoice can invoice (the server's `invoiceable`: a past day, week or month with charges and
// no invoice) and View Invoice on invoiced ones (with a marker when the summary's figures
// changed after the invoice was issued), Generate Invoice (one invoice per ticked row) and Auto
// Generate Invoice, whose outcome is told in words at the top of the panel (issue 14).
// summary.js calls window.carrierdesk.invoices.action() for each row, fires "summary:loaded"
// after each load and reloads on "summary:reload".
(function () {
  "use strict";
  const panel = document.getElementById("summary-panel");
  if (!panel || !window.carrierdesk) return;

  const customerId = panel.dataset.customerId;
  const currency = panel.dataset.currency || "USD";
  // the one money format (format.js); plain decimals if it is missing
  const money = (value) => (window.carrierdeskFormat
    ? window.carrierdeskFormat.moneyWithCode(value, currency)
    : `${value} ${currency}`);
  const canInvoice = panel.dataset.canInvoice === "true";
  const generateButton = document.getElementById("invoice-generate");
  const autoButton = document.getElementById("invoice-auto-generate");
  const resultEl = document.getElementById("invoice-result");
  const ticked = new Set();
  let timeframe = "24h";

  function updateButton() {
    if (!generateButton) return;
    generateButton.disabled = timeframe === "24h" || ticked.size === 0;
    generateButton.dataset.ticked = String(ticked.size);
  }

  function viewLink(row) {
    const link = document.createElement("a");
    link.href = `/invoices/${row.invoice_id}`;
    link.className = "summary-view-invoice small text-nowrap";
    link.dataset.invoiceId = String(row.invoice_id);
    link.textContent = "View Invoice";
    if (row.invoice) link.title = `Invoice ${row.invoice.number}`;
    return link;
  }

  function changedMarker(row) {
    const mark = document.createElement("span");
    mark.className = "text-warning summary-invoice-changed";
    const invoiced = money(row.invoice.invoiced_charge);
    const now = money(row.charge);
    mark.innerHTML = '<i class="bi bi-exclamation-triangle-fill" aria-hidden="true"></i>' +
      '<span class="visually-hidden">changed</span>';
    mark.title = `Changed: the summary's charge is now ${now}; invoice ${row.invoice.number} ` +
      `was built from ${invoiced}. Void the invoice and generate it again to bill the new figures.`;
    mark.dataset.summaryCharge = String(row.charge);
    mark.dataset.invoicedCharge = row.invoice.invoiced_charge;
    return mark;
  }

  function tickBox(row) {
    const key = row.period_start.slice(0, 10);
    const box = document.createElement("input");
    box.type = "checkbox";
    box.className = "form-check-input m-0 summary-invoice-tick";
    box.dataset.periodStart = key;
    box.setAttribute("aria-label", `Invoice ${key}`);
    box.checked = ticked.has(key);
    // Keep the click on the box (the grid selects cell ranges on mouse down).
    box.addEventListener("mousedown", (event) => event.stopPropagation());
    box.addEventListener("change", () => {
      if (box.checked) ticked.add(key); else ticked.delete(key);
      updateButton();
    });
    return box;
  }

  function action(row, shownTimeframe) {
    if (shownTimeframe === "24h") return [];
    if (row.invoice_id) {
      const items = [viewLink(row)];
      if (row.invoice && row.invoice.summary_differs) items.push(changedMarker(row));
      return items;
    }
    return canInvoice && row.invoiceable ? [tickBox(row)] : [];
  }

  // Why the server refused, in its words: the messages of the fields (a 422 names the field
  // "period_starts.0" for machines; a person needs only what is wrong), else the detail.
  function reason(error) {
    const problem = error.problem;
    const errors = problem && problem.status === 422 && Array.isArray(problem.errors)
      ? problem.errors.map((e) => e.message).filter(Boolean)
      : [];
    return errors.length ? errors.join("; ") : error.message;
  }
  const sentence = (text) => {
    const s = String(text).trim();
    return s && !/[.!?]$/.test(s) ? s + "." : s;
  };
  // "2026-11-23 – 2026-11-29" (a week), "2026-11-29" (a day): the server's Period.label
  function periodLabel(start, end) {
    const first = start.slice(0, 10);
    const last = new Date(new Date(end).getTime() - 86400000).toISOString().slice(0, 10);
    return first === last ? first : `${first} – ${last}`;
  }

  function report(created, refused) {
    const lines = [];
    lines.push(created.length ? `Created ${created.join(", ")}.` : "No invoice created.");
    refused.forEach((why) => lines.push(`Not invoiced: ${sentence(why)}`));
    resultEl.querySelectorAll("[data-invoice-line]").forEach((el) => el.remove());
    const close = resultEl.querySelector(".btn-close");
    lines.forEach((text) => {
      const line = document.createElement("div");
      line.dataset.invoiceLine = "";
      line.textContent = text;
      resultEl.insertBefore(line, close);
    });
    resultEl.classList.remove("d-none", "alert-success", "alert-warning");
    resultEl.classList.add(refused.length ? "alert-warning" : "alert-success");
    resultEl.dataset.created = String(created.length);
    resultEl.dataset.refused = String(refused.length);
  }

  async function generate() {
    const starts = [...ticked].sort();
    const created = [];
    const refused = [];
    generateButton.disabled = true;
    for (const start of starts) {
      try {
        const body = await window.carrierdesk.api("POST", `/customers/${customerId}/invoices`,
          { timeframe, period_starts: [start] });
        body.items.forEach((invoice) => created.push(invoice.number));
      } catch (error) {
        refused.push(reason(error));
      }
    }
    ticked.clear();
    report(created, refused);
    panel.dispatchEvent(new CustomEvent("summary:reload"));
  }

  async function autoGenerate() {
    autoButton.disabled = true;
    try {
      const body = await window.carrierdesk.api(
        "POST", `/customers/${customerId}/invoices/auto-generate`);
      report(body.items.map((invoice) => invoice.number),
        body.refused.map((r) => `${periodLabel(r.period_start, r.period_end)}: ${r.reason}`));
      panel.dispatchEvent(new CustomEvent("summary:reload"));
    } catch (error) {
      report([], [reason(error)]);
    } finally {
      autoButton.disabled = false;
    }
  }

  panel.addEventListener("summary:loaded", (event) => {
    if (event.detail.timeframe !== timeframe) ticked.clear();
    timeframe = event.detail.timeframe;
    updateButton();
  });
  resultEl.querySelector(".btn-close")?.addEventListener("click", () => {
    resultEl.classList.add("d-none");
  });
  if (generateButton) generateButton.addEventListener("click", generate);
  if (autoButton) autoButton.addEventListener("click", autoGenerate);

  window.carrierdesk.invoices = { action };
})();
