/* Optimisation page charts (Apache ECharts, vendored): the efficient frontier with the current
 * portfolio, the recommendation and 1/N marked (all from the same estimates and bounds, so the
 * recommendation sits on the line), and recommended against current weights.
 * Data is the JSON in the data-optimize-charts attribute (htmx drops script elements, json_script
 * included, from swapped fragments); QV.onLoad re-runs this for every fragment htmx swaps in (a
 * finished run replaces the polling fragment).
 */
(function () {
  "use strict";

  const MARKERS = {
    current: { label: "Your portfolio", symbol: "diamond" },
    recommendation: { label: "Recommendation", symbol: "circle" },
    equal_weight: { label: "Equal weights (1/N)", symbol: "triangle" },
  };
  const MINUS = "\u2212";

  // 0.1234 -> "12%" (or "12.3%" on a fine axis); a real minus sign for negatives.
  function percent(value, digits) {
    const text = Math.abs(value * 100).toFixed(digits === undefined ? 1 : digits) + "%";
    return value < 0 && Number(text.replace("%", "")) !== 0 ? MINUS + text : text;
  }

  function cssVar(name, fallback) {
    const value = getComputedStyle(document.documentElement).getPropertyValue(name).trim();
    return value || fallback;
  }

  // A round step giving about five intervals over span.
  function niceStep(span) {
    const raw = span / 5;
    const magnitude = Math.pow(10, Math.floor(Math.log10(raw)));
    const n = raw / magnitude;
    return (n <= 1 ? 1 : n <= 2 ? 2 : n <= 2.5 ? 2.5 : n <= 5 ? 5 : 10) * magnitude;
  }

  function axisRange(low, high) {
    if (high - low < 1e-4) {
      low -= 0.01;
      high += 0.01;
    }
    const pad = (high - low) * 0.06;
    const step = niceStep(high - low + 2 * pad);
    const digits = step >= 0.01 ? 0 : 1;
    return { min: Math.floor((low - pad) / step) * step, max: Math.ceil((high + pad) / step) * step, step: step, digits: digits };
  }

  // Return of the frontier line (straight segments, as drawn) at volatility v.
  function frontierAt(points, v) {
    for (let i = 1; i < points.length; i += 1) {
      const a = points[i - 1];
      const b = points[i];
      if (a[0] <= v && v <= b[0]) return b[0] === a[0] ? b[1] : a[1] + ((v - a[0]) / (b[0] - a[0])) * (b[1] - a[1]);
    }
    return null;
  }

  // The view: every marked portfolio and the frontier up to a little past the riskiest of them.
  // The frontier runs on to the single highest-return asset, which would squash the rest.
  function view(data) {
    const points = data.frontier.slice().sort(function (a, b) { return a[0] - b[0]; });
    const marks = Object.keys(MARKERS).map(function (key) { return data.markers[key]; }).filter(Boolean);
    const vols = marks.map(function (m) { return m[0]; });
    const top = points.length ? points[points.length - 1][0] : 0;
    const focus = Math.min(Math.max.apply(null, vols.concat([points.length ? points[0][0] : 0])) * 1.4, top || Infinity);
    const x = axisRange(Math.min.apply(null, vols.concat(points.length ? [points[0][0]] : [])), focus);
    // The y axis covers the frontier as far as the x axis reaches, so the line leaves at the side.
    const shown = points.filter(function (p) { return p[0] <= x.max; });
    const end = frontierAt(points, x.max);
    if (end !== null) shown.push([x.max, end]);
    const ys = shown.map(function (p) { return p[1]; }).concat(marks.map(function (m) { return m[1]; }));
    return {
      x: x,
      y: axisRange(Math.min.apply(null, ys), Math.max.apply(null, ys)),
      clipped: points.length > 0 && top > x.max + 1e-9,
      top: points.length ? points[points.length - 1] : null,
    };
  }

  function frontier(data, element) {
    const range = view(data);
    const narrow = window.QV.narrow(element);
    const muted = cssVar("--qv-text-muted", "#5b6478");
    const series = [
      {
        name: "Efficient frontier",
        type: "line",
        smooth: false, // a spline would bend above and below the computed portfolios
        showSymbol: false,
        clip: true,
        data: data.frontier,
        lineStyle: { color: cssVar("--qv-chart-1", "#4338ca"), width: 2 },
        itemStyle: { color: cssVar("--qv-chart-1", "#4338ca") },
      },
    ];
    Object.keys(MARKERS).forEach(function (key, index) {
      if (!data.markers[key]) return;
      series.push({
        name: MARKERS[key].label,
        type: "scatter",
        symbol: MARKERS[key].symbol,
        symbolSize: 14,
        z: 3,
        data: [data.markers[key]],
        itemStyle: { color: cssVar("--qv-chart-" + (index + 2), "#0f9488"), borderColor: cssVar("--qv-surface", "#fff"), borderWidth: 1 },
      });
    });
    const yLabelWidth = 8 + 7 * Math.max(percent(range.y.min, range.y.digits).length, percent(range.y.max, range.y.digits).length);
    return {
      animation: false,
      tooltip: {
        trigger: "item",
        confine: true,
        formatter: function (p) {
          return p.seriesName + "<br>Volatility " + percent(p.value[0]) + "<br>Expected return " + percent(p.value[1]);
        },
      },
      // A plain legend wraps onto a second line on a phone; the grid leaves room for it.
      legend: { bottom: 0, left: "center", itemGap: 12, textStyle: { color: muted } },
      grid: { left: yLabelWidth + 30, right: 24, top: 16, bottom: narrow ? 100 : 76 },
      xAxis: {
        type: "value",
        name: "Volatility a year (in-sample)",
        nameLocation: "middle",
        nameGap: 30,
        nameTextStyle: { color: muted },
        min: range.x.min,
        max: range.x.max,
        interval: range.x.step,
        axisLabel: { color: muted, hideOverlap: true, formatter: function (v) { return percent(v, range.x.digits); } },
      },
      yAxis: {
        type: "value",
        name: "Expected return a year (in-sample)",
        nameLocation: "middle",
        nameRotate: 90,
        nameGap: yLabelWidth + 10,
        nameTextStyle: { color: muted },
        min: range.y.min,
        max: range.y.max,
        interval: range.y.step,
        axisLabel: { color: muted, formatter: function (v) { return percent(v, range.y.digits); } },
      },
      series: series,
    };
  }

  function clippedNote(container, data) {
    const note = container.querySelector("[data-frontier-note]");
    if (!note) return;
    const range = view(data);
    note.hidden = !range.clipped;
    if (range.clipped) {
      note.textContent =
        "Zoomed in on the portfolios: the frontier goes on to " + percent(range.top[0]) + " volatility and " +
        percent(range.top[1]) + " expected return, the highest-return portfolio within the bounds.";
    }
  }

  function weights(data) {
    const symbols = data.weights.map(function (pair) { return pair[0]; });
    return {
      animation: false,
      tooltip: { trigger: "axis", confine: true, valueFormatter: function (v) { return percent(v); } },
      legend: { bottom: 0 },
      grid: { left: 16, right: 16, top: 16, bottom: 40, containLabel: true },
      xAxis: { type: "category", data: symbols, axisLabel: { interval: 0, rotate: symbols.length > 6 ? 45 : 0 } },
      yAxis: { type: "value", min: 0, axisLabel: { formatter: function (v) { return percent(v, 0); } } },
      series: [
        { name: "Recommended", type: "bar", data: data.weights.map(function (pair) { return pair[1]; }) },
        { name: "Current", type: "bar", data: symbols.map(function (s) { return data.current_weights[s] || 0; }) },
      ],
    };
  }

  function draw(container) {
    const data = JSON.parse(container.dataset.optimizeCharts);
    container.querySelectorAll("[data-chart]").forEach(function (element) {
      if (!window.echarts) {
        element.textContent = "Charts need the ECharts library, which did not load.";
        return;
      }
      if (element.dataset.chart === "frontier" && !data.frontier.length) {
        const previous = window.echarts.getInstanceByDom(element);
        if (previous) previous.dispose();
        element.textContent = "No frontier was computed for this run.";
        return;
      }
      if (element.dataset.chart === "frontier") clippedNote(container, data);
      window.QV.chart(element).setOption(element.dataset.chart === "frontier" ? frontier(data, element) : weights(data));
    });
  }

  window.QV.each("[data-optimize-charts]", draw);

  // Settings: show only the fields the chosen preset and method use. Without this script every
  // field shows (the server ignores the ones that do not apply).
  function effective(form) {
    const presets = JSON.parse(form.dataset.presetObjectives || "{}");
    const checked = form.querySelector('input[name="risk_preference"]:checked');
    const preset = checked ? checked.value : "";
    const method = form.querySelector('[name="objective"]');
    const backtest = form.querySelector('[name="run_backtest"]');
    return {
      preset: preset,
      objective: preset ? presets[preset] : method ? method.value : "",
      backtest: backtest && backtest.checked ? "on" : "off",
    };
  }

  function toggle(form) {
    const state = effective(form);
    form.querySelectorAll("[data-when]").forEach(function (element) {
      const match = /^(\w+)(!?=)(.*)$/.exec(element.dataset.when);
      if (!match) return;
      const equal = state[match[1]] === match[3];
      element.hidden = match[2] === "=" ? !equal : equal;
    });
  }

  window.QV.each("[data-optimize-form]", function (form) {
    toggle(form);
    form.addEventListener("change", function () { toggle(form); });
  });

})();
