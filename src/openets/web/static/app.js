// OpenETS dashboard: draws the ECharts charts whose options the server rendered as JSON.
//
// A chart container names its options block: <div data-chart="ID"> + <script type=
// "application/json" id="ID">. Once ECharts has drawn it, the container gets data-ready="1"
// (browser tests wait for that). Charts inside content swapped in by HTMX are drawn too.
(function () {
  "use strict";

  var lang = (document.documentElement.lang || "en").toLowerCase();
  var numbers = new Intl.NumberFormat(lang.indexOf("zh") === 0 ? "zh-CN" : "en-US", {
    maximumFractionDigits: 0,
  });
  var charts = [];

  function formatNumber(value) {
    return typeof value === "number" ? numbers.format(value) : value;
  }

  // Functions cannot travel in JSON: add the thousands-separator formatters here.
  function withFormatters(options) {
    if (options.tooltip && !options.tooltip.valueFormatter) {
      options.tooltip.valueFormatter = formatNumber;
    }
    ["xAxis", "yAxis"].forEach(function (name) {
      var axes = options[name];
      [].concat(axes || []).forEach(function (axis) {
        if (axis.type === "value") {
          axis.axisLabel = axis.axisLabel || {};
          axis.axisLabel.formatter = axis.axisLabel.formatter || formatNumber;
        }
      });
    });
    return options;
  }

  function draw(container) {
    if (container.getAttribute("data-ready") || typeof echarts === "undefined") {
      return;
    }
    var block = document.getElementById(container.getAttribute("data-chart"));
    if (!block) {
      return;
    }
    var options = withFormatters(JSON.parse(block.textContent));
    var chart = echarts.init(container, null, {
      renderer: "canvas",
      locale: lang.indexOf("zh") === 0 ? "ZH" : "EN",
    });
    chart.on("finished", function () {
      container.setAttribute("data-ready", "1");
    });
    chart.setOption(options);
    charts.push(chart);
  }

  function drawAll(root) {
    (root || document).querySelectorAll("[data-chart]").forEach(draw);
  }

  document.addEventListener("DOMContentLoaded", function () {
    drawAll(document);
  });
  document.addEventListener("htmx:load", function (event) {
    drawAll(event.target);
  });
  window.addEventListener("resize", function () {
    charts.forEach(function (chart) {
      chart.resize();
    });
  });
})();
