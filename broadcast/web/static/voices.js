// Voice picker: "Nghe thử" plays the same sentence in each voice at the chosen speed; "Chọn" picks it.
(function () {
  "use strict";
  var MSG = JSON.parse((document.getElementById("messages") || {}).textContent || "{}");
  function el(id) { return document.getElementById(id); }

  function speedLabel() {
    var speed = el("speed"), out = el("speed-label");
    if (!speed || !out) return;
    var labels = JSON.parse(out.dataset.speedLabels || "{}");
    out.textContent = labels[speed.value] || speed.value;
  }

  function choose(name) {
    var select = el("voice");
    if (select) select.value = name;
    document.querySelectorAll("[data-voice-card]").forEach(function (card) {
      card.classList.toggle("chosen", card.dataset.voiceCard === name);
    });
  }

  function play(button) {
    // The sample is a same-origin MP3 the audio element loads itself (the CSP allows no blob: media).
    var audio = el("voice-sample"), message = el("voice-sample-message"), speed = el("speed");
    var url = "/voices/sample.mp3?voice=" + encodeURIComponent(button.dataset.voiceSample) +
      "&speed=" + encodeURIComponent(speed ? speed.value : "0");
    var label = button.textContent;
    button.disabled = true;
    button.textContent = MSG.sample_working;
    if (message) message.textContent = "";
    function done(text) {
      button.disabled = false;
      button.textContent = label;
      if (message) message.textContent = text;
      audio.removeEventListener("loadedmetadata", ready);
      audio.removeEventListener("error", failed);
    }
    function ready() { done(MSG.sample_playing); }
    function failed() { done(MSG.sample_failed); }
    audio.addEventListener("loadedmetadata", ready);
    audio.addEventListener("error", failed);
    audio.hidden = false;
    audio.dataset.playing = button.dataset.voiceSample;
    audio.src = url;
    var started = audio.play();
    if (started && started.catch) started.catch(function () { /* autoplay refused: the controls remain */ });
  }

  document.addEventListener("click", function (event) {
    var sample = event.target.closest("[data-voice-sample]");
    if (sample) { event.preventDefault(); play(sample); return; }
    var chosen = event.target.closest("[data-voice-choose]");
    if (chosen) { event.preventDefault(); choose(chosen.dataset.voiceChoose); }
  });
  document.addEventListener("input", function (event) { if (event.target.id === "speed") speedLabel(); });
  document.addEventListener("change", function (event) { if (event.target.id === "voice") choose(event.target.value); });
})();
