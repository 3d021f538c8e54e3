// Alerts index: filter rows by text and sort by a column. The table is complete without it.
(function () {
  "use strict";
  var table = document.getElementById("alerts-table");
  var input = document.getElementById("alerts-filter");
  if (!table || !input) return;
  var body = table.tBodies[0];
  var rows = Array.prototype.slice.call(body.rows);
  var box = input.closest(".alerts-filter");
  var count = box.querySelector(".alerts-count");

  box.hidden = false;
  function filter() {
    var words = input.value.toLowerCase().split(/\s+/).filter(Boolean);
    var shown = 0;
    rows.forEach(function (row) {
      var text = row.textContent.toLowerCase();
      row.hidden = !words.every(function (w) { return text.indexOf(w) !== -1; });
      if (!row.hidden) shown++;
    });
    if (count) count.textContent = words.length ? shown + " of " + rows.length + " alerts" : "";
  }
  input.addEventListener("input", filter);
  filter();

  var headers = Array.prototype.slice.call(table.tHead.rows[0].cells);
  headers.forEach(function (th, column) {
    var button = document.createElement("button");
    button.type = "button";
    button.className = "sort";
    button.textContent = th.textContent;
    th.textContent = "";
    th.appendChild(button);
    button.addEventListener("click", function () {
      var ascending = th.getAttribute("aria-sort") !== "ascending";
      headers.forEach(function (h) { h.removeAttribute("aria-sort"); });
      th.setAttribute("aria-sort", ascending ? "ascending" : "descending");
      rows.sort(function (a, b) {
        var x = a.cells[column].textContent.trim();
        var y = b.cells[column].textContent.trim();
        return (ascending ? 1 : -1) * x.localeCompare(y, undefined, { numeric: true });
      });
      rows.forEach(function (row) { body.appendChild(row); });
    });
  });
})();
