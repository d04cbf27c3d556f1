// Draws the week page's stacked bars from the page's json_script payload (#week-chart-data).
// The table under the chart holds the same numbers; without this script the page still reads.
(function () {
  "use strict";
  var M = window.MgCharts, page = M && M.payload("week");
  if (!page) { return; }
  var data = page.data, C = M.colours;
  var target = M.lastValue(data.target), ul = M.lastValue(data.ul);
  var flagColour = C.flagged;

  // A day's bar of one kind of intake, outlined in red on a day with a warning.
  function intakeBar(label, values, colour) {
    return {
      type: "bar",
      label: label,
      data: values,
      stack: "intake",
      order: 2,
      backgroundColor: colour,
      borderColor: data.flagged.map(function (f) { return f ? flagColour : colour; }),
      borderWidth: data.flagged.map(function (f) { return f ? 3 : 0; })
    };
  }

  // Each line is its own stack: with stacked scales Chart.js would otherwise add the target
  // and the UL on top of the bars.
  var datasets = [
    intakeBar("Supplements and medications (mg)", data.supplemental, C.supplements),
    intakeBar("Food (mg)", data.food, C.food),
    M.flaggedLegend({
      stack: "intake", backgroundColor: "#ffffff", borderColor: flagColour, borderWidth: 3
    }),
    M.line(target === null ? "Target (total)" : "Target " + target + " mg (total)", data.target, C.target, {
      endLabel: target === null ? "" : "Target " + target,
      stack: "target",
      borderDash: [8, 4]
    }),
    M.line(ul === null ? "Upper limit (supplements only)" : "Upper limit " + ul + " mg (supplements only)", data.ul, C.limit, {
      endLabel: ul === null ? "" : "Limit " + ul,
      stack: "ul",
      borderDash: [2, 3],
      borderWidth: 3
    })
  ];

  M.draw(page, datasets, {
    aspectRatio: 2.2,
    scales: { x: { stacked: true }, y: { stacked: true } }
  }, function (items) {
    if (!items.length) { return ""; }
    var i = items[0].dataIndex;
    var lines = ["Total: " + data.total[i] + " mg"];
    data.flags[i].forEach(function (title) { lines.push("⚠ " + title); });
    return lines;
  });
})();
