// Draws the OLAP explorer's chart with ECharts from the page's JSON data block (no inline script: CSP).
(function () {
  "use strict";
  function draw() {
    var source = document.getElementById("olap-data");
    var element = document.querySelector('[data-chart="olap"]');
    if (!source || !element || !window.echarts) return;
    var data = JSON.parse(source.textContent);
    var palette = ["#2f5bd3", "#18794e", "#c2410c", "#7c3aed", "#0e7490", "#a16207", "#be123c", "#4d7c0f", "#1d4ed8", "#6b7280", "#9333ea", "#0f766e", "#94a3b8"];
    var chart = window.echarts.init(element, null, { renderer: "svg" });
    chart.setOption({
      color: palette,
      tooltip: { trigger: "axis" },
      legend: { show: data.series.length > 1, top: 0, type: "scroll" },
      grid: { left: 70, right: 20, top: data.series.length > 1 ? 36 : 16, bottom: 60 },
      xAxis: { type: "category", data: data.categories, axisLabel: { rotate: data.categories.length > 8 ? 30 : 0, hideOverlap: true } },
      yAxis: { type: "value", name: data.measure },
      series: data.series.map(function (s) {
        return { name: s.name, type: data.kind, data: s.data, smooth: data.kind === "line", stack: data.series.length > 1 ? "total" : undefined };
      })
    });
    window.addEventListener("resize", function () { chart.resize(); });
  }
  if (document.readyState === "loading") document.addEventListener("DOMContentLoaded", draw); else draw();
})();
