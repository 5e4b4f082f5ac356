// Reads a chip ID card's QR with the camera (jsQR, no network) and submits the scan form.
(function () {
  "use strict";
  var button = document.getElementById("scan-camera");
  var video = document.getElementById("scan-video");
  var status = document.getElementById("scan-status");
  if (!button || !video || !navigator.mediaDevices || !window.jsQR) { return; }
  var input = document.getElementById(button.dataset.target);
  var canvas = document.createElement("canvas");
  var context = canvas.getContext("2d", { willReadFrequently: true });
  var stream = null;
  button.hidden = false;

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
        input.value = code.data;
        stop();
        input.form.submit();
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
      status.textContent = button.dataset.scanning || "";
      window.requestAnimationFrame(tick);
    }).catch(function () {
      status.textContent = button.dataset.denied || "";
    });
  });
})();
