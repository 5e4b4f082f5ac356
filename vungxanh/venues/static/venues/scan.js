/* Venue staff: scan a visitor's personal QR or chip ID card QR with the device camera
 * (jsQR decodes the frames here, nothing leaves the device but the decoded text), or type /
 * paste the text (hardware scanners type it followed by Enter). Each scan is posted with a
 * fresh UUID, so a retried request never checks anyone in twice. */
(function () {
  "use strict";
  var box = document.getElementById("scanner");
  var form = document.getElementById("scan-form");
  if (!box || !form) { return; }
  var startButton = document.getElementById("scan-start");
  var stopButton = document.getElementById("scan-stop");
  var video = document.getElementById("scan-video");
  var canvas = document.getElementById("scan-canvas");
  var status = document.getElementById("scan-status");
  var results = document.getElementById("scan-results");
  var context = canvas.getContext("2d", { willReadFrequently: true });
  var stream = null;
  var busy = false;
  var lastText = "";
  var lastAt = 0;
  var MAX_WIDTH = 640;

  function csrfToken() {
    var input = form.querySelector("input[name=csrfmiddlewaretoken]");
    return input ? input.value : "";
  }

  function newUuid() {
    if (window.crypto && window.crypto.randomUUID) { return window.crypto.randomUUID(); }
    var bytes = new Uint8Array(16);
    window.crypto.getRandomValues(bytes);
    bytes[6] = (bytes[6] & 0x0f) | 0x40;
    bytes[8] = (bytes[8] & 0x3f) | 0x80;
    var hex = Array.prototype.map.call(bytes, function (b) { return ("0" + b.toString(16)).slice(-2); }).join("");
    return hex.slice(0, 8) + "-" + hex.slice(8, 12) + "-" + hex.slice(12, 16) + "-" + hex.slice(16, 20) + "-" + hex.slice(20);
  }

  function show(ok, message) {
    var item = document.createElement("li");
    item.className = ok ? "scan-ok" : "scan-bad";
    item.textContent = message;
    results.insertBefore(item, results.firstChild);
  }

  function send(text) {
    busy = true;
    status.textContent = box.dataset.msgSending;
    var body = new FormData();
    body.append("text", text);
    body.append("uuid", newUuid());
    fetch(box.dataset.url, {
      method: "POST",
      body: body,
      credentials: "same-origin",
      headers: { "Accept": "application/json", "X-CSRFToken": csrfToken() }
    }).then(function (response) {
      return response.json();
    }).then(function (data) {
      show(Boolean(data.ok), data.message);
    }).catch(function () {
      show(false, box.dataset.msgOffline);
    }).then(function () {
      busy = false;
      status.textContent = stream ? box.dataset.msgCamera : "";
    });
  }

  function tick() {
    if (!stream) { return; }
    if (!busy && video.readyState >= 2 && video.videoWidth) {
      var scale = Math.min(1, MAX_WIDTH / video.videoWidth);
      canvas.width = Math.round(video.videoWidth * scale);
      canvas.height = Math.round(video.videoHeight * scale);
      context.drawImage(video, 0, 0, canvas.width, canvas.height);
      var image = context.getImageData(0, 0, canvas.width, canvas.height);
      var code = window.jsQR(image.data, image.width, image.height, { inversionAttempts: "dontInvert" });
      if (code && code.data) {
        var now = Date.now();
        if (code.data !== lastText || now - lastAt > 5000) {
          lastText = code.data;
          lastAt = now;
          send(code.data);
        }
      }
    }
    window.setTimeout(tick, 120);
  }

  function stop() {
    if (stream) { stream.getTracks().forEach(function (t) { t.stop(); }); }
    stream = null;
    video.hidden = true;
    stopButton.hidden = true;
    startButton.hidden = false;
    status.textContent = "";
  }

  startButton.addEventListener("click", function () {
    if (!navigator.mediaDevices || !navigator.mediaDevices.getUserMedia || !window.jsQR) {
      status.textContent = box.dataset.msgNocamera;
      return;
    }
    navigator.mediaDevices.getUserMedia({ video: { facingMode: "environment" }, audio: false })
      .then(function (s) {
        stream = s;
        video.srcObject = s;
        video.hidden = false;
        startButton.hidden = true;
        stopButton.hidden = false;
        status.textContent = box.dataset.msgCamera;
        return video.play();
      })
      .then(tick)
      .catch(function () { stop(); status.textContent = box.dataset.msgNocamera; });
  });
  stopButton.addEventListener("click", stop);

  form.addEventListener("submit", function (event) {
    event.preventDefault();
    var input = form.querySelector("[name=text]");
    var text = input.value.trim();
    if (text) { send(text); }
    input.value = "";
    input.focus();
  });
})();
