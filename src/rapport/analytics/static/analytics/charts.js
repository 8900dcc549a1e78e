// Draws the analytics overview's charts with ECharts (pages.js reads the page's JSON data block).
window.rapportCharts("analytics-data", function (data, chart) {
  "use strict";
  var labels = data.labels;
  chart("segments", {
    tooltip: { trigger: "axis" },
    legend: { data: [labels.customers, labels.revenue], top: 0 },
    grid: { left: 120, right: 30, top: 36, bottom: 24 },
    xAxis: [{ type: "value", name: labels.customers }, { type: "value", name: labels.revenue, show: false }],
    yAxis: { type: "category", data: data.segments.labels, inverse: true },
    series: [
      { name: labels.customers, type: "bar", data: data.segments.customers, itemStyle: { color: "#2f5bd3" } },
      { name: labels.revenue, type: "bar", xAxisIndex: 1, data: data.segments.revenue, itemStyle: { color: "#18794e" } }
    ]
  });
  chart("arpu", {
    tooltip: { trigger: "axis" },
    grid: { left: 60, right: 20, top: 20, bottom: 30 },
    xAxis: { type: "category", data: data.arpu.months },
    yAxis: { type: "value" },
    series: [{ name: labels.arpu, type: "line", data: data.arpu.values, smooth: true, itemStyle: { color: "#2f5bd3" } }]
  });
  chart("cohorts", {
    tooltip: { formatter: function (p) { return data.cohorts.rows[p.value[1]] + " +" + p.value[0] + ": " + p.value[2] + "%"; } },
    grid: { left: 70, right: 90, top: 10, bottom: 50 },
    xAxis: { type: "category", data: data.cohorts.columns, name: labels.months_since, nameLocation: "middle", nameGap: 30 },
    yAxis: { type: "category", data: data.cohorts.rows, inverse: true },
    visualMap: { min: 0, max: 100, orient: "vertical", right: 10, top: "middle", itemHeight: 140, calculable: false, inRange: { color: ["#f1f5fe", "#2f5bd3"] } },
    series: [{ type: "heatmap", data: data.cohorts.cells, label: { show: true, formatter: function (p) { return p.value[2] + "%"; }, fontSize: 10 } }]
  });
});
