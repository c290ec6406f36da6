// Customer › Auth (SIP users, IP authentication) and › Conferences: grids and forms driven by
// the JSON API, so every rule is the service's own. Needs numbering.js (window.cdNumbering).
(function () {
  "use strict";
  const { call, show, el } = window.cdNumbering;
  const yesNo = (v) => (v ? "yes" : "no");
  const orDash = (v) => (v === null || v === undefined || v === "" ? "—" : String(v));

  const RESOURCES = {
    "sip-users": {
      list: (c) => `/customers/${c}/sip-users`,
      item: (id) => `/sip-users/${id}`,
      name: (r) => `SIP user ${r.username}`,
      freeField: "username",
      createOnly: ["username", "password"],
      columns: [
        (r) => r.username,
        (r) => orDash(r.channels),
        (r) => orDash(r.cps),
        (r) => r.protocol.toUpperCase(),
        (r) => (r.ip_whitelist.length ? r.ip_whitelist.join(", ") : "any"),
        (r) => (r.enabled ? "Enabled" : "Disabled"),
      ],
      actions: [
        { label: (r) => (r.enabled ? "Disable" : "Enable"), icon: "bi-toggle-on",
          run: (r) => ["PATCH", `/sip-users/${r.id}`, { enabled: !r.enabled }] },
        { label: () => "Reset Password", icon: "bi-key", confirm: (r) => `Generate a new password for ${r.username}? The old one stops working.`,
          run: (r) => ["POST", `/sip-users/${r.id}/password`, {}] },
      ],
      saved: (r) => (r.password
        ? `SIP user ${r.username} saved. Its password, shown this once: ${r.password}`
        : `SIP user ${r.username} saved.`),
    },
    "ip-auth": {
      list: (c) => `/customers/${c}/ip-auth`,
      item: (id) => `/ip-auth/${id}`,
      name: (r) => `IP authentication ${r.ip}`,
      createOnly: [],
      columns: [
        (r) => r.ip,
        (r) => [r.receives_calls ? "receives" : "", r.sends_calls ? "sends" : ""].filter(Boolean).join(" + "),
        (r) => orDash(r.channels),
        (r) => orDash(r.cps),
        (r) => r.protocol.toUpperCase(),
        (r) => String(r.port),
        (r) => orDash(r.tech_prefix),
      ],
      actions: [],
      saved: (r) => `IP authentication ${r.ip} saved.`,
    },
    conferences: {
      list: (c) => `/customers/${c}/conferences`,
      item: (id) => `/conferences/${id}`,
      name: (r) => `conference room ${r.name}`,
      freeField: "extension",
      createOnly: [],
      columns: [
        (r) => r.name,
        (r) => r.extension,
        (r) => orDash(r.pin),
        (r) => orDash(r.moderator_pin),
        (r) => ({ narrow: "Narrow band", wide: "Wide band", ultra_wide: "Ultra-wide band" })[r.quality],
        (r) => (r.max_members ? String(r.max_members) : "unlimited"),
      ],
      actions: [],
      saved: (r) => `Conference room ${r.name} (${r.extension}) saved.`,
    },
  };

  function readForm(form, mode, spec) {
    const body = {};
    form.querySelectorAll("input[name], select[name]").forEach((input) => {
      if (mode === "edit" && spec.createOnly.includes(input.name)) return;
      const kind = input.dataset.kind;
      const raw = input.type === "password" ? input.value : input.value.trim();
      if (kind === "bool") body[input.name] = input.checked;
      else if (kind === "int") body[input.name] = raw === "" ? null : (/^-?\d+$/.test(raw) ? Number(raw) : raw);
      else if (kind === "list") body[input.name] = raw.split(/[\s,;]+/).filter(Boolean);
      else if (input.name === "password" && raw === "") return;
      else body[input.name] = raw;
    });
    return body;
  }

  function fillForm(form, row) {
    form.querySelectorAll("input[name], select[name]").forEach((input) => {
      const value = row ? row[input.name] : undefined;
      if (input.dataset.kind === "bool") input.checked = row ? Boolean(value) : input.defaultChecked;
      else if (input.dataset.kind === "list") input.value = row ? (value || []).join(", ") : "";
      else if (input.tagName === "SELECT") input.value = row ? value : input.options[0].value;
      else input.value = row ? (value === null || value === undefined ? "" : String(value)) : input.defaultValue;
    });
  }

  function markErrors(form, problem) {
    form.querySelectorAll(".is-invalid").forEach((i) => i.classList.remove("is-invalid"));
    form.querySelectorAll("[data-error-for]").forEach((box) => { box.textContent = ""; });
    ((problem && problem.errors) || []).forEach((error) => {
      const name = error.field.split(".")[0];
      const input = form.querySelector(`[name="${name}"]`);
      const box = form.querySelector(`[data-error-for="${name}"]`);
      if (input) input.classList.add("is-invalid");
      if (box) box.textContent = box.textContent ? `${box.textContent}; ${error.message}` : error.message;
    });
  }

  function initSection(section) {
    const spec = RESOURCES[section.dataset.resource];
    const customerId = section.dataset.customerId;
    const canEdit = section.dataset.canEdit === "yes";
    const form = section.querySelector("[data-form]");
    const message = section.querySelector("[data-message]");
    const body = section.querySelector("[data-grid] tbody");
    let rows = [];
    let editing = null;

    async function loadFree() {
      const picker = form && form.querySelector("[data-free-extensions]");
      if (!picker) return;
      const free = (await call("GET", `/customers/${customerId}/extensions/free?limit=200`)).items;
      const options = free.map((n) => el("option", { value: n }, n));
      picker.replaceChildren(el("option", { value: "" }, free.length ? "Free…" : "none free"), ...options);
      const list = form.querySelector("[data-free-list]");
      if (list) list.replaceChildren(...free.map((n) => el("option", { value: n })));
    }

    function render() {
      section.querySelector("[data-count]").textContent = String(rows.length);
      const width = spec.columns.length + 1;
      if (!rows.length) {
        const tr = el("tr");
        tr.append(el("td", { colspan: String(width), class: "text-center text-body-secondary py-3" }, "None yet."));
        body.replaceChildren(tr);
        return;
      }
      body.replaceChildren(...rows.map((row) => {
        const tr = el("tr", { "data-id": String(row.id) });
        spec.columns.forEach((column) => tr.append(el("td", {}, column(row))));
        const cell = el("td", { class: "text-end text-nowrap" });
        if (canEdit) {
          const buttons = [{ label: () => "Edit", icon: "bi-pencil", edit: true }, ...spec.actions,
            { label: () => "Delete", icon: "bi-trash", remove: true }];
          buttons.forEach((action, i) => {
            const button = el("button", {
              type: "button", class: `btn btn-sm ${action.remove ? "btn-outline-danger" : "btn-light border"} ms-1`,
              "data-row-action": String(i), title: action.label(row), "aria-label": `${action.label(row)} ${spec.name(row)}`,
            });
            button.append(el("i", { class: `bi ${action.icon}` }));
            button.addEventListener("click", () => act(action, row));
            cell.append(button);
          });
        }
        tr.append(cell);
        return tr;
      }));
    }

    async function load() {
      try {
        rows = (await call("GET", spec.list(customerId) + "?limit=500")).items;
        render();
      } catch (error) {
        show(message, "danger", error.message);
      }
    }

    function openForm(row) {
      editing = row;
      fillForm(form, row);
      markErrors(form, null);
      form.querySelector("[data-form-title]").textContent = row ? `Edit ${spec.name(row)}` : "New";
      form.querySelectorAll("[data-only=create]").forEach((n) => { n.hidden = Boolean(row); });
      form.querySelectorAll("[data-fixed]").forEach((n) => { n.disabled = Boolean(row); });
      form.querySelectorAll("[data-free-extensions]").forEach((n) => { n.disabled = Boolean(row) && n.closest(".input-group").querySelector("[data-fixed]") !== null; });
      form.hidden = false;
      loadFree().catch(() => {});
      const first = form.querySelector("input:not([disabled])");
      if (first) first.focus();
    }

    async function act(action, row) {
      if (action.edit) return openForm(row);
      const text = action.remove ? `Delete ${spec.name(row)}?` : action.confirm && action.confirm(row);
      if (text && !(await window.carrierdesk.confirm(text, { ok: action.remove ? "Delete" : "OK", danger: Boolean(action.remove) }))) return;
      try {
        if (action.remove) {
          await call("DELETE", spec.item(row.id));
          show(message, "success", `Deleted ${spec.name(row)}.`);
        } else {
          const [method, path, payload] = action.run(row);
          show(message, "success", spec.saved(await call(method, path, payload)));
        }
      } catch (error) {
        show(message, "danger", error.message);
      }
      await load();
    }

    if (form) {
      form.addEventListener("change", (event) => {
        if (event.target.matches("[data-free-extensions]") && event.target.value) {
          form.querySelector(`[name="${spec.freeField}"]`).value = event.target.value;
        }
      });
      form.addEventListener("submit", async (event) => {
        event.preventDefault();
        const mode = editing ? "edit" : "create";
        const payload = readForm(form, mode, spec);
        try {
          const saved = editing
            ? await call("PATCH", spec.item(editing.id), payload)
            : await call("POST", spec.list(customerId), payload);
          const warnings = saved.warnings || [];
          show(message, warnings.length ? "warning" : "success",
            [spec.saved(saved), ...warnings].join(" "));
          form.hidden = true;
          editing = null;
          await load();
        } catch (error) {
          markErrors(form, error.problem);
          const fields = (error.problem && error.problem.errors) || [];
          show(message, "danger", fields.length ? `${error.message}` : error.message);
        }
      });
    }

    section.addEventListener("click", (event) => {
      const button = event.target.closest("[data-act]");
      if (!button) return;
      if (button.dataset.act === "new") openForm(null);
      if (button.dataset.act === "cancel") { form.hidden = true; editing = null; }
      if (button.dataset.act === "refresh") { message.hidden = true; load(); }
    });
    load();
  }

  function start() {
    document.querySelectorAll("section[data-resource]").forEach(initSection);
  }
  if (document.readyState === "loading") document.addEventListener("DOMContentLoaded", start);
  else start();
})();
