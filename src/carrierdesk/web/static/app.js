// carrierdesk Control Panel behaviour. No inline scripts anywhere: pages load this file.
(function () {
  "use strict";
  const csrf = () => document.querySelector('meta[name="csrf-token"]')?.content || "";

  // htmx requests carry the CSRF token of the session.
  document.addEventListener("htmx:configRequest", (event) => {
    event.detail.headers["X-CSRF-Token"] = csrf();
  });

  // fetch() helper for grids and buttons that call the JSON API with the session cookie.
  window.carrierdesk = {
    csrf,
    async api(method, path, body) {
      const response = await fetch("/api/v1" + path, {
        method,
        headers: { "Content-Type": "application/json", "X-CSRF-Token": csrf() },
        body: body === undefined ? undefined : JSON.stringify(body),
        credentials: "same-origin",
      });
      const text = await response.text();
      const data = text ? JSON.parse(text) : null;
      if (!response.ok) {
        const error = new Error((data && data.detail) || response.statusText);
        error.problem = data;
        error.status = response.status;
        throw error;
      }
      return data;
    },
  };

  // The app's own dialog (#app-dialog, templates/_dialog.html) instead of confirm()/prompt():
  // resolves to the text typed (prompt), true (confirm), or null when cancelled.
  function dialog({ title, message, ok, cancel, danger, input }) {
    const box = document.getElementById("app-dialog");
    const form = box.querySelector("form");
    const field = box.querySelector("[data-dialog-field]");
    const entry = box.querySelector("#app-dialog-input");
    const okButton = box.querySelector("[data-dialog-ok]");
    box.querySelector("[data-dialog-title]").textContent = title || "Please confirm";
    box.querySelector("[data-dialog-message]").textContent = message || "";
    okButton.textContent = ok || "OK";
    box.querySelector("[data-dialog-cancel]").textContent = cancel || "Cancel";
    okButton.className = `btn ${danger ? "btn-danger" : "btn-primary"}`;
    field.hidden = !input;
    entry.value = "";
    entry.classList.remove("is-invalid");
    if (input) {
      box.querySelector("[data-dialog-label]").textContent = input.label || "";
      entry.maxLength = input.maxLength || 500;
    }
    const modal = bootstrap.Modal.getOrCreateInstance(box);
    return new Promise((resolve) => {
      let answer = null;
      function submitted(event) {
        event.preventDefault();
        const value = entry.value.trim();
        if (input && input.required && !value) {
          box.querySelector("[data-dialog-error]").textContent = "Please fill this in.";
          entry.classList.add("is-invalid");
          entry.focus();
          return;
        }
        answer = input ? value : true;
        modal.hide();
      }
      function shown() {
        (input ? entry : okButton).focus();
      }
      function hidden() {
        form.removeEventListener("submit", submitted);
        box.removeEventListener("shown.bs.modal", shown);
        box.removeEventListener("hidden.bs.modal", hidden);
        resolve(answer);
      }
      form.addEventListener("submit", submitted);
      box.addEventListener("shown.bs.modal", shown);
      box.addEventListener("hidden.bs.modal", hidden);
      modal.show();
    });
  }
  window.carrierdesk.confirm = async (message, options) =>
    (await dialog({ ...options, message })) === true;
  window.carrierdesk.prompt = (message, options) =>
    dialog({ ...options, message, input: { required: true, ...(options && options.input) } });

  // Forms with data-confirm ask in the app's dialog before submitting (data-confirm-ok names
  // the button); the submit is repeated once it is confirmed.
  document.addEventListener("submit", (event) => {
    const form = event.target;
    const message = form.getAttribute("data-confirm");
    if (!message) return;
    if (form.dataset.confirmed === "yes") {
      delete form.dataset.confirmed;
      return;
    }
    event.preventDefault();
    const submitter = event.submitter;
    const ok = form.getAttribute("data-confirm-ok") || (submitter && submitter.textContent.trim());
    const cancel = form.getAttribute("data-confirm-cancel");
    window.carrierdesk.confirm(message, { ok, cancel, danger: true }).then((yes) => {
      if (!yes) return;
      form.dataset.confirmed = "yes";
      form.requestSubmit(submitter || undefined);
    });
  });

  // A dialog holding a form that came back with errors opens as the page loads.
  document.addEventListener("DOMContentLoaded", () => {
    document.querySelectorAll(".modal[data-open-on-load]").forEach((box) => {
      bootstrap.Modal.getOrCreateInstance(box).show();
    });
  });

  // A checkbox with data-hides="#id" hides that element while checked; its inputs are disabled
  // then, so a hidden password is never submitted (Auto Generate & Email Password).
  function syncHides(box) {
    const target = document.querySelector(box.getAttribute("data-hides"));
    if (!target) return;
    target.hidden = box.checked;
    target.querySelectorAll("input, textarea, select").forEach((el) => {
      el.disabled = box.checked;
    });
  }
  function initHides(root) {
    root.querySelectorAll("input[data-hides]").forEach(syncHides);
  }
  document.addEventListener("change", (event) => {
    const el = event.target;
    if (el.matches && el.matches("input[data-hides]")) syncHides(el);
    if (el.matches && el.matches("input[data-check-all]")) {
      const name = el.getAttribute("data-check-all");
      const scope = el.closest("table") || document;
      scope.querySelectorAll(`input[type=checkbox][name="${name}"]`).forEach((box) => {
        box.checked = el.checked;
      });
    }
    // Delay and Save: picking a date and time selects the "at" choice.
    if (el.id === "f-delay_at" && el.value) {
      const choice = document.getElementById("f-delay");
      if (choice) choice.value = "at";
    }
  });
  document.addEventListener("DOMContentLoaded", () => initHides(document));
  document.addEventListener("htmx:afterSwap", (event) => initHides(event.target));
})();
