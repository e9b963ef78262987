// GOV.UK's error summary takes the focus when the page opens, so a screen reader reads
// what went wrong first and a keyboard user tabs straight to the links to the fields.
//
// Following a link to a field, the browser scrolls the input itself to the top of the
// screen, which hides its question (the label, or a group's legend) and its message
// above it: on a phone, someone lands in a box without knowing what it asks. As GOV.UK
// Frontend's error summary does, bring the question and the message into view and focus
// the input without scrolling it again. Without this script the link still works.
(function () {
  "use strict";
  var summary = document.querySelector(".hope-error-summary");
  if (!summary) {
    return;
  }
  summary.focus();

  function question(input) {
    var fieldset = input.closest("fieldset");
    var legend = fieldset ? fieldset.querySelector("legend") : null;
    if (legend && (input.type === "radio" || input.type === "checkbox")) {
      return legend;
    }
    var label = input.id
      ? document.querySelector('label[for="' + CSS.escape(input.id) + '"]')
      : null;
    return label || input.closest("label") || legend;
  }

  // The first on the page of the question and what describes the input (hint, message).
  function topOfField(input) {
    var parts = [question(input)];
    (input.getAttribute("aria-describedby") || "").split(/\s+/).forEach(function (id) {
      parts.push(id ? document.getElementById(id) : null);
    });
    var shown = parts.filter(function (part) {
      return part && part.getClientRects().length > 0;
    });
    shown.sort(function (a, b) {
      return a.getBoundingClientRect().top - b.getBoundingClientRect().top;
    });
    return shown[0] || input;
  }

  summary.addEventListener("click", function (event) {
    var link = event.target.closest("a[href^='#']");
    var input = link ? document.getElementById(decodeURIComponent(link.hash.slice(1))) : null;
    if (!input) {
      return;
    }
    event.preventDefault();
    topOfField(input).scrollIntoView();
    input.focus({ preventScroll: true });
  });
})();
