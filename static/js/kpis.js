// Follows a running KPI recompute: every two seconds reads its progress and updates the bar;
// reloads the page when it has finished, so the new KPIs show.
(function () {
  var status = document.querySelector("[data-refresh-url]");
  if (!status) {
    return;
  }
  var bar = status.querySelector("progress");
  var count = status.querySelector(".kpi-refresh-count");
  var state = status.querySelector(".kpi-refresh-state");
  function poll() {
    fetch(status.dataset.refreshUrl, {credentials: "same-origin"})
      .then(function (response) { return response.json(); })
      .then(function (refresh) {
        bar.max = refresh.periods_total;
        bar.value = refresh.periods_done;
        count.textContent = refresh.periods_done + " of " + refresh.periods_total + " weeks";
        state.textContent = refresh.status_label;
        if (refresh.active) {
          window.setTimeout(poll, 2000);
        } else {
          window.location.reload();
        }
      })
      .catch(function () { window.setTimeout(poll, 5000); });
  }
  window.setTimeout(poll, 2000);
})();
