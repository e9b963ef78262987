// GOV.UK's error summary takes the focus when the page opens, so a screen reader reads
// what went wrong first and a keyboard user tabs straight to the links to the fields.
(function () {
  "use strict";
  var summary = document.querySelector(".hope-error-summary");
  if (summary) {
    summary.focus();
  }
})();
