/* Optimisation page charts (Apache ECharts, vendored): the efficient frontier with the current
 * portfolio, the recommendation and 1/N marked, and recommended against current weights.
 * Data is the JSON in the data-optimize-charts attribute (htmx drops script elements, json_script
 * included, from swapped fragments); QV.onLoad re-runs this for every fragment htmx swaps in (a
 * finished run replaces the polling fragment).
 */
(function () {
  "use strict";

  const MARKERS = {
    current: { label: "Your portfolio", symbol: "diamond" },
    recommendation: { label: "Recommendation", symbol: "pin" },
    equal_weight: { label: "Equal weights (1/N)", symbol: "triangle" },
  };

  function percent(value) {
    return (value * 100).toFixed(1) + " %";
  }

  function cssVar(name, fallback) {
    const value = getComputedStyle(document.documentElement).getPropertyValue(name).trim();
    return value || fallback;
  }

  function frontier(data) {
    const series = [
      {
        name: "Efficient frontier",
        type: "line",
        smooth: true,
        showSymbol: false,
        data: data.frontier,
        lineStyle: { color: cssVar("--qv-chart-1", "#4338ca") },
      },
    ];
    Object.keys(MARKERS).forEach(function (key, index) {
      if (!data.markers[key]) return;
      series.push({
        name: MARKERS[key].label,
        type: "scatter",
        symbol: MARKERS[key].symbol,
        symbolSize: 18,
        data: [data.markers[key]],
        itemStyle: { color: cssVar("--qv-chart-" + (index + 2), "#0f9488") },
      });
    });
    return {
      tooltip: {
        trigger: "item",
        formatter: function (p) {
          return p.seriesName + "<br>volatility " + percent(p.value[0]) + ", expected return " + percent(p.value[1]);
        },
      },
      legend: { bottom: 0 },
      grid: { left: 60, right: 20, top: 20, bottom: 70 },
      xAxis: { type: "value", name: "Volatility (in-sample)", nameLocation: "middle", nameGap: 28, scale: true, axisLabel: { formatter: percent } },
      yAxis: { type: "value", name: "Expected return", scale: true, axisLabel: { formatter: percent } },
      series: series,
    };
  }

  function weights(data) {
    const symbols = data.weights.map(function (pair) { return pair[0]; });
    return {
      tooltip: { trigger: "axis", valueFormatter: percent },
      legend: { bottom: 0 },
      grid: { left: 60, right: 20, top: 20, bottom: 70 },
      xAxis: { type: "category", data: symbols, axisLabel: { rotate: symbols.length > 10 ? 45 : 0 } },
      yAxis: { type: "value", axisLabel: { formatter: percent } },
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
      window.QV.chart(element).setOption(element.dataset.chart === "frontier" ? frontier(data) : weights(data));
    });
  }

  window.QV.each("[data-optimize-charts]", draw);

})();
