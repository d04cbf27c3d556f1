// Draws the week page's stacked bars from the page's json_script payload (#week-chart-data).
// The table under the chart holds the same numbers; without this script the page still reads.
(function () {
  "use strict";
  var canvas = document.getElementById("week-chart");
  var source = document.getElementById("week-chart-data");
  if (!canvas || !source || typeof Chart === "undefined") {
    return;
  }
  var data = JSON.parse(source.textContent);
  var flagColour = "#dc3545";

  // Each line is its own stack: with stacked scales Chart.js would otherwise add the target
  // and the UL on top of the bars.
  var datasets = [
    {
      type: "bar",
      label: "Supplements and medications (mg)",
      data: data.supplemental,
      stack: "intake",
      order: 2,
      backgroundColor: "#6f42c1",
      borderColor: data.flagged.map(function (f) { return f ? flagColour : "#6f42c1"; }),
      borderWidth: data.flagged.map(function (f) { return f ? 3 : 0; })
    },
    {
      type: "bar",
      label: "Food (mg)",
      data: data.food,
      stack: "intake",
      order: 2,
      backgroundColor: "#20c997",
      borderColor: data.flagged.map(function (f) { return f ? flagColour : "#20c997"; }),
      borderWidth: data.flagged.map(function (f) { return f ? 3 : 0; })
    },
    {
      type: "line",
      label: "Target (total)",
      data: data.target,
      stack: "target",
      order: 1,
      borderColor: "#0d6efd",
      backgroundColor: "#0d6efd",
      borderDash: [6, 4],
      pointRadius: 2,
      fill: false
    },
    {
      type: "line",
      label: "Upper limit (supplements only)",
      data: data.ul,
      stack: "ul",
      order: 1,
      borderColor: flagColour,
      backgroundColor: flagColour,
      borderDash: [2, 3],
      pointRadius: 2,
      fill: false
    }
  ];

  new Chart(canvas, {
    data: { labels: data.labels, datasets: datasets },
    options: {
      responsive: true,
      aspectRatio: window.innerWidth < 576 ? 1.2 : 2.2,
      scales: {
        x: { stacked: true },
        y: { stacked: true, beginAtZero: true, title: { display: true, text: "mg elemental magnesium" } }
      },
      plugins: {
        legend: { position: "bottom" },
        tooltip: {
          callbacks: {
            afterBody: function (items) {
              if (!items.length) { return ""; }
              var i = items[0].dataIndex;
              var lines = ["Total: " + data.total[i] + " mg"];
              data.flags[i].forEach(function (title) { lines.push("⚠ " + title); });
              return lines;
            }
          }
        }
      }
    }
  });
})();
