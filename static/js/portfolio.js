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

  // A donut: labels beside the slices where there is room, hidden when they would collide; on a
  // narrow screen no side labels at all (they were clipped), the legend names each slice with its share.
  function pie(data, currency, narrow) {
    const total = data.reduce(function (sum, d) { return sum + Number(d.value); }, 0);
    const share = {};
    data.forEach(function (d) { share[d.name] = total ? Number(d.value) / total : 0; });
    return {
      tooltip: {
        trigger: "item",
        formatter: function (p) { return p.name + ": " + money(p.value, currency) + " (" + fmt.percent(p.percent / 100) + ")"; },
      },
      legend: {
        type: "plain",
        bottom: 0,
        left: "center",
        itemWidth: 12,
        itemHeight: 10,
        formatter: function (name) { return name + " " + fmt.percent(share[name]); },
      },
      series: [
        {
          type: "pie",
          radius: narrow ? ["38%", "64%"] : ["34%", "58%"],
          center: ["50%", narrow ? "40%" : "42%"],
          data: data,
          avoidLabelOverlap: true,
          label: narrow ? { show: false } : { formatter: "{b}", overflow: "truncate", width: 90 },
          labelLine: { show: !narrow, length: 10, length2: 8 },
          labelLayout: { hideOverlap: true },
        },
      ],
    };
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
      window.QV.chart(element).setOption(kind === "value" ? line(data, narrow) : pie(data[kind], data.currency, narrow));
    });
  }

  window.QV.each("[data-portfolio-charts]", draw);
})();
