/* Dashboard charts (Apache ECharts, vendored): total value against the same purchases in the
 * benchmark, sliced to the chosen period (1M, 3M, YTD, 1Y, Max, counted back from the market
 * date), and the allocation by asset. Data comes from data- attributes (JSON).
 */
(function () {
  "use strict";

  function startOf(period, end) {
    const day = new Date(end + "T00:00:00Z");
    if (period === "Max") return null;
    if (period === "YTD") return end.slice(0, 4) + "-01-01";
    const months = { "1M": 1, "3M": 3, "1Y": 12 }[period];
    day.setUTCMonth(day.getUTCMonth() - months);
    return day.toISOString().slice(0, 10);
  }

  function slice(data, period, end) {
    const start = startOf(period, end);
    let first = 0;
    if (start) {
      while (first < data.dates.length && data.dates[first] < start) first += 1;
    }
    return {
      dates: data.dates.slice(first),
      value: data.value.slice(first),
      benchmark: data.benchmark ? data.benchmark.slice(first) : null,
      label: data.benchmark_label,
    };
  }

  function line(part) {
    const series = [{ name: "Your holdings", type: "line", showSymbol: false, data: part.value }];
    if (part.benchmark) series.push({ name: part.label, type: "line", showSymbol: false, data: part.benchmark });
    return {
      tooltip: { trigger: "axis" },
      legend: { top: 0, left: 0 },
      grid: { left: 8, right: 16, top: 40, bottom: 24, containLabel: true },
      xAxis: { type: "category", data: part.dates, axisLabel: { hideOverlap: true } },
      yAxis: { type: "value", scale: true, axisLabel: { formatter: window.QV.format.axis } },
      series: series,
    };
  }

  function draw(container) {
    if (!window.echarts) {
      container.textContent = "Charts need the ECharts library, which did not load.";
      return;
    }
    const data = JSON.parse(container.dataset.dashboardCharts);
    const end = container.dataset.marketDate;
    const element = container.querySelector('[data-chart="value"]');
    const buttons = document.querySelectorAll("[data-periods] [data-period]");
    function show(period) {
      let part = slice(data, period, end);
      if (part.dates.length < 2) part = slice(data, "Max", end);
      window.QV.chart(element).setOption(line(part), true);
      buttons.forEach(function (button) {
        button.setAttribute("aria-pressed", button.dataset.period === period ? "true" : "false");
      });
    }
    buttons.forEach(function (button) {
      button.addEventListener("click", function () {
        show(button.dataset.period);
      });
    });
    show("1Y");
    const allocation = document.querySelector('[data-chart="allocation"]');
    if (allocation && container.dataset.allocation) {
      const assets = JSON.parse(container.dataset.allocation).assets;
      window.QV.chart(allocation).setOption(window.QV.donut(allocation, assets, { value: window.QV.format.axis }));
    }
  }

  window.QV.each("[data-dashboard-charts]", draw);
})();
