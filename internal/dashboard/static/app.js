// Expands and collapses the rows of the recent-runs table in place. Without
// JavaScript each row still links to its run's own page.
"use strict";

function setOpen(run, open) {
  var detail = run.querySelector("tr.detail");
  var button = run.querySelector("button.toggle");
  if (!detail || !button) {
    return;
  }
  detail.hidden = !open;
  button.setAttribute("aria-expanded", open ? "true" : "false");
  run.classList.toggle("open", open);
}

document.addEventListener("click", function (ev) {
  var target = ev.target;
  if (!(target instanceof Element)) {
    return;
  }
  var summary = target.closest("tbody.run tr.summary");
  if (!summary || target.closest("a")) {
    return;
  }
  var run = summary.closest("tbody.run");
  setOpen(run, run.querySelector("tr.detail").hidden);
});

document.addEventListener("DOMContentLoaded", function () {
  // /#run-<id> opens that run.
  if (location.hash.indexOf("#run-") === 0) {
    var run = document.getElementById(decodeURIComponent(location.hash.slice(1)));
    if (run && run.matches("tbody.run")) {
      setOpen(run, true);
      run.scrollIntoView();
    }
  }
});
