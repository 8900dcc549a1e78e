// Draws the churn page's charts (lift, calibration, feature importance) (pages.js reads its JSON data block).
window.rapportCharts("churn-data", function (data, chart) {
  "use strict";
  var labels = data.labels;
  chart("lift", {
    tooltip: { trigger: "axis" },
    grid: { left: 50, right: 20, top: 20, bottom: 45 },
    xAxis: { type: "category", data: data.lift.deciles, name: labels.decile, nameLocation: "middle", nameGap: 28 },
    yAxis: { type: "value", name: labels.lift },
    series: [
      { name: labels.lift, type: "bar", data: data.lift.values, itemStyle: { color: "#c2410c" },
        markLine: { symbol: "none", silent: true, data: [{ yAxis: 1 }], lineStyle: { color: "#6b7280", type: "dashed" }, label: { show: false } } }
    ]
  });
  chart("calibration", {
    tooltip: { formatter: function (p) { return p.seriesName + ": " + p.value[0] + " → " + p.value[1]; } },
    legend: { top: 0 },
    grid: { left: 50, right: 20, top: 36, bottom: 45 },
    xAxis: { type: "value", min: 0, max: 1, name: labels.predicted, nameLocation: "middle", nameGap: 28 },
    yAxis: { type: "value", min: 0, max: 1, name: labels.observed },
    series: [
      { name: labels.perfect, type: "line", data: [[0, 0], [1, 1]], symbol: "none", lineStyle: { color: "#9ca3af", type: "dashed" } },
      { name: labels.observed, type: "line", data: data.calibration, itemStyle: { color: "#2f5bd3" },
        symbolSize: function (v) { return Math.max(6, Math.min(22, Math.sqrt(v[2]) * 1.5)); } }
    ]
  });
  chart("importance", {
    tooltip: { trigger: "axis" },
    grid: { left: 230, right: 30, top: 10, bottom: 40 },
    xAxis: { type: "value", name: labels.importance, nameLocation: "middle", nameGap: 26 },
    yAxis: { type: "category", data: data.importance.features, inverse: true },
    series: [{ name: labels.importance, type: "bar", data: data.importance.values, itemStyle: { color: "#2f5bd3" } }]
  });
});
