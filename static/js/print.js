// The reports' "Print" link opens the browser's print dialogue (static/css/print.css lays
// the page out for A4). Without script the link reloads the report, which prints the same.
(function () {
  "use strict";
  document.querySelectorAll("a[data-hope-print]").forEach(function (link) {
    link.addEventListener("click", function (event) {
      event.preventDefault();
      window.print();
    });
  });
})();
