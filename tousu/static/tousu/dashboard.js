// The dashboard's charts (Apache ECharts), drawn from the data block the page renders with
// json_script (`<script type="application/json" id="dashboard-data">`): data, never code, so the
// Content-Security-Policy's "script-src 'self'" holds without inline script.
(function () {
  "use strict";
  var data = JSON.parse(document.getElementById("dashboard-data").textContent);
  var L = data.labels;
  var charts = [];
  function draw(name, option, rows) {
    var el = document.querySelector('[data-chart="' + name + '"]');
    if (!el || typeof echarts === "undefined") return;
    // A bar chart of many rows grows to give each its name (set through the CSSOM, which the
    // Content-Security-Policy allows) rather than ECharts leaving every other one unnamed.
    if (rows) el.style.height = Math.max(el.clientHeight, rows * 22 + 48) + "px";
    var chart = echarts.init(el);
    // Tooltips drawn on the canvas: ECharts' HTML tooltips are markup with style attributes,
    // which the Content-Security-Policy ("style-src 'self'") refuses.
    option.tooltip = Object.assign({renderMode: "richText"}, option.tooltip);
    chart.setOption(Object.assign({animation: false}, option));
    // Every item carries its drill-down URL: the script only navigates.
    chart.on("click", function (p) { if (p.data && p.data.url) window.location.href = p.data.url; });
    el.setAttribute("data-rendered", "true");
    charts.push(chart);
  }
  function bars(items, withPrevious) {
    var series = [{name: L.current, type: "bar", data: items, cursor: "pointer"}];
    if (withPrevious) {
      series.push({name: L.previous, type: "bar", data: items.map(function (i) {
        return {value: i.previous, url: i.url};
      })});
    }
    return {
      grid: {left: 8, right: 16, top: withPrevious ? 28 : 8, bottom: 8, containLabel: true},
      legend: withPrevious ? {data: [L.current, L.previous]} : undefined,
      tooltip: {trigger: "axis"},
      xAxis: {type: "value", minInterval: 1},
      yAxis: {type: "category", inverse: true, axisLabel: {interval: 0},
              data: items.map(function (i) { return i.name; })},
      series: series
    };
  }
  var t = data.trend;
  draw("trend", {
    grid: {left: 8, right: 16, top: 28, bottom: 8, containLabel: true},
    legend: {data: [L.current, L.previous]},
    tooltip: {trigger: "axis"},
    xAxis: {type: "category", data: t.days},
    yAxis: {type: "value", minInterval: 1},
    series: [
      {name: L.current, type: "line", data: t.current, symbolSize: 7, cursor: "pointer"},
      {name: L.previous, type: "line", data: t.previous, symbolSize: 5,
       lineStyle: {type: "dashed"}, cursor: "pointer"}
    ]
  });
  draw("category", bars(data.category, false), data.category.length);
  draw("channel", {
    tooltip: {trigger: "item"},
    series: [{type: "pie", radius: ["35%", "65%"], name: L.complaints, data: data.channel}]
  });
  var byRegion = bars(data.region, true);
  // 万投比 beside each region's bar: regions serve different numbers of customers.
  byRegion.series[0].label = {show: true, position: "right", formatter: function (p) {
    return p.data.per_10k == null ? "" : L.per_10k + " " + p.data.per_10k.toFixed(2);
  }};
  byRegion.grid.right = 96;  // room for the 万投比 label right of the longest bar
  draw("region", byRegion, data.region.length * (1 + 0.6));
  draw("backlog", {
    grid: {left: 8, right: 16, top: 8, bottom: 8, containLabel: true},
    tooltip: {trigger: "axis"},
    xAxis: {type: "category", data: data.backlog.map(function (b) { return b.name; })},
    yAxis: {type: "value", minInterval: 1},
    series: [{type: "bar", name: L.complaints, data: data.backlog.map(function (b, i) {
      return {value: b.value, url: b.url, itemStyle: {color: ["#b42318", "#d97706", "#ca8a04", "#2563a8"][i]}};
    })}]
  });
  // Importance × performance (R8.3): the quadrants split at the average importance and the
  // average factor mean, each labelled with its S2 name.
  var d = data.drivers;
  if (d && d.points.length) {
    var q = d.quadrants;
    var area = function (name, x0, y0, x1, y1) {
      return [{name: name, xAxis: x0, yAxis: y0}, {xAxis: x1, yAxis: y1}];
    };
    draw("drivers", {
      grid: {left: 8, right: 24, top: 36, bottom: 28, containLabel: true},
      tooltip: {trigger: "item", formatter: function (p) {
        return p.data.name + "\n" + d.labels.importance + " " + (p.data.value[0] * 100).toFixed(1) +
          "%\n" + d.labels.mean + " " + p.data.value[1].toFixed(2);
      }},
      xAxis: {type: "value", name: d.labels.importance, nameLocation: "middle", nameGap: 22,
              min: 0, max: d.x_max, axisLabel: {formatter: function (v) { return Math.round(v * 100) + "%"; }}},
      yAxis: {type: "value", name: d.labels.mean, nameTextStyle: {align: "left"},
              min: d.y_min, max: d.y_max},
      series: [{
        type: "scatter", symbolSize: 14, data: d.points,
        label: {show: true, position: "right", formatter: function (p) { return p.data.name; }},
        markArea: {silent: true, label: {position: "insideTop", color: "#667085"},
          itemStyle: {color: "rgba(0,0,0,0)"},
          data: [
            area(q.strength, d.x_mid, d.y_mid, d.x_max, d.y_max),
            area(q.fix, d.x_mid, d.y_min, d.x_max, d.y_mid),
            area(q.maintain, 0, d.y_mid, d.x_mid, d.y_max),
            area(q.opportunity, 0, d.y_min, d.x_mid, d.y_mid)
          ]},
        markLine: {silent: true, symbol: "none", lineStyle: {type: "dashed", color: "#98a2b3"},
          label: {show: false}, data: [{xAxis: d.x_mid}, {yAxis: d.y_mid}]}
      }]
    });
  }
  window.addEventListener("resize", function () { charts.forEach(function (c) { c.resize(); }); });
})();
