// Draws the week page's stacked bars from the page's json_script payload (#week-chart-data).
// The table under the chart holds the same numbers; without this script the page still reads.
(function () {
  "use strict";
  var canvas = document.getElementById("week-chart");
  var source = document.getElementById("week-chart-data");
  if (!canvas || !source || typeof Chart === "undefined" || !window.MgCharts) {
    return;
  }
  var data = JSON.parse(source.textContent);
  var C = window.MgCharts.colours;
  var flagColour = C.flagged;
  var target = window.MgCharts.lastValue(data.target);
  var ul = window.MgCharts.lastValue(data.ul);

  // Each line is its own stack: with stacked scales Chart.js would otherwise add the target
  // and the UL on top of the bars.
  var datasets = [
    {
      type: "bar",
      label: "Supplements and medications (mg)",
      data: data.supplemental,
      stack: "intake",
      order: 2,
      backgroundColor: C.supplements,
      borderColor: data.flagged.map(function (f) { return f ? flagColour : C.supplements; }),
      borderWidth: data.flagged.map(function (f) { return f ? 3 : 0; })
    },
    {
      type: "bar",
      label: "Food (mg)",
      data: data.food,
      stack: "intake",
      order: 2,
      backgroundColor: C.food,
      borderColor: data.flagged.map(function (f) { return f ? flagColour : C.food; }),
      borderWidth: data.flagged.map(function (f) { return f ? 3 : 0; })
    },
    window.MgCharts.flaggedLegend({
      stack: "intake", backgroundColor: "#ffffff", borderColor: flagColour, borderWidth: 3
    }),
    {
      type: "line",
      label: target === null ? "Target (total)" : "Target " + target + " mg (total)",
      endLabel: target === null ? "" : "Target " + target,
      data: data.target,
      stack: "target",
      order: 1,
      borderColor: C.target,
      backgroundColor: C.target,
      borderDash: [8, 4],
      borderWidth: 2,
      pointRadius: 0,
      fill: false
    },
    {
      type: "line",
      label: ul === null ? "Upper limit (supplements only)" : "Upper limit " + ul + " mg (supplements only)",
      endLabel: ul === null ? "" : "Limit " + ul,
      data: data.ul,
      stack: "ul",
      order: 1,
      borderColor: C.limit,
      backgroundColor: C.limit,
      borderDash: [2, 3],
      borderWidth: 3,
      pointRadius: 0,
      fill: false
    }
  ];

  new Chart(canvas, {
    data: { labels: data.labels, datasets: datasets },
    plugins: [window.MgCharts.lineLabels],
    options: {
      responsive: true,
      animation: window.MgCharts.animation,
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
