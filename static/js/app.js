// The app's own small behaviours; every page works without them.
(function () {
  "use strict";
  // The navigation's toggle on narrow screens. Bootstrap's own script (24 kB compressed)
  // was loaded on every page for this alone; its CSS still does the showing and hiding.
  document.querySelectorAll('[data-bs-toggle="collapse"]').forEach(function (button) {
    var target = document.querySelector(button.getAttribute("data-bs-target"));
    if (!target) return;
    button.addEventListener("click", function () {
      var open = target.classList.toggle("show");
      button.setAttribute("aria-expanded", open ? "true" : "false");
      button.classList.toggle("collapsed", !open);
    });
  });
  // Dose steppers on the dashboard: - and + change the servings box beside them.
  document.querySelectorAll("[data-stepper]").forEach(function (stepper) {
    var input = stepper.querySelector("input");
    stepper.querySelectorAll("[data-step]").forEach(function (button) {
      button.addEventListener("click", function () {
        var min = Number(input.min) || 1, max = Number(input.max) || 20;
        var value = (parseInt(input.value, 10) || min) + Number(button.dataset.step);
        input.value = String(Math.min(max, Math.max(min, value)));
      });
    });
  });
  // The profile's time zone: filled in from the browser's own when the box is empty or
  // still says UTC and the person has not chosen one yet (data-prefill).
  document.querySelectorAll("input[data-timezone-prefill]").forEach(function (input) {
    var zone;
    try { zone = Intl.DateTimeFormat().resolvedOptions().timeZone; } catch (e) { return; }
    if (!zone) return;
    var known = input.list && Array.prototype.some.call(input.list.options, function (o) {
      return o.value === zone;
    });
    if (known && (!input.value || input.value === "UTC")) {
      input.value = zone;
      var note = document.getElementById(input.id + "-from-browser");
      if (note) note.hidden = false;
    }
  });
})();
