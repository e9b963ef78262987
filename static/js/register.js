// The attendance register (templates/programmes/register.html): one tap saves one mark
// without reloading the page. Without this script each button is a plain form post.
//
// Each line sends one mark at a time: a tap while a mark is on its way waits for it, then
// sends the latest one, so the server never applies two taps in the wrong order. On a
// network failure or a server error the mark is sent again after 1, 2, 4 ... up to 30
// seconds (and at once when the phone is back online). The server's attendance_mark is
// idempotent, so a retry of a mark that did arrive changes nothing more.
(function () {
  "use strict";

  var FIRST_DELAY = 1000;
  var LONGEST_DELAY = 30000;
  var lines = [];

  function setStatus(line, text, isError) {
    line.status.textContent = text;
    line.status.classList.toggle("hope-save-error", Boolean(isError));
  }

  function showMark(line, mark) {
    line.buttons.forEach(function (button) {
      button.setAttribute("aria-pressed", button.value === mark ? "true" : "false");
    });
  }

  function retryLater(line) {
    setStatus(line, "Not saved yet — retrying");
    line.timer = window.setTimeout(function () {
      line.timer = null;
      send(line);
    }, line.delay);
    line.delay = Math.min(line.delay * 2, LONGEST_DELAY);
  }

  function answered(line, mark) {
    line.sending = false;
    line.delay = FIRST_DELAY;
    if (line.wanted !== mark) {
      send(line); // tapped again while the last mark was on its way
    }
  }

  function send(line) {
    var mark = line.wanted;
    var body = new FormData(line.form);
    body.set("mark", mark);
    line.sending = true;
    setStatus(line, "Saving…");
    window
      .fetch(line.form.action, {
        method: "POST",
        body: body,
        headers: { Accept: "application/json" },
        credentials: "same-origin",
        redirect: "manual",
      })
      .then(function (response) {
        if (response.status >= 500) {
          throw new Error("Server error " + response.status);
        }
        return response
          .json()
          .catch(function () {
            return {};
          })
          .then(function (data) {
            if (response.ok) {
              showMark(line, data.mark);
              line.attended.textContent = data.attended;
              line.completion.textContent = data.completion;
              setStatus(line, "Saved");
            } else {
              // Refused (a 4xx), or signed out (a redirect): sending again will not help.
              setStatus(
                line,
                "Not saved: " + (data.error || "reload the page and try again."),
                true
              );
            }
            answered(line, mark);
          });
      })
      .catch(function () {
        line.sending = false;
        retryLater(line);
      });
  }

  function tapped(line, mark) {
    line.wanted = mark;
    if (line.sending) {
      return; // sent when the one on its way has its answer
    }
    if (line.timer) {
      window.clearTimeout(line.timer);
      line.timer = null;
    }
    send(line);
  }

  document.querySelectorAll("form[data-register-line]").forEach(function (form) {
    var card = form.closest(".card");
    var line = {
      form: form,
      buttons: Array.prototype.slice.call(form.querySelectorAll("button[name=mark]")),
      status: form.querySelector("[data-status]"),
      attended: card.querySelector("[data-attended]"),
      completion: card.querySelector("[data-completion]"),
      wanted: null,
      sending: false,
      timer: null,
      delay: FIRST_DELAY,
    };
    lines.push(line);
    form.addEventListener("submit", function (event) {
      // A browser that cannot say which button was pressed posts the form as usual.
      if (event.submitter && event.submitter.name === "mark") {
        event.preventDefault();
        tapped(line, event.submitter.value);
      }
    });
  });

  window.addEventListener("online", function () {
    lines.forEach(function (line) {
      if (line.timer) {
        window.clearTimeout(line.timer);
        line.timer = null;
        line.delay = FIRST_DELAY;
        send(line);
      }
    });
  });

  // Leaving with a mark not yet saved would lose it: the browser asks first.
  window.addEventListener("beforeunload", function (event) {
    var unsaved = lines.some(function (line) {
      return line.sending || line.timer;
    });
    if (unsaved) {
      event.preventDefault();
      event.returnValue = "";
    }
  });
})();
