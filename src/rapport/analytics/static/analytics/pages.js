// What the analytics pages' chart scripts share: once the page is loaded, read its JSON data block
// (the Content-Security-Policy allows no inline script, so the data travels as JSON), hand the script
// a `chart(name, option)` that draws into [data-chart=name] with ECharts, and resize on resize.
(function () {
  "use strict";
  window.rapportCharts = function (dataId, build) {
    function draw() {
      var source = document.getElementById(dataId);
      if (!source || !window.echarts) return;
      var charts = [];
      build(JSON.parse(source.textContent), function (name, option) {
        var element = document.querySelector('[data-chart="' + name + '"]');
        if (!element) return;
        var instance = window.echarts.init(element, null, { renderer: "svg" });
        instance.setOption(option);
        charts.push(instance);
      });
      window.addEventListener("resize", function () { charts.forEach(function (c) { c.resize(); }); });
    }
    if (document.readyState === "loading") document.addEventListener("DOMContentLoaded", draw); else draw();
  };
})();
