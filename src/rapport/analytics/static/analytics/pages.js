// What the analytics pages' chart scripts share: once the page is loaded, read its JSON data block
// (the Content-Security-Policy allows no inline script, so the data travels as JSON), hand the script
// a `chart(name, option)` that draws into [data-chart=name] with ECharts, and resize on resize.
// When HTMX swaps in a fragment carrying a new data block (a dashboard's new period), the charts are
// drawn again from it, and the old ones disposed.
(function () {
  "use strict";
  var charts = [];
  window.addEventListener("resize", function () { charts.forEach(function (c) { c.resize(); }); });
  window.rapportCharts = function (dataId, build) {
    function draw() {
      var source = document.getElementById(dataId);
      if (!source || !window.echarts) return;
      charts = charts.filter(function (c) {
        if (document.body.contains(c.getDom())) return true;
        c.dispose();
        return false;
      });
      build(JSON.parse(source.textContent), function (name, option) {
        var element = document.querySelector('[data-chart="' + name + '"]');
        if (!element) return;
        var instance = window.echarts.init(element, null, { renderer: "svg" });
        instance.setOption(option);
        charts.push(instance);
      });
    }
    document.addEventListener("htmx:afterSettle", function (event) {
      if (event.target && event.target.querySelector && event.target.querySelector("#" + dataId)) draw();
    });
    if (document.readyState === "loading") document.addEventListener("DOMContentLoaded", draw); else draw();
  };
})();
