/* Forecast fan chart: the last year of closes, then the forecast and its interval for each timeframe.
 *
 * Each element with data-forecast-chart='JSON' is drawn from that attribute's JSON (an attribute,
 * because htmx drops <script> elements from swapped fragments): {symbol, history: [[date, close]], origin: {date, price} | null,
 * fan: [{date, timeframe, point, lower, upper}], level}. Needs ECharts (static/vendor) loaded first.
 */
(function () {
  "use strict";

  function cssVar(name, fallback) {
    const value = getComputedStyle(document.documentElement).getPropertyValue(name).trim();
    return value || fallback;
  }

  function draw(element) {
    if (!window.echarts || element.dataset.drawn) return;
    const data = JSON.parse(element.dataset.forecastChart || "null");
    if (!data) return;
    element.dataset.drawn = "1";

    const history = cssVar("--qv-chart-1", "#4338ca");
    const forecast = cssVar("--qv-chart-2", "#d97706");
    const text = cssVar("--qv-text-muted", "#5b6478");
    const series = [
      { name: "Close", type: "line", data: data.history, showSymbol: false, lineStyle: { width: 1.5, color: history } },
    ];

    if (data.origin && data.fan.length) {
      const start = [data.origin.date, data.origin.price];
      const upper = [start].concat(data.fan.map(function (f) { return [f.date, f.upper]; }));
      const lower = [start].concat(data.fan.map(function (f) { return [f.date, f.lower]; }));
      const percent = Math.round(100 * data.level);
      series.push({
        name: percent + "% interval",
        type: "custom",
        // One item at the forecast origin (real coordinates, so the axes are not stretched).
        data: [start],
        silent: true,
        z: 1,
        renderItem: function (params, api) {
          const points = upper.concat(lower.slice().reverse()).map(function (p) {
            return api.coord([new Date(p[0]).getTime(), p[1]]);
          });
          return { type: "polygon", shape: { points: points }, style: { fill: forecast, opacity: 0.18 } };
        },
      });
      series.push({
        name: "Interval bounds",
        type: "line",
        data: upper,
        showSymbol: false,
        lineStyle: { width: 1, type: "dashed", color: forecast },
        itemStyle: { color: forecast },
      });
      series.push({
        name: "Interval bounds",
        type: "line",
        data: lower,
        showSymbol: false,
        lineStyle: { width: 1, type: "dashed", color: forecast },
        itemStyle: { color: forecast },
      });
      series.push({
        name: "Forecast",
        type: "line",
        data: [start].concat(data.fan.map(function (f) { return { value: [f.date, f.point], timeframe: f.timeframe }; })),
        symbolSize: 7,
        lineStyle: { width: 2, color: forecast },
        itemStyle: { color: forecast },
        label: {
          show: true,
          position: "top",
          color: text,
          formatter: function (p) { return p.data.timeframe || ""; },
        },
        labelLayout: { hideOverlap: true },
      });
    }

    const chart = window.QV.chart(element);
    const narrow = window.QV.narrow(element);
    chart.setOption({
      animation: false,
      // The legend above the plot, the axis name beside the labels: neither sits on the other.
      grid: { left: narrow ? 44 : 56, right: narrow ? 12 : 24, top: 56, bottom: 32 },
      legend: { data: ["Close", "Forecast", "Interval bounds"], top: 0, left: 0 },
      tooltip: { trigger: "axis", valueFormatter: function (v) { return v == null ? "" : window.QV.format.money(v); } },
      xAxis: { type: "time", axisLabel: { hideOverlap: true } },
      yAxis: {
        type: "value",
        scale: true,
        name: data.symbol + (data.currency ? " (" + data.currency + ")" : ""),
        nameGap: 12,
        nameTextStyle: { align: "left", padding: [0, 0, 0, narrow ? -36 : -48] },
        axisLabel: { formatter: window.QV.format.axis },
      },
      series: series,
    });
  }

  window.QV.each("[data-forecast-chart]", draw);
})();
