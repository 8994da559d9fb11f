/* Portfolio page charts (Apache ECharts, vendored). Data comes from the data-portfolio-charts
 * attribute (JSON); QV.onLoad re-runs this for the performance fragment htmx swaps in.
 */
(function () {
  "use strict";

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

  function draw(container) {
    const data = JSON.parse(container.dataset.portfolioCharts);
    container.querySelectorAll("[data-chart]").forEach(function (element) {
      if (!window.echarts) {
        element.textContent = "Charts need the ECharts library, which did not load.";
        return;
      }
      const kind = element.dataset.chart;
      const empty = kind === "value" ? !data.dates.length : !data[kind].length;
      if (empty) {
        const previous = window.echarts.getInstanceByDom(element);
        if (previous) previous.dispose();
        element.textContent = kind === "value" ? "No history yet." : "No priced holdings yet.";
        return;
      }
      window.QV.chart(element).setOption(kind === "value" ? line(data) : pie(data[kind], data.currency));
    });
  }

  window.QV.each("[data-portfolio-charts]", draw);

})();
