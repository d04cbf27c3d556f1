// Draws the history page's daily totals, moving average and target from the page's
// json_script payload (#history-chart-data). The table on the page holds the same numbers.
(function () {
  "use strict";
  var canvas = document.getElementById("history-chart");
  var source = document.getElementById("history-chart-data");
  if (!canvas || !source || typeof Chart === "undefined" || !window.MgCharts) {
    return;
  }
  var data = JSON.parse(source.textContent);
  var C = window.MgCharts.colours;
  var target = window.MgCharts.lastValue(data.target);

  new Chart(canvas, {
    data: {
      labels: data.labels,
      datasets: [
        {
          type: "bar",
          label: "Daily total, food and supplements (mg)",
          data: data.total,
          order: 3,
          backgroundColor: data.flagged.map(function (f) { return f ? C.flagged : C.total; })
        },
        window.MgCharts.flaggedLegend({ backgroundColor: C.flagged, order: 4 }),
        {
          type: "line",
          label: "7-day moving average (mg)",
          data: data.moving_average,
          order: 1,
          borderColor: C.average,
          backgroundColor: C.average,
          borderWidth: 2,
          pointRadius: 0,
          tension: 0.2,
          fill: false
        },
        {
          type: "line",
          label: target === null ? "Target" : "Target (" + target + " mg)",
          endLabel: target === null ? "" : "Target " + target,
          data: data.target,
          order: 2,
          borderColor: C.target,
          backgroundColor: C.target,
          borderDash: [8, 4],
          borderWidth: 2,
          pointRadius: 0,
          fill: false
        }
      ]
    },
    plugins: [window.MgCharts.lineLabels],
    options: {
      responsive: true,
      animation: window.MgCharts.animation,
      aspectRatio: window.innerWidth < 576 ? 1.2 : 2.5,
      interaction: { mode: "index", intersect: false },
      scales: {
        y: { beginAtZero: true, title: { display: true, text: "mg elemental magnesium" } }
      },
      plugins: {
        legend: { position: "bottom" },
        tooltip: {
          callbacks: {
            afterBody: function (items) {
              return items.length && data.flagged[items[0].dataIndex] ? "⚠ a warning on this day" : "";
            }
          }
        }
      }
    }
  });
})();
