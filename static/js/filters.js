// Filters folded in <details class="hope-filters"> start open on screens wide enough to
// show them beside the list (Bootstrap's md, 768 px); on a phone they stay folded unless
// the page opened them because a filter is in use.
(function () {
  "use strict";
  if (!window.matchMedia("(min-width: 768px)").matches) return;
  document.querySelectorAll("details.hope-filters").forEach(function (details) {
    details.open = true;
  });
})();
