/* QuantumVest: the little JavaScript every page shares.
 *
 * QV.onLoad(fn) runs fn(element) once for the document when the page loads and again for every
 * fragment htmx swaps in. Page scripts (static/js/*.js, loaded by a template's scripts block)
 * hook their behaviour there instead of inline scripts, which the CSP forbids.
 */
(function () {
  "use strict";

  const QV = (window.QV = window.QV || {});

  QV.onLoad = function (fn) {
    window.htmx.onLoad(fn);
  };

  // Dismiss a message.
  document.addEventListener("click", function (event) {
    const button = event.target.closest("[data-dismiss]");
    if (button) {
      const alert = button.closest(".alert");
      if (alert) alert.remove();
    }
  });

  // Close the account menu when clicking elsewhere or pressing Escape.
  function closeMenus(except) {
    document.querySelectorAll("details.menu[open]").forEach(function (menu) {
      if (menu !== except) menu.removeAttribute("open");
    });
  }
  document.addEventListener("click", function (event) {
    closeMenus(event.target.closest("details.menu"));
  });
  document.addEventListener("keydown", function (event) {
    if (event.key === "Escape") closeMenus(null);
  });

  // Inline validation swaps only a field's error container: keep the input's aria-invalid and
  // aria-describedby in step with it, so screen readers announce the new error.
  QV.onLoad(function (root) {
    const containers = root.matches && root.matches("[id$='_error']") ? [root] : root.querySelectorAll("[id$='_error']");
    containers.forEach(function (container) {
      const input = document.getElementById(container.id.slice(0, -"_error".length));
      if (!input) return;
      const invalid = container.querySelector(".errorlist") !== null;
      const described = new Set((input.getAttribute("aria-describedby") || "").split(" ").filter(Boolean));
      if (invalid) {
        input.setAttribute("aria-invalid", "true");
        described.add(container.id);
      } else {
        input.removeAttribute("aria-invalid");
        described.delete(container.id);
      }
      if (described.size) input.setAttribute("aria-describedby", Array.from(described).join(" "));
      else input.removeAttribute("aria-describedby");
    });
  });
})();
