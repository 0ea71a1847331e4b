/* Draws the dashboard's charts with the vendored Chart.js (static/analytics/vendor/, no CDN): each
   <canvas data-chart="ID"> reads its data from the JSON <script id="ID"> beside it. Colours are the
   Okabe–Ito palette (distinguishable with the common colour-vision deficiencies); every chart has the
   same figures in a table below it. */
(function () {
  "use strict";
  const PALETTE = ["#0072B2", "#E69F00", "#009E73", "#CC79A7", "#56B4E9", "#D55E00"];
  function draw(canvas) {
    const source = document.getElementById(canvas.dataset.chart);
    if (!source || typeof window.Chart === "undefined") return;
    const data = JSON.parse(source.textContent);
    data.datasets.forEach(function (set, i) {
      set.backgroundColor = PALETTE[i % PALETTE.length];
      set.borderColor = PALETTE[i % PALETTE.length];
    });
    const suffix = data.percent ? " %" : "";
    new window.Chart(canvas, {
      type: "bar",
      data: {labels: data.labels, datasets: data.datasets},
      options: {
        responsive: true, maintainAspectRatio: false, animation: false,
        scales: {y: {beginAtZero: true, ticks: {callback: function (v) { return v + suffix; }}}},
        plugins: {legend: {position: "bottom"}},
      },
    });
  }
  document.addEventListener("DOMContentLoaded", function () {
    document.querySelectorAll("canvas[data-chart]").forEach(draw);
  });
})();
