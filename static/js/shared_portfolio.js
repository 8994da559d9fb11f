/* A shared portfolio's charts (Apache ECharts, vendored): the growth of 100 against the benchmark
 * and the weights. Data comes from the data-shared-charts attribute (JSON); no money amounts.
 */
(function () {
  "use strict";

  function line(data) {
    const benchmark = data.benchmark + " (price)";
    const series = [{ name: "Portfolio", type: "line", showSymbol: false, data: data.portfolio }];
    if (data.benchmark_growth.some(function (level) { return level !== null; })) {
      series.push({ name: benchmark, type: "line", showSymbol: false, data: data.benchmark_growth });
    }
    return {
      tooltip: { trigger: "axis" },
      legend: { data: series.map(function (s) { return s.name; }), top: 0, left: 0 },
      grid: { left: 50, right: 16, top: 48, bottom: 64 },
      xAxis: { type: "category", data: data.dates, axisLabel: { hideOverlap: true } },
      yAxis: { type: "value", scale: true, axisLabel: { formatter: window.QV.format.axis } },
      dataZoom: [{ type: "inside" }, { type: "slider", height: 20, bottom: 8 }],
      series: series,
    };
  }

  function draw(container) {
    const data = JSON.parse(container.dataset.sharedCharts);
    container.querySelectorAll("[data-chart]").forEach(function (element) {
      if (!window.echarts) {
        element.textContent = "Charts need the ECharts library, which did not load.";
        return;
      }
      const kind = element.dataset.chart;
      const empty = kind === "growth" ? !data.dates.length : !data[kind].length;
      if (empty) {
        element.textContent = kind === "growth" ? "No history yet." : "No priced holdings yet.";
        return;
      }
      // The weights come in percent (no money on a shared page): the donut takes them as they are.
      window.QV.chart(element).setOption(kind === "growth" ? line(data) : window.QV.donut(element, data[kind]));
    });
  }

  window.QV.each("[data-shared-charts]", draw);
})();
