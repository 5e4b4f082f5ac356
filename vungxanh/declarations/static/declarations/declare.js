// Optional on the public declaration page: read the QR code of a chip ID card with the
// phone's camera (jsQR, nothing sent anywhere) and fill in the identity fields. The page
// works without it; the server checks everything again.
(function () {
  "use strict";
  var button = document.getElementById("scan-card");
  var video = document.getElementById("scan-video");
  var status = document.getElementById("scan-status");
  if (!button || !video || !navigator.mediaDevices || !window.jsQR) { return; }
  var canvas = document.createElement("canvas");
  var context = canvas.getContext("2d", { willReadFrequently: true });
  var stream = null;
  button.hidden = false;

  function field(name) { return document.querySelector("[name=" + name + "]"); }

  function fill(text) {
    var parts = text.replace(/\uFEFF/g, "").trim().replace(/\|+$/, "").split("|");
    if (parts.length !== 7 || !/^[0-9]{12}$/.test(parts[0].trim())) { return false; }
    var born = parts[3].trim();
    field("cccd").value = parts[0].trim();
    field("full_name").value = parts[2].trim();
    if (/^[0-9]{8}$/.test(born)) {
      field("birth").value = born.slice(0, 2) + "/" + born.slice(2, 4) + "/" + born.slice(4);
    }
    var sex = parts[4].trim().toLowerCase().indexOf("n\u1eef") === 0 ? "female" : "male";
    var radio = document.querySelector("input[name=sex][value=" + sex + "]");
    if (radio) { radio.checked = true; }
    if (field("address") && !field("address").value) { field("address").value = parts[5].trim(); }
    return true;
  }

  function stop() {
    if (stream) { stream.getTracks().forEach(function (t) { t.stop(); }); }
    stream = null;
    video.hidden = true;
  }

  function tick() {
    if (!stream) { return; }
    if (video.readyState === video.HAVE_ENOUGH_DATA) {
      canvas.width = video.videoWidth;
      canvas.height = video.videoHeight;
      context.drawImage(video, 0, 0, canvas.width, canvas.height);
      var image = context.getImageData(0, 0, canvas.width, canvas.height);
      var code = window.jsQR(image.data, image.width, image.height, { inversionAttempts: "dontInvert" });
      if (code && code.data) {
        stop();
        status.textContent = fill(code.data) ? button.dataset.done : button.dataset.wrong;
        return;
      }
    }
    window.requestAnimationFrame(tick);
  }

  button.addEventListener("click", function () {
    navigator.mediaDevices.getUserMedia({ video: { facingMode: "environment" } }).then(function (s) {
      stream = s;
      video.srcObject = s;
      video.hidden = false;
      video.play();
      status.textContent = button.dataset.scanning;
      window.requestAnimationFrame(tick);
    }).catch(function () { status.textContent = button.dataset.denied; });
  });
})();
