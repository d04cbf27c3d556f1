// Draws the history page's daily totals, moving average and target from the page's
// json_script payload (#history-chart-data). The table on the page holds the same numbers.
(function () {
  "use strict";
  var M = window.MgCharts, page = M && M.payload("history");
  if (!page) { return; }
  var data = page.data, C = M.colours;
  var target = M.lastValue(data.target);

  M.draw(page, [
    {
      type: "bar",
      label: "Daily total, food and supplements (mg)",
      data: data.total,
      order: 3,
      backgroundColor: data.flagged.map(function (f) { return f ? C.flagged : C.total; })
    },
    M.flaggedLegend({ backgroundColor: C.flagged, order: 4 }),
    M.line("7-day moving average (mg)", data.moving_average, C.average, { tension: 0.2 }),
    M.line(target === null ? "Target" : "Target (" + target + " mg)", data.target, C.target, {
      endLabel: target === null ? "" : "Target " + target,
      order: 2,
      borderDash: [8, 4]
    })
  ], {
    aspectRatio: 2.5,
    interaction: { mode: "index", intersect: false }
  }, function (items) {
    return items.length && data.flagged[items[0].dataIndex] ? "⚠ a warning on this day" : "";
  });
})();
