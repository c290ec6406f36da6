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

  // Forms with data-confirm ask before submitting.
  document.addEventListener("submit", (event) => {
    const message = event.target.getAttribute("data-confirm");
    if (message && !window.confirm(message)) event.preventDefault();
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
