/* On-chain page: token activity charts (Apache ECharts, vendored). Data comes from the
 * data-token-charts attribute (JSON: per token, days, transfer counts and volumes in whole tokens
 * as exact decimal strings); each [data-token-chart="i"] element draws token i.
 */
(function () {
  "use strict";

  function cssVar(name, fallback) {
    return getComputedStyle(document.documentElement).getPropertyValue(name).trim() || fallback;
  }

  function option(token) {
    const muted = cssVar("--qv-text-muted", "#5b6478");
    const border = cssVar("--qv-border", "#dde1ea");
    const axisLabel = { color: muted, fontSize: 11 };
    return {
      animation: false,
      tooltip: { trigger: "axis", confine: true },
      legend: { data: ["Transfers", "Volume (" + token.symbol + ")"], textStyle: { color: muted } },
      grid: { left: 48, right: 64, top: 36, bottom: 28 },
      xAxis: { type: "category", data: token.days, axisLabel: Object.assign({ hideOverlap: true }, axisLabel), axisLine: { lineStyle: { color: border } } },
      yAxis: [
        { type: "value", minInterval: 1, axisLabel: axisLabel, splitLine: { lineStyle: { color: border } } },
        { type: "value", position: "right", axisLabel: axisLabel, splitLine: { show: false } },
      ],
      series: [
        { name: "Transfers", type: "bar", data: token.count, itemStyle: { color: cssVar("--qv-chart-1", "#4338ca") } },
        // Volumes arrive as exact decimal strings; ECharts reads them as numbers for drawing only.
        { name: "Volume (" + token.symbol + ")", type: "line", yAxisIndex: 1, showSymbol: false, data: token.volume, itemStyle: { color: cssVar("--qv-chart-2", "#0891b2") } },
      ],
    };
  }

  function draw(container) {
    const tokens = JSON.parse(container.dataset.tokenCharts);
    container.querySelectorAll("[data-token-chart]").forEach(function (element) {
      const token = tokens[Number(element.dataset.tokenChart)];
      if (!token || !token.days.length) return;
      if (!window.echarts) {
        element.textContent = "Charts need the ECharts library, which did not load.";
        return;
      }
      window.QV.chart(element).setOption(option(token));
    });
  }

  window.QV.each("[data-token-charts]", draw);
})();
