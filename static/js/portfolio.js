/* Portfolio page charts (Apache ECharts, vendored; theme from app.js). Data comes from the
 * data-portfolio-charts attribute (JSON); QV.onLoad re-runs this for the performance fragment htmx
 * swaps in.
 */
(function () {
  "use strict";

  const fmt = window.QV.format;

  function money(value, currency) {
    return fmt.money(value, 0) + " " + currency;
  }

  function line(data, narrow) {
    const names = ["Portfolio", "Same purchases in " + data.benchmark];
    return {
      tooltip: {
        trigger: "axis",
        valueFormatter: function (v) { return money(v, data.currency); },
      },
      legend: { data: names, top: 0, left: 0 },
      grid: { left: narrow ? 48 : 64, right: 16, top: 56, bottom: 64 },
      xAxis: { type: "category", data: data.dates, axisLabel: { hideOverlap: true } },
      yAxis: {
        type: "value",
        scale: true,
        name: data.currency,
        nameLocation: "end",
        nameGap: 12,
        nameTextStyle: { align: "left", padding: [0, 0, 0, narrow ? -40 : -56] },
        axisLabel: { formatter: fmt.axis },
      },
      dataZoom: [{ type: "inside" }, { type: "slider", height: 20, bottom: 8 }],
      series: [
        { name: names[0], type: "line", showSymbol: false, data: data.value },
        { name: names[1], type: "line", showSymbol: false, data: data.benchmark_value },
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
      const narrow = window.QV.narrow(element);
      const option =
        kind === "value"
          ? line(data, narrow)
          : window.QV.donut(element, data[kind], { value: function (v) { return money(v, data.currency); } });
      window.QV.chart(element).setOption(option);
    });
  }

  window.QV.each("[data-portfolio-charts]", draw);
})();
