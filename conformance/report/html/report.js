// The filters of the wirecert HTML report. Without script the page shows
// everything and hides the filter bar; with it, a button (or ?filter=NAME
// in the address) shows only the specs and requirements tagged NAME.
(function () {
  "use strict";
  var names = ["all", "failed", "should", "blocked"];
  var bar = document.getElementById("filters");
  var status = document.getElementById("filter-status");
  var specs = document.querySelectorAll("details.spec");
  var buttons = bar.querySelectorAll("button[data-filter]");

  function tagged(el, name) {
    return (" " + el.getAttribute("data-tags") + " ").indexOf(" " + name + " ") >= 0;
  }

  function apply(name) {
    if (names.indexOf(name) < 0) {
      name = "all";
    }
    document.body.setAttribute("data-filter", name);
    buttons.forEach(function (b) {
      b.setAttribute("aria-pressed", String(b.getAttribute("data-filter") === name));
    });
    var shown = 0;
    specs.forEach(function (s) {
      if (name === "all" || tagged(s, name)) {
        shown++;
      }
    });
    status.textContent = "showing " + shown + " of " + specs.length + " specs";
  }

  buttons.forEach(function (b) {
    b.addEventListener("click", function () {
      apply(b.getAttribute("data-filter"));
    });
  });
  document.getElementById("expand").addEventListener("click", function () {
    specs.forEach(function (s) { s.open = true; });
  });
  document.getElementById("collapse").addEventListener("click", function () {
    specs.forEach(function (s) { s.open = false; });
  });
  bar.hidden = false;
  apply(new URLSearchParams(window.location.search).get("filter") || "all");
})();
