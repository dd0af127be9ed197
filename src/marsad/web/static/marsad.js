/* Marsad — progressive enhancement only: draw the charts described by <canvas data-chart='{"labels","values","label"}'>
   with the vendored Chart.js, loaded on first need. Runs on a full page load and after every htmx (hx-boost) swap,
   so charts appear whichever way the page was reached. Without JavaScript the numbers stay in the page as a table. */
(function () {
  "use strict";
  var CHART_SRC = "/static/vendor/chart-4.6.1.umd.min.js";
  var loading = null;

  function loadChart() {
    if (window.Chart) return Promise.resolve();
    if (!loading) {
      loading = new Promise(function (resolve, reject) {
        var s = document.createElement("script");
        s.src = CHART_SRC;
        s.onload = function () { resolve(); };
        s.onerror = function () { loading = null; reject(new Error("chart.js failed to load")); };
        document.head.appendChild(s);
      });
    }
    return loading;
  }

  function draw(el) {
    if (window.Chart.getChart(el)) return;
    var spec;
    try { spec = JSON.parse(el.getAttribute("data-chart") || "{}"); } catch (e) { return; }
    var font = getComputedStyle(document.body).getPropertyValue("--head") || "sans-serif";
    window.Chart.defaults.font.family = font;
    // One series ({"values", "label"}) or several side by side ({"series": [{"label", "values"}]}).
    var colours = ["#1f6f5c", "#b5651d", "#3b5b92", "#8e3b5b", "#6b6b2a", "#2a6b6b", "#5b3b8e", "#8e5b3b"];
    var series = spec.series || [{ label: spec.label || "", values: spec.values || [] }];
    new window.Chart(el, {
      type: "bar",
      data: {
        labels: spec.labels || [],
        datasets: series.map(function (s, i) {
          return { label: s.label || "", data: s.values || [], backgroundColor: colours[i % colours.length], maxBarThickness: 28 };
        })
      },
      options: {
        animation: false,
        maintainAspectRatio: false,
        plugins: { legend: { display: series.length > 1, rtl: true }, tooltip: { rtl: true } },
        scales: { x: { reverse: true }, y: { position: "right", beginAtZero: true, ticks: { precision: 0 } } }
      }
    });
    el.setAttribute("data-drawn", "1");
  }

  function drawAll() {
    var els = document.querySelectorAll("canvas[data-chart]:not([data-drawn])");
    if (!els.length) return;
    loadChart().then(function () { els.forEach(draw); }).catch(function () {});
  }

  if (document.readyState === "loading") document.addEventListener("DOMContentLoaded", drawAll);
  else drawAll();
  document.addEventListener("htmx:afterSettle", drawAll);
})();
