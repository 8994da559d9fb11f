/* Portfolio page charts (Apache ECharts, vendored). Data comes from the data-portfolio-charts
 * attribute (JSON); QV.onLoad re-runs this for the performance fragment htmx swaps in.
 */
(function () {
  "use strict";

  const charts = new Map();

  function money(value, currency) {
    return Number(value).toLocaleString(undefined, { maximumFractionDigits: 0 }) + " " + currency;
  }

  // Text in the page's colours (readable in dark mode too); ECharts defaults to dark grey.
  function textColor() {
    return getComputedStyle(document.documentElement).getPropertyValue("--qv-text-muted").trim() || "#5b6478";
  }

  function pie(data, currency) {
    return {
      tooltip: {
        trigger: "item",
        formatter: function (p) {
          return p.name + ": " + money(p.value, currency) + " (" + p.percent.toFixed(1) + " %)";
        },
      },
      legend: { type: "scroll", bottom: 0, textStyle: { color: textColor() } },
      // One line per label: a two-line label sat across its own label line.
      series: [
        {
          type: "pie",
          radius: ["30%", "56%"],
          center: ["50%", "45%"],
          data: data,
          label: { formatter: "{b} {d}%", color: textColor(), overflow: "none" },
        },
      ],
    };
  }

  function line(data) {
    return {
      tooltip: { trigger: "axis" },
      legend: { data: ["Portfolio", "Same purchases in " + data.benchmark], textStyle: { color: textColor() } },
      grid: { left: 70, right: 20, top: 40, bottom: 60 },
      xAxis: { type: "category", data: data.dates, axisLabel: { color: textColor() } },
      yAxis: { type: "value", scale: true, name: data.currency, nameTextStyle: { color: textColor() }, axisLabel: { color: textColor() } },
      dataZoom: [{ type: "inside" }, { type: "slider" }],
      series: [
        { name: "Portfolio", type: "line", showSymbol: false, data: data.value },
        { name: "Same purchases in " + data.benchmark, type: "line", showSymbol: false, data: data.benchmark_value },
      ],
    };
  }

  function forgetDetached() {
    charts.forEach(function (chart, element) {
      if (!document.body.contains(element)) {
        chart.dispose();
        charts.delete(element);
      }
    });
  }

  function draw(container) {
    forgetDetached();
    const data = JSON.parse(container.dataset.portfolioCharts);
    container.querySelectorAll("[data-chart]").forEach(function (element) {
      if (!window.echarts) {
        element.textContent = "Charts need the ECharts library, which did not load.";
        return;
      }
      const previous = charts.get(element);
      if (previous) previous.dispose();
      const chart = window.echarts.init(element);
      const kind = element.dataset.chart;
      if (kind === "value") {
        if (!data.dates.length) {
          element.textContent = "No history yet.";
          chart.dispose();
          return;
        }
        chart.setOption(line(data));
      } else {
        if (!data[kind].length) {
          element.textContent = "No priced holdings yet.";
          chart.dispose();
          return;
        }
        chart.setOption(pie(data[kind], data.currency));
      }
      charts.set(element, chart);
    });
  }

  window.QV.onLoad(function (root) {
    const scope = root.querySelectorAll ? root : document;
    if (scope.matches && scope.matches("[data-portfolio-charts]")) draw(scope);
    scope.querySelectorAll("[data-portfolio-charts]").forEach(draw);
  });

  window.addEventListener("resize", function () {
    charts.forEach(function (chart) {
      chart.resize();
    });
  });
})();
