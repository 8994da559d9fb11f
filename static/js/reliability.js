/* Reliability diagram of the track record: stated chance of a rise against the observed share of rises.
 *
 * Each element with data-reliability-chart='JSON' is drawn from that attribute's JSON:
 * {kind, bins: [{bin_lower, bin_upper, n, mean_p_up, observed_up}]}. Points sit at (mean stated,
 * observed), sized by the number of forecasts in the bin; the diagonal is perfect calibration.
 * Needs ECharts (static/vendor) loaded first. The table beside it holds the same numbers.
 */
(function () {
  "use strict";

  function cssVar(name, fallback) {
    const value = getComputedStyle(document.documentElement).getPropertyValue(name).trim();
    return value || fallback;
  }

  function percent(value) {
    return Math.round(100 * value) + "%";
  }

  function draw(element) {
    if (!window.echarts || element.dataset.drawn) return;
    const data = JSON.parse(element.dataset.reliabilityChart || "null");
    if (!data || !data.bins.length) return;
    element.dataset.drawn = "1";

    const point = cssVar("--qv-chart-1", "#4338ca");
    const muted = cssVar("--qv-text-muted", "#5b6478");
    const border = cssVar("--qv-border", "#dde1ea");
    const largest = data.bins.reduce(function (max, bin) { return Math.max(max, bin.n); }, 1);
    const axis = {
      type: "value",
      min: 0,
      max: 1,
      interval: 0.2,
      nameLocation: "middle",
      nameGap: 28,
      nameTextStyle: { color: muted },
      axisLabel: { color: muted, formatter: percent },
      splitLine: { lineStyle: { color: border } },
    };

    const chart = window.QV.chart(element);
    chart.setOption({
      animation: false,
      grid: { left: 52, right: 16, top: 16, bottom: 48 },
      tooltip: {
        trigger: "item",
        confine: true,
        formatter: function (params) {
          const bin = params.data.bin;
          if (!bin) return "";
          return (
            "Stated " + bin.bin_lower.toFixed(1) + "–" + bin.bin_upper.toFixed(1) + "<br>" +
            bin.n + " forecast" + (bin.n === 1 ? "" : "s") + "<br>" +
            "Mean stated " + percent(bin.mean_p_up) + ", rose " + percent(bin.observed_up)
          );
        },
      },
      xAxis: Object.assign({ name: "Stated chance of a rise" }, axis),
      yAxis: Object.assign({ name: "Share that rose" }, axis, { nameGap: 40 }),
      series: [
        {
          name: "Perfect calibration",
          type: "line",
          data: [[0, 0], [1, 1]],
          silent: true,
          showSymbol: false,
          lineStyle: { type: "dashed", width: 1, color: muted },
        },
        {
          name: data.kind + " forecasts",
          type: "scatter",
          data: data.bins.map(function (bin) { return { value: [bin.mean_p_up, bin.observed_up], bin: bin }; }),
          symbolSize: function (value, params) { return 8 + 22 * Math.sqrt(params.data.bin.n / largest); },
          itemStyle: { color: point, opacity: 0.8 },
        },
      ],
    });
  }

  window.QV.each("[data-reliability-chart]", draw);
})();
