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
})();
