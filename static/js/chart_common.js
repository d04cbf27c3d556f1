// What both charts share: one colour, one meaning (the day page's bar uses the same), no
// slow animation (none under prefers-reduced-motion), and labels at the end of the target
// and upper-limit lines so they are told apart without the legend.
window.MgCharts = (function () {
  "use strict";
  var colours = {
    supplements: "#0d6efd",  // blue: supplements and medications, everywhere
    food: "#198754",         // green: food
    total: "#9ec5fe",        // light blue: a day's total (history)
    average: "#fd7e14",      // orange: the moving average
    target: "#212529",       // near-black dashes: the target
    limit: "#b02a37",        // dark red dots: the upper limit
    flagged: "#dc3545"       // red: a day with a warning
  };
  var reduced = window.matchMedia && window.matchMedia("(prefers-reduced-motion: reduce)").matches;
  var animation = reduced ? false : { duration: 200 };

  function lastValue(values) {
    for (var i = values.length - 1; i >= 0; i--) {
      if (values[i] !== null && values[i] !== undefined) { return values[i]; }
    }
    return null;
  }

  // Writes each labelled line's name just above its last point.
  var lineLabels = {
    id: "lineLabels",
    afterDatasetsDraw: function (chart) {
      var ctx = chart.ctx;
      chart.data.datasets.forEach(function (dataset, index) {
        if (!dataset.endLabel || !chart.isDatasetVisible(index)) { return; }
        var points = chart.getDatasetMeta(index).data;
        for (var i = points.length - 1; i >= 0; i--) {
          if (dataset.data[i] === null || dataset.data[i] === undefined) { continue; }
          ctx.save();
          ctx.font = "600 12px system-ui, sans-serif";
          ctx.fillStyle = dataset.borderColor;
          ctx.textAlign = "right";
          ctx.textBaseline = "bottom";
          ctx.fillText(dataset.endLabel, points[i].x, points[i].y - 3);
          ctx.restore();
          return;
        }
      });
    }
  };

  // A legend entry for flagged days: a dataset with no data draws nothing but is listed.
  function flaggedLegend(style) {
    return Object.assign({ label: "Day with a warning (⚠)", data: [], type: "bar" }, style);
  }

  // The page's canvas #<name>-chart and its json_script payload #<name>-chart-data, or null
  // when either is missing or Chart.js did not load (the table on the page still reads).
  function payload(name) {
    var canvas = document.getElementById(name + "-chart");
    var source = document.getElementById(name + "-chart-data");
    if (!canvas || !source || typeof Chart === "undefined") {
      return null;
    }
    return { canvas: canvas, data: JSON.parse(source.textContent) };
  }

  // A thin line without points in one colour; ``extra`` adds to or overrides the rest.
  function line(label, values, colour, extra) {
    return Object.assign({
      type: "line",
      label: label,
      data: values,
      order: 1,
      borderColor: colour,
      backgroundColor: colour,
      borderWidth: 2,
      pointRadius: 0,
      fill: false
    }, extra);
  }

  // The chart on the page: ``options`` adds to what both charts share (the legend below,
  // the mg axis, a taller shape on a phone) and ``afterBody`` ends each tooltip.
  function draw(page, datasets, options, afterBody) {
    var y = { beginAtZero: true, title: { display: true, text: "mg elemental magnesium" } };
    var settings = Object.assign({
      responsive: true,
      animation: animation,
      plugins: {
        legend: { position: "bottom" },
        tooltip: { callbacks: { afterBody: afterBody } }
      }
    }, options);
    settings.aspectRatio = window.innerWidth < 576 ? 1.2 : options.aspectRatio;
    settings.scales = Object.assign({}, options.scales);
    settings.scales.y = Object.assign(y, settings.scales.y);
    return new Chart(page.canvas, {
      data: { labels: page.data.labels, datasets: datasets },
      plugins: [lineLabels],
      options: settings
    });
  }

  return {
    colours: colours,
    animation: animation,
    lastValue: lastValue,
    lineLabels: lineLabels,
    flaggedLegend: flaggedLegend,
    payload: payload,
    line: line,
    draw: draw
  };
})();
