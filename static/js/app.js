/* QuantumVest: the little JavaScript every page shares.
 *
 * QV.onLoad(fn) runs fn(element) once for the document when the page loads and again for every
 * fragment htmx swaps in. Page scripts (static/js/*.js, loaded by a template's scripts block)
 * hook their behaviour there instead of inline scripts, which the CSP forbids.
 */
(function () {
  "use strict";

  const QV = (window.QV = window.QV || {});
  // The small-screen menu: the Menu button opens and closes the main navigation; Escape closes it.
  document.addEventListener("click", function (event) {
    const toggle = event.target.closest("[data-nav-toggle]");
    if (!toggle) return;
    const nav = document.getElementById(toggle.getAttribute("aria-controls"));
    const open = toggle.getAttribute("aria-expanded") !== "true";
    toggle.setAttribute("aria-expanded", String(open));
    nav.classList.toggle("is-open", open);
    if (open) {
      const first = nav.querySelector("a");
      if (first) first.focus();
    }
  });
  document.addEventListener("keydown", function (event) {
    if (event.key !== "Escape") return;
    const toggle = document.querySelector("[data-nav-toggle][aria-expanded='true']");
    if (!toggle) return;
    toggle.setAttribute("aria-expanded", "false");
    document.getElementById(toggle.getAttribute("aria-controls")).classList.remove("is-open");
    toggle.focus();
  });

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

  // QV.cssVar(name, fallback): a custom property of the design system (static/css/app.css).
  QV.cssVar = function (name, fallback) {
    const value = getComputedStyle(document.documentElement).getPropertyValue(name).trim();
    return value || fallback;
  };

  // QV.format: numbers as the pages' template filters write them (quantumvest/formatting.py):
  // thousands separated by commas, a real minus sign, "—" when unknown.
  const MINUS = "\u2212";
  function fixed(value, places, plus, scale, suffix) {
    if (value === null || value === undefined || value === "" || !isFinite(Number(value))) return "\u2014";
    const number = Number(value) * (scale || 1);
    const text = Math.abs(number).toLocaleString("en-US", { minimumFractionDigits: places, maximumFractionDigits: places }) + (suffix || "");
    if (/^[0.,%]+$/.test(text)) return text;
    return number < 0 ? MINUS + text : plus ? "+" + text : text;
  }
  QV.format = {
    money: function (v, places) { return fixed(v, places === undefined ? 2 : places); },
    number: function (v, places) { return fixed(v, places === undefined ? 2 : places); },
    percent: function (v, places) { return fixed(v, places === undefined ? 1 : places, false, 100, "%"); },
    signedPercent: function (v, places) { return fixed(v, places === undefined ? 1 : places, true, 100, "%"); },
    // Axis labels: as few places as the scale needs (12,000 / 1.5 / 0.25).
    axis: function (v) { return fixed(v, Math.abs(v) >= 100 ? 0 : Math.abs(v) >= 10 ? 1 : 2); },
    axisPercent: function (v) { return fixed(v, Math.abs(v) >= 0.1 || v === 0 ? 0 : 1, false, 100, "%"); },
  };

  // One chart theme for every chart, from the design system's custom properties, so charts follow
  // the palette and the light or dark scheme of the page (read when each chart is made).
  function theme() {
    const v = QV.cssVar;
    const text = v("--qv-text", "#141a2b");
    const muted = v("--qv-text-muted", "#5b6478");
    const border = v("--qv-border", "#dde1ea");
    const surface = v("--qv-surface", "#ffffff");
    const font = v("--qv-font-sans", "system-ui, sans-serif");
    const axis = {
      axisLine: { lineStyle: { color: border } },
      axisTick: { lineStyle: { color: border } },
      axisLabel: { color: muted, fontSize: 11 },
      splitLine: { lineStyle: { color: border, type: "dashed" } },
      splitArea: { show: false },
      nameTextStyle: { color: muted, fontSize: 11 },
    };
    return {
      color: [1, 2, 3, 4, 5, 6].map(function (i) { return v("--qv-chart-" + i, "#4338ca"); }),
      backgroundColor: "transparent",
      textStyle: { color: text, fontFamily: font },
      title: { textStyle: { color: text, fontSize: 14, fontWeight: 600 }, subtextStyle: { color: muted } },
      legend: { textStyle: { color: muted, fontSize: 12 }, pageTextStyle: { color: muted }, pageIconColor: muted },
      tooltip: {
        backgroundColor: surface,
        borderColor: border,
        textStyle: { color: text, fontSize: 12 },
        confine: true,
      },
      categoryAxis: axis,
      valueAxis: axis,
      logAxis: axis,
      timeAxis: axis,
      dataZoom: {
        borderColor: border,
        textStyle: { color: muted },
        fillerColor: "rgba(128, 128, 160, 0.15)",
        handleStyle: { color: surface, borderColor: muted },
        dataBackground: { lineStyle: { color: muted }, areaStyle: { color: border } },
      },
      line: { symbol: "circle", symbolSize: 5 },
      pie: { itemStyle: { borderColor: surface, borderWidth: 2 } },
    };
  }

  // QV.narrow(element): is this chart too narrow for side labels (phones)?
  QV.narrow = function (element) {
    return element.clientWidth < 520;
  };

  // QV.donut(data, options): the one allocation chart. data: [{name, value}]; options.value(v)
  // formats a slice's value for its tooltip. Labels sit beside the slices where there is room and
  // hide rather than collide; on a narrow chart there are none (they were clipped): the legend, which
  // wraps instead of paging, names each slice with its share.
  QV.donut = function (element, data, options) {
    const opts = options || {};
    const narrow = QV.narrow(element);
    const total = data.reduce(function (sum, d) { return sum + Number(d.value); }, 0);
    const share = {};
    data.forEach(function (d) { share[d.name] = total ? Number(d.value) / total : 0; });
    return {
      tooltip: {
        trigger: "item",
        formatter: function (p) {
          const value = opts.value ? opts.value(p.value) + " (" + QV.format.percent(p.percent / 100) + ")" : QV.format.percent(p.percent / 100);
          return p.name + ": " + value;
        },
      },
      legend: {
        type: "plain",
        bottom: 0,
        left: "center",
        itemWidth: 12,
        itemHeight: 10,
        formatter: function (name) { return name + " " + QV.format.percent(share[name]); },
      },
      series: [
        {
          type: "pie",
          radius: narrow ? ["38%", "64%"] : ["34%", "58%"],
          center: ["50%", "42%"],
          data: data,
          avoidLabelOverlap: true,
          label: narrow ? { show: false } : { formatter: "{b}", overflow: "truncate", width: 90 },
          labelLine: { show: !narrow, length: 10, length2: 8 },
          labelLayout: { hideOverlap: true },
        },
      ],
    };
  };

  // QV.chart(element): a fresh ECharts instance for element, in the product's theme. Drawing an
  // element again replaces its chart; charts whose element left the page (a swapped fragment) are
  // disposed; every live chart follows window resizes through one listener.
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
    window.echarts.registerTheme("qv", theme());
    const chart = window.echarts.init(element, "qv", { renderer: "canvas" });
    charts.add(chart);
    return chart;
  };
  window.addEventListener("resize", function () {
    charts.forEach(function (chart) {
      if (!chart.isDisposed()) chart.resize();
    });
  });

  // Tables on phones (app.css): every body cell gets its column's header as data-label, and cells
  // with nothing in them are marked data-empty, so a row can be read as a card of "label: value".
  function headerLabels(table) {
    const row = table.tHead && table.tHead.rows[table.tHead.rows.length - 1];
    const labels = [];
    if (!row) return labels;
    Array.prototype.forEach.call(row.cells, function (cell) {
      // A header's own words, a line break read as a space ("Likely range<br>how often" → two words).
      const words = Array.prototype.map.call(cell.childNodes, function (node) {
        return node.nodeName === "BR" ? " " : node.textContent;
      });
      const text = (cell.dataset.label || words.join("")).replace(/\s+/g, " ").trim();
      for (let i = 0; i < (cell.colSpan || 1); i += 1) labels.push(i === 0 ? text : "");
    });
    return labels;
  }
  QV.labelTable = function (table) {
    const labels = headerLabels(table);
    Array.prototype.forEach.call(table.tBodies, function (body) {
      Array.prototype.forEach.call(body.rows, function (row) {
        let column = 0;
        Array.prototype.forEach.call(row.cells, function (cell) {
          if (!cell.hasAttribute("data-label")) {
            const isRowHeader = cell.tagName === "TH" && cell.getAttribute("scope") === "row";
            cell.setAttribute("data-label", isRowHeader ? "" : labels[column] || "");
          }
          if (!cell.textContent.trim() && !cell.querySelector("input, button, select, a, svg, img")) cell.setAttribute("data-empty", "");
          column += cell.colSpan || 1;
        });
      });
    });
  };
  QV.each("table.table", QV.labelTable);
  // A swapped part of a table (an edited lot's row, a new tbody) is labelled by its table.
  QV.onLoad(function (root) {
    if (root && root.closest && root.tagName !== "TABLE") {
      const table = root.closest("table.table");
      if (table) QV.labelTable(table);
    }
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
