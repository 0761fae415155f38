// Plan pages: copy buttons (the digest of a frozen version). No inline script (CSP).
(function () {
  "use strict";
  document.addEventListener("click", function (event) {
    var button = event.target.closest("[data-copy-target]");
    if (!button || !navigator.clipboard) {
      return;
    }
    var source = document.getElementById(button.getAttribute("data-copy-target"));
    if (!source) {
      return;
    }
    navigator.clipboard.writeText(source.textContent.trim()).then(function () {
      var done = button.getAttribute("data-copied-label");
      if (done) {
        button.textContent = done;
      }
    });
  });
  // The copy buttons are hidden until the script runs (they need it).
  document.querySelectorAll("[data-copy-target]").forEach(function (button) {
    button.hidden = false;
  });
})();

// Printing the outline: open every collapsed block first (closed <details> do not print).
(function () {
  "use strict";
  var reopened = [];
  window.addEventListener("beforeprint", function () {
    document.querySelectorAll("details:not([open])").forEach(function (block) {
      // An action whose indicators are not loaded yet keeps its count: opening them all would
      // send one request per action of the plan.
      if (block.querySelector(":scope > .children-slot:not(.loaded)")) {
        return;
      }
      block.open = true;
      reopened.push(block);
    });
  });
  window.addEventListener("afterprint", function () {
    reopened.forEach(function (block) {
      block.open = false;
    });
    reopened = [];
  });
})();
