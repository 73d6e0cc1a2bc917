// Batch page: follow the conversion of each document until all are done, then offer the zip.
(function () {
  "use strict";
  var MSG = JSON.parse((document.getElementById("messages") || {}).textContent || "{}");
  var summary = document.getElementById("batch-summary");
  if (!summary) return;
  var LABELS = { waiting: MSG.batch_waiting, working: MSG.batch_working, done: MSG.batch_done, refused: MSG.batch_refused };

  function show(state) {
    document.getElementById("batch-done").textContent = state.done;
    document.getElementById("batch-refused").textContent = state.refused;
    document.getElementById("batch-progress").value = state.done + state.refused;
    state.items.forEach(function (item, index) {
      var row = document.querySelector('tr[data-index="' + index + '"]');
      if (!row) return;
      var cell = row.querySelector(".status");
      cell.dataset.status = item.status;
      cell.textContent = LABELS[item.status] + (item.status === "done" ? " (" + MSG.seconds.replace("{n}", String(item.duration_s).replace(".", ",")) + ")" : "");
      row.querySelector(".reason").textContent = item.reason;
    });
    if (state.finished) document.getElementById("batch-download").hidden = false;
  }

  function poll() {
    fetch(summary.dataset.statusUrl, { headers: { "X-Requested-With": "fetch" }, credentials: "same-origin" })
      .then(function (reply) { return reply.ok ? reply.json() : Promise.reject(reply.status); })
      .then(function (state) { show(state); if (!state.finished) window.setTimeout(poll, 1000); })
      .catch(function () { window.setTimeout(poll, 3000); });
  }
  poll();
})();
