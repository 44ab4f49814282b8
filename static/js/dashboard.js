/* Leader dashboard charts (ECharts, served from our static files). Data comes from a JSON script tag. */
(function () {
  "use strict";
  var element = document.getElementById("chart-data");
  if (!element || !window.echarts) { return; }
  var data = JSON.parse(element.textContent);
  var animation = !window.navigator.webdriver;
  var red = "#a4161a";

  var months = echarts.init(document.getElementById("chart-months"));
  months.setOption({
    animation: animation,
    grid: { left: 40, right: 16, top: 24, bottom: 32 },
    tooltip: { trigger: "axis" },
    xAxis: { type: "category", data: data.months },
    yAxis: { type: "value", minInterval: 1 },
    series: [{ type: "bar", data: data.sessions, itemStyle: { color: red } }]
  });

  var children = echarts.init(document.getElementById("chart-children"));
  children.setOption({
    animation: animation,
    grid: { left: 40, right: 16, top: 32, bottom: 64 },
    tooltip: { trigger: "axis", valueFormatter: function (v) { return v + "%"; } },
    legend: { top: 0 },
    xAxis: { type: "category", data: data.children, axisLabel: { interval: 0, rotate: 30 } },
    yAxis: { type: "value", max: 100, axisLabel: { formatter: "{value}%" } },
    series: [
      { name: data.labels.attendance, type: "bar", data: data.attendance, itemStyle: { color: red } },
      { name: data.labels.coverage, type: "bar", data: data.coverage, itemStyle: { color: "#e9a23b" } }
    ]
  });
  document.documentElement.dataset.chartsReady = "1";
  window.addEventListener("resize", function () { months.resize(); children.resize(); });
}());
