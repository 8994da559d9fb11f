/* A shared portfolio's charts (Apache ECharts, vendored): the growth of 100 against the benchmark
 * and the weights. Data comes from the data-shared-charts attribute (JSON); no money amounts.
 */
(function () {
  "use strict";

  function textColor() {
    return getComputedStyle(document.documentElement).getPropertyValue("--qv-text-muted").trim() || "#5b6478";
  }

  function gridColor() {
    return getComputedStyle(document.documentElement).getPropertyValue("--qv-border").trim() || "#e3e6ee";
  }

  function pie(data, narrow) {
    return {
      tooltip: { trigger: "item", formatter: "{b}: {c} %" },
      legend: { type: "scroll", bottom: 0, textStyle: { color: textColor() } },
      series: [
        {
          type: "pie",
          radius: ["30%", "56%"],
          center: ["50%", "45%"],
          data: data,
          // On a phone the labels would run off the chart: the legend and the tooltip name the slices.
          label: { show: !narrow, formatter: "{b} {c}%", color: textColor(), overflow: "none" },
        },
      ],
    };
  }

  function line(data) {
    const benchmark = data.benchmark + " (price)";
    const series = [{ name: "Portfolio", type: "line", showSymbol: false, data: data.portfolio }];
    if (data.benchmark_growth.some(function (level) { return level !== null; })) {
      series.push({ name: benchmark, type: "line", showSymbol: false, data: data.benchmark_growth });
    }
    return {
      tooltip: { trigger: "axis" },
      legend: { data: series.map(function (s) { return s.name; }), textStyle: { color: textColor() } },
      grid: { left: 50, right: 20, top: 40, bottom: 60 },
      xAxis: { type: "category", data: data.dates, axisLabel: { color: textColor() } },
      yAxis: {
        type: "value",
        scale: true,
        axisLabel: { color: textColor() },
        splitLine: { lineStyle: { color: gridColor() } },
      },
      dataZoom: [{ type: "inside" }, { type: "slider" }],
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
      window.QV.chart(element).setOption(kind === "growth" ? line(data) : pie(data[kind], element.clientWidth < 360));
    });
  }

  window.QV.each("[data-shared-charts]", draw);
})();
