// Demand plan page: while the planner types consensus quantities, POST the form to the
// preview URL (CSRF token from the form) and show the policy levels a run would set with
// the plan as typed. Configured by data attributes (no inline script: the CSP holds).
(function () {
  "use strict";
  var form = document.querySelector("form.plan-form[data-preview-url]");
  var status = document.querySelector("[data-preview-status]");
  if (!form || !status) {
    return;
  }
  var url = form.dataset.previewUrl;
  var token = form.querySelector('input[name="csrfmiddlewaretoken"]').value;
  var DELAY_MS = 300;
  var timer = null;
  var sent = 0;

  function show(answer) {
    if (!answer.available) {
      status.textContent = answer.message;
      return;
    }
    answer.levels.forEach(function (level) {
      var cell = document.querySelector('[data-preview="' + level.field + '"]');
      if (cell) {
        cell.textContent = level.preview_text;
        cell.classList.toggle("moved", level.preview !== level.current);
      }
    });
    status.textContent = "With the plan as typed (not saved until you submit).";
  }

  function refresh() {
    var number = ++sent;
    status.textContent = "Computing…";
    fetch(url, {
      method: "POST",
      body: new FormData(form),
      credentials: "same-origin",
      headers: {"X-CSRFToken": token, Accept: "application/json"},
    })
      .then(function (response) {
        if (!response.ok) {
          throw new Error("HTTP " + response.status);
        }
        return response.json();
      })
      .then(function (answer) {
        if (number === sent) {  // an older answer arriving late is dropped
          show(answer);
        }
      })
      .catch(function () {
        if (number === sent) {
          status.textContent = "The preview could not be computed; the levels shown may be stale.";
        }
      });
  }

  form.querySelectorAll("input.cell").forEach(function (input) {
    input.addEventListener("input", function () {
      window.clearTimeout(timer);
      timer = window.setTimeout(refresh, DELAY_MS);
    });
  });
})();
