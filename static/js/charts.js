/* Asset price chart: line or candles, volume, range buttons, zoom and pan, log scale.
 *
 * Each element with data-price-chart="ID" reads its configuration from <script id="ID"> (Django's
 * json_script): {symbol, currency, pricesUrl}. It fetches the compact bars of the prices API
 * ({columns, data: [[date, open, high, low, close, adj_close, volume], ...]}) and draws them with
 * ECharts (static/vendor, loaded first). Controls are the buttons inside
 * [data-chart-controls="<element id>"]. No inline script, no eval: CSP-safe.
 */
(function () {
  "use strict";

  const MONTHS = { "1M": 1, "3M": 3, "6M": 6, "1Y": 12, "5Y": 60 };
  const DEFAULT_RANGE = "1Y";

  function cssVar(name, fallback) {
    const value = getComputedStyle(document.documentElement).getPropertyValue(name).trim();
    return value || fallback;
  }

  function formatNumber(value, digits) {
    if (value === null || value === undefined) return "–";
    return Number(value).toLocaleString(undefined, { minimumFractionDigits: digits, maximumFractionDigits: digits });
  }

  // Index of the first bar on or after the last date minus the range (0 for Max).
  function rangeStart(dates, range) {
    const months = MONTHS[range];
    if (!months || !dates.length) return 0;
    const last = new Date(dates[dates.length - 1] + "T00:00:00Z");
    last.setUTCMonth(last.getUTCMonth() - months);
    const cutoff = last.toISOString().slice(0, 10);
    let low = 0;
    let high = dates.length - 1;
    while (low < high) {
      const middle = (low + high) >> 1;
      if (dates[middle] < cutoff) low = middle + 1;
      else high = middle;
    }
    return low;
  }

  function columnsOf(payload) {
    const index = {};
    payload.columns.forEach(function (name, position) { index[name] = position; });
    const dates = [];
    const candles = [];
    const closes = [];
    const volumes = [];
    payload.data.forEach(function (row) {
      dates.push(row[index.date]);
      // ECharts candlestick order: open, close, low, high.
      candles.push([row[index.open], row[index.close], row[index.low], row[index.high]]);
      closes.push(row[index.close]);
      volumes.push(row[index.volume]);
    });
    const hasVolume = volumes.some(function (volume) { return volume > 0; });
    // Close-only histories (open = high = low = close) have no candles worth drawing.
    const hasRange = candles.some(function (candle) { return candle[2] !== candle[3]; });
    return { dates: dates, candles: candles, closes: closes, volumes: volumes, hasVolume: hasVolume, hasRange: hasRange };
  }

  // The base whose powers split the prices in view (state.start..state.end) into about five steps.
  function logBaseFor(bars, state) {
    let low = Infinity;
    let high = 0;
    for (let i = state.start; i <= state.end && i < bars.candles.length; i += 1) {
      const candle = bars.candles[i];
      low = Math.min(low, candle[2] || candle[1]);
      high = Math.max(high, candle[3] || candle[1]);
    }
    if (!(low > 0) || !(high > low)) return 10;
    return Math.pow((high * 1.03) / (low * 0.97), 1 / 5);
  }

  function buildOption(bars, state) {
    const gain = cssVar("--qv-gain", "#15803d");
    const loss = cssVar("--qv-loss", "#b91c1c");
    const line = cssVar("--qv-chart-1", "#4338ca");
    const muted = cssVar("--qv-text-muted", "#5b6478");
    const border = cssVar("--qv-border", "#dde1ea");
    const axisLabel = { color: muted, fontSize: 11 };
    const priceLabel = {
      color: muted,
      fontSize: 11,
      showMinLabel: false,
      showMaxLabel: false,
      formatter: function (value) { return formatNumber(value, value < 10 ? 2 : 0); },
    };
    const top = bars.candles.reduce(function (max, c) { return c[3] > max ? c[3] : max; }, 0);
    const labelRoom = 16 + 7 * formatNumber(top, top < 10 ? 2 : 0).length;
    return {
      animation: false,
      legend: { show: false, selected: { Close: state.kind === "line", Candles: state.kind === "candles" } },
      axisPointer: { link: [{ xAxisIndex: "all" }] },
      tooltip: {
        trigger: "axis",
        axisPointer: { type: "cross" },
        confine: true,
        formatter: function (params) {
          const i = params[0].dataIndex;
          const c = bars.candles[i];
          return (
            "<strong>" + bars.dates[i] + "</strong><br>" +
            "Open " + formatNumber(c[0], 2) + "<br>High " + formatNumber(c[3], 2) +
            "<br>Low " + formatNumber(c[2], 2) + "<br>Close " + formatNumber(c[1], 2) +
            "<br>Volume " + formatNumber(bars.volumes[i], 0)
          );
        },
      },
      // Explicit margins (no containLabel) so the price and volume panels share one x scale and
      // each volume bar sits under its candle: right = room for the widest price label, left =
      // half of the first date label.
      grid: bars.hasVolume
        ? [
            { left: 36, right: labelRoom, top: 12, height: "62%" },
            { left: 36, right: labelRoom, top: "78%", bottom: 40 },
          ]
        : [
            { left: 36, right: labelRoom, top: 12, bottom: 68 },
            { left: 36, right: labelRoom, bottom: 40, height: 0, show: false },
          ],
      xAxis: [
        { type: "category", data: bars.dates, boundaryGap: true, axisLine: { lineStyle: { color: border } }, axisLabel: Object.assign({ hideOverlap: true }, axisLabel) },
        { type: "category", gridIndex: 1, data: bars.dates, boundaryGap: true, show: bars.hasVolume, axisLabel: { show: false }, axisTick: { show: false } },
      ],
      yAxis: [
        Object.assign(
          { position: "right", splitLine: { lineStyle: { color: border } }, axisLabel: priceLabel },
          state.log
            ? // A log axis ticks at powers of its base and snaps to them unless bounded by the data in
              // view; a base fitted to the range in view gives five or six ticks, not a single "100".
              {
                type: "log",
                logBase: logBaseFor(bars, state),
                min: function (extent) { return extent.min * 0.97; },
                max: function (extent) { return extent.max * 1.03; },
              }
            : { type: "value", scale: true }
        ),
        { type: "value", gridIndex: 1, position: "right", splitNumber: 2, show: bars.hasVolume, axisLabel: { show: false }, splitLine: { show: false } },
      ],
      dataZoom: [
        { type: "inside", xAxisIndex: [0, 1], startValue: state.start, endValue: state.end },
        { type: "slider", xAxisIndex: [0, 1], startValue: state.start, endValue: state.end, height: 22, bottom: 6 },
      ],
      series: [
        { name: "Close", type: "line", data: bars.closes, showSymbol: false, sampling: "lttb", lineStyle: { width: 1.5, color: line }, itemStyle: { color: line } },
        {
          name: "Candles",
          type: "candlestick",
          data: bars.candles,
          itemStyle: { color: gain, color0: loss, borderColor: gain, borderColor0: loss },
        },
        { name: "Volume", type: "bar", xAxisIndex: 1, yAxisIndex: 1, data: bars.volumes, large: true, itemStyle: { color: muted, opacity: 0.45 } },
      ],
    };
  }

  function press(group, selector, button) {
    group.querySelectorAll(selector).forEach(function (other) {
      other.setAttribute("aria-pressed", other === button ? "true" : "false");
    });
  }

  function wireControls(element, chart, bars, state) {
    const controls = document.querySelector('[data-chart-controls="' + element.id + '"]');
    if (!controls) return;
    function render() { chart.setOption(buildOption(bars, state), true); }
    const candles = controls.querySelector('[data-kind="candles"]');
    if (candles && !bars.hasRange) {
      candles.disabled = true;
      candles.title = "This history has closes only (no open, high and low)";
    }
    // Keep the user's zoom and pan when the chart is redrawn for another type or scale.
    let pending = null;
    chart.on("datazoom", function () {
      const zoom = chart.getOption().dataZoom[0];
      state.start = zoom.startValue;
      state.end = zoom.endValue;
      // On a log scale the ticks follow the range in view: redraw once the zoom settles.
      if (state.log) {
        clearTimeout(pending);
        pending = setTimeout(render, 200);
      }
    });
    controls.addEventListener("click", function (event) {
      const button = event.target.closest("button");
      if (!button) return;
      if (button.dataset.range) {
        press(controls, "[data-range]", button);
        state.start = rangeStart(bars.dates, button.dataset.range);
        state.end = bars.dates.length - 1;
      } else if (button.dataset.kind) {
        press(controls, "[data-kind]", button);
        state.kind = button.dataset.kind;
      }
      render();
    });
    const log = controls.querySelector("[data-log]");
    if (log) {
      log.addEventListener("change", function () {
        state.log = log.checked;
        render();
      });
    }
  }

  function draw(element, config, payload) {
    const bars = columnsOf(payload);
    if (!bars.dates.length) {
      element.innerHTML = '<p class="muted small chart-fallback">No price data yet.</p>';
      return;
    }
    element.innerHTML = "";
    const chart = window.QV.chart(element);
    const state = { kind: "line", log: false, start: rangeStart(bars.dates, DEFAULT_RANGE), end: bars.dates.length - 1 };
    chart.setOption(buildOption(bars, state));
    wireControls(element, chart, bars, state);
  }

  function setup(element) {
    if (element.dataset.chartReady) return;
    element.dataset.chartReady = "1";
    const source = document.getElementById(element.dataset.priceChart);
    if (!source || !window.echarts) return;
    const config = JSON.parse(source.textContent);
    element.setAttribute("aria-busy", "true");
    fetch(config.pricesUrl, { credentials: "same-origin", headers: { Accept: "application/json" } })
      .then(function (response) {
        if (!response.ok) throw new Error("HTTP " + response.status);
        return response.json();
      })
      .then(function (payload) { draw(element, config, payload); })
      .catch(function () {
        element.innerHTML = '<p class="muted small chart-fallback">The prices could not be loaded. Reload the page to try again.</p>';
      })
      .finally(function () { element.removeAttribute("aria-busy"); });
  }

  window.QV.each("[data-price-chart]", setup);
})();
