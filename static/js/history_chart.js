// Draws the history page's daily totals, moving average and target from the page's
// json_script payload (#history-chart-data). The table on the page holds the same numbers.
(function () {
  "use strict";
  var canvas = document.getElementById("history-chart");
  var source = document.getElementById("history-chart-data");
  if (!canvas || !source || typeof Chart === "undefined") {
    return;
  }
  var data = JSON.parse(source.textContent);
  var flagColour = "#dc3545";

  new Chart(canvas, {
    data: {
      labels: data.labels,
      datasets: [
        {
          type: "bar",
          label: "Daily total (mg)",
          data: data.total,
          order: 3,
          backgroundColor: data.flagged.map(function (f) { return f ? flagColour : "#8fb8f0"; })
        },
        {
          type: "line",
          label: "7-day moving average (mg)",
          data: data.moving_average,
          order: 1,
          borderColor: "#6f42c1",
          backgroundColor: "#6f42c1",
          pointRadius: 0,
          tension: 0.2,
          fill: false
        },
        {
          type: "line",
          label: "Target (mg)",
          data: data.target,
          order: 2,
          borderColor: "#198754",
          backgroundColor: "#198754",
          borderDash: [6, 4],
          pointRadius: 0,
          fill: false
        }
      ]
    },
    options: {
      responsive: true,
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
