// Live progress of a run's detail page: while the run is queued or running, poll its progress
// JSON every 2 s and update the bar, the counts, the status badge and the log in place.
// Configured by data attributes on .run-detail (no inline scripts, so a strict CSP works).
(function () {
  "use strict";
  var root = document.querySelector(".run-detail[data-progress-url]");
  if (!root || root.dataset.active !== "true") {
    return;
  }
  var url = root.dataset.progressUrl;
  var lastLogId = parseInt(root.dataset.lastLogId, 10) || 0;
  var intervalMs = parseInt(root.dataset.pollMs, 10) || 2000;
  var numbers = new Intl.NumberFormat("en-US");
  var failures = 0;
  var MAX_FAILURES = 5;
  var COUNTS = [
    "done_batches", "total_batches", "running_batches", "failed_batches",
    "done_rows", "total_rows", "recommendations", "exceptions",
  ];

  function setField(name, text) {
    root.querySelectorAll('[data-field="' + name + '"]').forEach(function (element) {
      element.textContent = text;
    });
  }

  function setStatus(status, label) {
    root.querySelectorAll('[data-field="status"] .badge').forEach(function (badge) {
      badge.className = "badge status-" + status;
      badge.textContent = label;
    });
  }

  function appendLog(entries) {
    var list = document.getElementById("run-log");
    entries.forEach(function (entry) {
      var item = document.createElement("li");
      item.className = "log-" + entry.level;
      var parts = [["time", entry.at], ["span", entry.level, "level"]];
      if (entry.batch !== null) {
        parts.push(["span", "batch " + entry.batch, "batch"]);
      }
      parts.push(["span", entry.message, "message"]);
      parts.forEach(function (part, index) {
        var element = document.createElement(part[0]);
        element.textContent = part[1];
        if (part[2]) {
          element.className = part[2];
        }
        if (index) {
          item.appendChild(document.createTextNode(" "));
        }
        item.appendChild(element);
      });
      list.appendChild(item);
      lastLogId = Math.max(lastLogId, entry.id);
    });
    if (entries.length) {
      list.scrollTop = list.scrollHeight;
    }
  }

  function update(progress) {
    document.getElementById("run-progress").value = progress.percent;
    setField("percent", progress.percent.toFixed(1));
    COUNTS.forEach(function (name) {
      setField(name, numbers.format(progress[name]));
    });
    setField("elapsed", progress.elapsed);
    if (progress.passes_text) {
      setField("passes_text", progress.passes_text);
    }
    setStatus(progress.status, progress.status_display);
    appendLog(progress.log);
    root.querySelectorAll('[data-field="cancel_requested"]').forEach(function (note) {
      note.hidden = !(progress.cancel_requested && progress.active);
    });
    if (!progress.active || progress.cancel_requested) {
      root.querySelectorAll("[data-cancel-control]").forEach(function (element) {
        element.hidden = true;
      });
    }
    if (!progress.active) {
      root.dataset.active = "false";
      root.querySelectorAll('[data-field="finished_note"]').forEach(function (note) {
        note.hidden = false;
      });
    }
    return progress.active;
  }

  function poll() {
    fetch(url + "?after=" + lastLogId, {
      credentials: "same-origin",
      headers: {Accept: "application/json"},
    })
      .then(function (response) {
        if (!response.ok) {
          throw new Error("HTTP " + response.status);
        }
        return response.json();
      })
      .then(function (progress) {
        failures = 0;
        if (update(progress)) {
          window.setTimeout(poll, intervalMs);
        }
      })
      .catch(function () {
        // A network hiccup: back off and retry; a lost session or a deleted run keeps
        // failing, so stop after a few tries (a reload shows what happened).
        failures += 1;
        if (failures < MAX_FAILURES) {
          window.setTimeout(poll, intervalMs * (failures + 1));
        }
      });
  }

  window.setTimeout(poll, intervalMs);
})();
