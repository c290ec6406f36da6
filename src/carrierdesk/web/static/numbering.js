// Numbering in the Control Panel: the API helper shared with sipauth.js, and the Internal
// Number Block grid of Customer › Main. Loaded by <script src>; no inline scripts.
(function () {
  "use strict";
  if (window.cdNumbering) return;

  // Calls the JSON API with the session cookie; when Settings › Options requires an audit
  // comment, asks for the reason and sends it again with X-Audit-Comment.
  async function call(method, path, body, comment) {
    const headers = { "Content-Type": "application/json", "X-CSRF-Token": window.carrierdesk.csrf() };
    if (comment) headers["X-Audit-Comment"] = comment;
    const response = await fetch("/api/v1" + path, {
      method,
      headers,
      body: body === undefined ? undefined : JSON.stringify(body),
      credentials: "same-origin",
    });
    const text = await response.text();
    const data = text ? JSON.parse(text) : null;
    if (!response.ok) {
      const errors = (data && data.errors) || [];
      if (response.status === 422 && !comment && errors.some((e) => e.field === "audit_comment")) {
        const reason = await window.carrierdesk.prompt("Settings › Options ask for a reason with every change.", {
          title: "Reason for this change",
          ok: "Save",
          input: { label: "Reason (stored with the audit log entry)" },
        });
        if (reason) return call(method, path, body, reason);
      }
      const error = new Error((data && data.detail) || response.statusText);
      error.problem = data;
      error.status = response.status;
      throw error;
    }
    return data;
  }

  // Shows a message in an alert element: text only (never HTML), plus an optional link.
  function show(box, level, text, link) {
    box.className = `alert alert-${level} mb-0 rounded-0 py-2 small`;
    box.replaceChildren(document.createTextNode(text));
    if (link) {
      const a = document.createElement("a");
      a.href = link.href;
      a.textContent = link.text;
      a.className = "alert-link ms-1";
      box.append(a);
    }
    box.hidden = false;
  }

  function el(tag, attrs, text) {
    const node = document.createElement(tag);
    Object.entries(attrs || {}).forEach(([k, v]) => node.setAttribute(k, v));
    if (text !== undefined) node.textContent = text;
    return node;
  }

  function initBlocksPanel(panel) {
    const customerId = panel.dataset.customerId;
    const canEdit = panel.dataset.canEdit === "yes";
    const body = panel.querySelector("[data-blocks-grid] tbody");
    const message = panel.querySelector("[data-blocks-message]");
    const count = panel.querySelector("[data-blocks-count]");
    let blocks = [];
    const sort = { key: "start", dir: 1 };

    function render() {
      const rows = [...blocks].sort((a, b) => (a[sort.key] - b[sort.key]) * sort.dir);
      count.textContent = String(blocks.length);
      if (!rows.length) {
        const empty = el("tr");
        empty.append(el("td", { colspan: "3", class: "text-center text-body-secondary py-3" },
          "No number block assigned."));
        body.replaceChildren(empty);
        return;
      }
      body.replaceChildren(...rows.map((block) => {
        const tr = el("tr", { "data-block-id": String(block.id) });
        const check = el("td", { class: "col-check" });
        if (canEdit) {
          check.append(el("input", {
            class: "form-check-input", type: "checkbox", name: "block-ids",
            value: String(block.id), "aria-label": `Select block ${block.start}–${block.end}`,
          }));
        }
        tr.append(check, el("td", { class: "mono" }, String(block.start)),
          el("td", { class: "mono" }, String(block.end)));
        return tr;
      }));
      panel.querySelectorAll("[data-blocks-sort]").forEach((button) => {
        const icon = button.querySelector("[data-sort-icon]");
        const active = button.dataset.blocksSort === sort.key;
        icon.className = "bi " + (active ? (sort.dir > 0 ? "bi-sort-numeric-down" : "bi-sort-numeric-up") : "");
      });
    }

    async function load() {
      try {
        blocks = (await call("GET", `/customers/${customerId}/number-blocks`)).items;
        render();
      } catch (error) {
        show(message, "danger", error.message);
      }
    }

    async function add() {
      try {
        const block = await call("POST", `/customers/${customerId}/number-blocks`);
        show(message, "success", `Block ${block.start}–${block.end} assigned.`);
      } catch (error) {
        const url = error.problem && error.problem.settings_url;
        show(message, "warning", error.message, url ? { href: url, text: "Open Settings › Options" } : null);
      }
      await load();
    }

    async function remove() {
      const ids = [...panel.querySelectorAll('input[name="block-ids"]:checked')].map((b) => b.value);
      if (!ids.length) {
        show(message, "info", "Tick the blocks to remove first.");
        return;
      }
      const sure = await window.carrierdesk.confirm(
        `Remove ${ids.length} number block(s)?`,
        { title: "Remove number blocks", ok: "Remove", danger: true },
      );
      if (!sure) return;
      const problems = [];
      for (const id of ids) {
        try {
          await call("DELETE", `/number-blocks/${id}`);
        } catch (error) {
          problems.push(error.message);
        }
      }
      if (problems.length) show(message, "danger", problems.join(" "));
      else show(message, "success", `${ids.length} block(s) removed.`);
      await load();
    }

    panel.addEventListener("click", (event) => {
      const action = event.target.closest("[data-blocks-action]");
      const sorter = event.target.closest("[data-blocks-sort]");
      if (action && action.dataset.blocksAction === "add") add();
      if (action && action.dataset.blocksAction === "refresh") { message.hidden = true; load(); }
      if (action && action.dataset.blocksAction === "delete") remove();
      if (sorter) {
        const key = sorter.dataset.blocksSort;
        sort.dir = sort.key === key ? -sort.dir : 1;
        sort.key = key;
        render();
      }
    });
    load();
  }

  window.cdNumbering = { call, show, el };
  function start() {
    document.querySelectorAll("[data-blocks-panel]").forEach(initBlocksPanel);
  }
  if (document.readyState === "loading") document.addEventListener("DOMContentLoaded", start);
  else start();
})();
