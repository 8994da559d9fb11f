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

  // QV.each(selector, fn): fn(element) for every element matching selector, on page load and in
  // every fragment htmx swaps in (the fragment's root included).
  QV.each = function (selector, fn) {
    QV.onLoad(function (root) {
      const scope = root && root.querySelectorAll ? root : document;
      if (scope.matches && scope.matches(selector)) fn(scope);
      scope.querySelectorAll(selector).forEach(fn);
    });
  };

  // QV.chart(element): a fresh ECharts instance for element. Drawing an element again replaces
  // its chart; charts whose element left the page (a swapped fragment) are disposed; every live
  // chart follows window resizes through one listener.
  const charts = new Set();
  QV.chart = function (element) {
    charts.forEach(function (chart) {
      if (chart.isDisposed() || !document.body.contains(chart.getDom())) {
        if (!chart.isDisposed()) chart.dispose();
        charts.delete(chart);
      }
    });
    const previous = window.echarts.getInstanceByDom(element);
    if (previous) {
      previous.dispose();
      charts.delete(previous);
    }
    const chart = window.echarts.init(element, null, { renderer: "canvas" });
    charts.add(chart);
    return chart;
  };
  window.addEventListener("resize", function () {
    charts.forEach(function (chart) {
      if (!chart.isDisposed()) chart.resize();
    });
  });

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

  // An htmx request whose answer is not swapped (403, 404, 5xx) or that never got an answer would
  // otherwise leave the page silently unchanged: say so in the messages area.
  function showError(text) {
    const area = document.getElementById("messages");
    if (!area) return;
    const alert = document.createElement("div");
    alert.className = "alert alert--error";
    alert.setAttribute("role", "alert");
    const p = document.createElement("p");
    p.textContent = text;
    const close = document.createElement("button");
    close.type = "button";
    close.className = "alert__close";
    close.setAttribute("data-dismiss", "");
    close.setAttribute("aria-label", "Dismiss");
    close.textContent = "\u00d7";
    alert.append(p, close);
    area.replaceChildren(alert);
    area.scrollIntoView({ block: "nearest" });
  }
  document.addEventListener("htmx:responseError", function (event) {
    const status = event.detail.xhr.status;
    if (status >= 500) {
      showError("Something went wrong on our side (error " + status + "): the page was not updated. Try again later.");
    } else if (status === 403) {
      showError("You are not allowed to do that, or your session has expired: reload the page and log in again.");
    } else if (status === 404) {
      showError("That item no longer exists. Reload the page.");
    } else if (status === 429) {
      showError("Too many requests: wait a moment and try again.");
    } else {
      showError("The request failed (error " + status + "). Reload the page and try again.");
    }
  });
  document.addEventListener("htmx:sendError", function () {
    showError("The server could not be reached. Check your connection and try again.");
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
