// Invoices on the Summary panel (issue 5): the Action column's checkbox on uninvoiced daily,
// weekly and monthly rows and View Invoice on invoiced ones (with a marker when the summary's
// figures changed after the invoice was issued), Generate Invoice (one invoice per ticked row)
// and Auto Generate Invoice. summary.js calls window.carrierdesk.invoices.action() for each row,
// fires "summary:loaded" after each load and reloads on "summary:reload".
(function () {
  "use strict";
  const panel = document.getElementById("summary-panel");
  if (!panel || !window.carrierdesk) return;

  const customerId = panel.dataset.customerId;
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
    mark.className = "badge text-bg-warning summary-invoice-changed";
    const invoiced = Number(row.invoice.invoiced_charge).toFixed(2);
    const now = Number(row.charge).toFixed(2);
    mark.textContent = "changed";
    mark.title = `Summary charge now ${now}; invoice ${row.invoice.number} was built from ${invoiced}. ` +
      "Void the invoice and generate it again to bill the new figures.";
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
    if (new Date(row.period_end) > new Date()) {
      box.disabled = true;
      box.title = "This period has not ended yet";
    }
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
    return canInvoice ? [tickBox(row)] : [];
  }

  function report(created, refused) {
    const lines = [];
    lines.push(created.length ? `Created ${created.join(", ")}.` : "No invoice created.");
    refused.forEach((reason) => lines.push(`Not invoiced: ${reason}`));
    resultEl.textContent = "";
    lines.forEach((text) => {
      const line = document.createElement("div");
      line.textContent = text;
      resultEl.append(line);
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
        refused.push(`${start}: ${error.message}`);
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
        body.refused.map((r) => `${r.period_start.slice(0, 10)}: ${r.reason}`));
      panel.dispatchEvent(new CustomEvent("summary:reload"));
    } catch (error) {
      report([], [error.message]);
    } finally {
      autoButton.disabled = false;
    }
  }

  panel.addEventListener("summary:loaded", (event) => {
    if (event.detail.timeframe !== timeframe) ticked.clear();
    timeframe = event.detail.timeframe;
    updateButton();
  });
  if (generateButton) generateButton.addEventListener("click", generate);
  if (autoButton) autoButton.addEventListener("click", autoGenerate);

  window.carrierdesk.invoices = { action };
})();
