// Exceptions inbox: a "select every row of this page" box for the bulk form (shown only when
// scripts run; without them each row is ticked by hand). No inline script: the CSP holds.
(function () {
  "use strict";
  var all = document.querySelector(".inbox-table .select-all");
  if (!all) {
    return;
  }
  var boxes = document.querySelectorAll('.inbox-table input[name="selected"]');
  all.hidden = false;
  all.addEventListener("change", function () {
    boxes.forEach(function (box) {
      box.checked = all.checked;
    });
  });
  boxes.forEach(function (box) {
    box.addEventListener("change", function () {
      var ticked = Array.prototype.filter.call(boxes, function (b) { return b.checked; });
      all.checked = ticked.length === boxes.length;
      all.indeterminate = ticked.length > 0 && ticked.length < boxes.length;
    });
  });
})();
