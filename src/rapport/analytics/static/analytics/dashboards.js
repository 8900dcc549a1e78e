// Draws every chart of a dashboard from its JSON data block (pages.js reads it): bars, horizontal bars,
// lines, pies and the cohort heatmap, in the palette of the other analytics pages.
window.rapportCharts("dashboard-data", function (data, chart) {
  "use strict";
  var palette = ["#2f5bd3", "#c2410c", "#18794e", "#7c3aed", "#0e7490", "#a16207", "#be123c", "#4d7c0f", "#6b7280", "#9333ea"];
  function number(value) { return typeof value === "number" ? value.toLocaleString() : value; }
  data.charts.forEach(function (c) {
    if (!c.categories.length) return;
    var option;
    if (c.kind === "pie") {
      option = {
        color: palette,
        tooltip: { trigger: "item", formatter: "{b}: {c} ({d}%)" },
        legend: { type: "scroll", orient: "vertical", right: 0, top: "middle" },
        series: [{ type: "pie", radius: ["40%", "70%"], center: ["38%", "50%"], label: { show: false },
          data: c.categories.map(function (name, i) { return { name: name, value: c.series[0].data[i] }; }) }]
      };
    } else if (c.kind === "heatmap") {
      option = {
        tooltip: { formatter: function (p) { return c.rows[p.value[1]] + " +" + p.value[0] + ": " + p.value[2] + "%"; } },
        grid: { left: 70, right: 90, top: 10, bottom: 30 },
        xAxis: { type: "category", data: c.categories },
        yAxis: { type: "category", data: c.rows, inverse: true },
        visualMap: { min: 0, max: 100, orient: "vertical", right: 10, top: "middle", itemHeight: 140, inRange: { color: ["#f1f5fe", "#2f5bd3"] } },
        series: [{ type: "heatmap", data: c.series[0].data, label: { show: true, formatter: function (p) { return p.value[2] + "%"; }, fontSize: 10 } }]
      };
    } else {
      var horizontal = c.kind === "hbar";
      var category = { type: "category", data: c.categories, inverse: horizontal, axisLabel: { hideOverlap: true, width: 140, overflow: "truncate" } };
      var value = { type: "value", axisLabel: { formatter: c.unit === "percent" ? "{value}%" : number } };
      option = {
        color: palette,
        tooltip: { trigger: "axis", valueFormatter: number },
        legend: { show: c.series.length > 1, top: 0 },
        grid: { left: horizontal ? 150 : 60, right: 24, top: c.series.length > 1 ? 32 : 12, bottom: 30 },
        xAxis: horizontal ? value : category,
        yAxis: horizontal ? category : value,
        series: c.series.map(function (s) {
          return { name: s.name, type: s.kind || (c.kind === "line" ? "line" : "bar"), data: s.data, stack: s.stack, barMaxWidth: 36 };
        })
      };
    }
    chart(c.key, option);
  });
});
