// Staff pages: small progressive enhancements (preview, document import, lexicon fixes, confirmations).
// Every form also works without this script; requests made here carry the session's CSRF token.
(function () {
  "use strict";
  var MSG = JSON.parse((document.getElementById("messages") || {}).textContent || "{}");
  var csrfMeta = document.querySelector('meta[name="csrf-token"]');
  var csrf = csrfMeta ? csrfMeta.content : "";

  function post(url, body) {
    return fetch(url, {
      method: "POST", body: body, credentials: "same-origin",
      headers: { "X-CSRF-Token": csrf, "X-Requested-With": "fetch" }
    });
  }

  function el(id) { return document.getElementById(id); }

  function setMessage(node, text, isError) {
    if (!node) return;
    node.textContent = text;
    node.className = (node.className.replace(/\b(ok|error)-text\b/g, "") + (isError ? " error-text" : " ok-text")).trim();
  }

  function runPreview() {
    var button = el("preview-button"), target = el("preview"), text = el("text"), voice = el("voice");
    if (!button || !target || !text) return;
    if (!text.value.trim()) { target.innerHTML = ""; setMessage(target, MSG.preview_empty, true); return; }
    var body = new FormData();
    body.append("text", text.value);
    if (voice) body.append("voice", voice.value);
    var readings = el("overrides");
    if (readings) body.append("overrides", readings.value);
    var speed = el("speed");
    if (speed) body.append("speed", speed.value);
    button.disabled = true;
    var label = button.textContent;
    button.textContent = MSG.preview_working;
    post("/bulletins/preview", body).then(function (reply) {
      return reply.text().then(function (html) { target.innerHTML = html; });
    }).catch(function () {
      setMessage(target, MSG.no_server, true);
    }).finally(function () { button.disabled = false; button.textContent = label; });
  }

  document.addEventListener("click", function (event) {
    var button = event.target.closest("[data-preview]");
    if (button) { event.preventDefault(); runPreview(); }
    var mark = event.target.closest("mark.exp");
    var fix = document.querySelector("[data-lexicon-fix]");
    if (mark && fix) {
      fix.querySelector("[name=written]").value = mark.dataset.written;
      var spoken = fix.querySelector("[name=spoken]");
      spoken.value = mark.dataset.spoken;
      spoken.focus();
    }
    if (event.target.closest("[data-lexicon-save]")) { event.preventDefault(); saveLexicon(); }
  });

  // Forms that only host script controls (the preview box) never submit (CSP forbids inline handlers).
  document.addEventListener("submit", function (event) {
    if (event.target.closest("[data-no-submit]")) event.preventDefault();
  });

  // Enter in the fix-a-word boxes saves the reading instead of submitting the bulletin around them.
  document.addEventListener("keydown", function (event) {
    if (event.key === "Enter" && event.target.closest("[data-lexicon-fix]")) { event.preventDefault(); saveLexicon(); }
  });

  function saveLexicon() {
    var fix = document.querySelector("[data-lexicon-fix]");
    if (!fix) return;
    var message = fix.querySelector(".lexicon-message");
    var body = new FormData();
    body.append("written", fix.querySelector("[name=written]").value);
    body.append("spoken", fix.querySelector("[name=spoken]").value);
    // A fix is for this bulletin only: a saved bulletin gets a new version, a new one carries it when saved.
    var readings = el("overrides");
    if (readings) {
      body.append("overrides", readings.value);
      if (readings.dataset.bulletinId) body.append("bulletin_id", readings.dataset.bulletinId);
    }
    post("/lexicon/quick", body).then(function (reply) {
      return reply.json().then(function (data) {
        if (!reply.ok) { setMessage(message, data.error || MSG.not_saved, true); return; }
        if (readings && data.overrides) readings.value = data.overrides;
        setMessage(message, data.message, false);
        runPreview();
      });
    }).catch(function () { setMessage(message, MSG.no_server_short, true); });
  }

  document.addEventListener("submit", function (event) {
    var form = event.target;
    var question = form.getAttribute("data-confirm");
    if (question && !window.confirm(question)) { event.preventDefault(); return; }
    var buttons = form.querySelectorAll("button[type=submit]");
    window.setTimeout(function () { buttons.forEach(function (b) { b.disabled = true; }); }, 0);
  });

  var upload = el("upload");
  if (upload) {
    upload.addEventListener("change", function () {
      var file = upload.files && upload.files[0], message = el("upload-message");
      if (!file) { setMessage(message, "", false); return; }
      var name = file.name.toLowerCase();
      if (!/\.(docx|txt)$/.test(name)) {
        setMessage(message, MSG.file_chosen.replace("{name}", file.name), false);
        return;
      }
      var body = new FormData();
      body.append("file", file);
      setMessage(message, MSG.file_reading, false);
      post("/bulletins/extract", body).then(function (reply) {
        return reply.json().then(function (data) {
          if (!reply.ok) { setMessage(message, data.error || MSG.file_unreadable, true); return; }
          var text = el("text");
          if (text) text.value = data.text;
          var title = upload.form && upload.form.querySelector("input[name=title]");
          if (title && data.title && !title.value.trim()) title.value = data.title;  // the document's heading
          upload.value = "";
          setMessage(message, data.message, false);
        });
      }).catch(function () { setMessage(message, MSG.no_server_short, true); });
    });
  }

  document.querySelectorAll("select[data-autosubmit]").forEach(function (select) {
    select.addEventListener("change", function () { select.form.submit(); });
  });

  // A live part of the page (the delivery status): fetched again every few seconds until it says it is final.
  document.querySelectorAll("[data-live]").forEach(function (box) {
    var every = (parseFloat(box.getAttribute("data-every")) || 3) * 1000;
    function finished() {
      var part = box.querySelector("[data-finished]");
      return part && part.getAttribute("data-finished") === "1";
    }
    function refresh() {
      if (finished()) return;
      fetch(box.getAttribute("data-live"), { credentials: "same-origin", headers: { "X-Requested-With": "fetch" } })
        .then(function (reply) { return reply.ok ? reply.text() : null; })
        .then(function (html) { if (html !== null) box.innerHTML = html; })
        .catch(function () { /* the next round tries again */ })
        .finally(function () { window.setTimeout(refresh, every); });
    }
    window.setTimeout(refresh, every);
  });
})();
