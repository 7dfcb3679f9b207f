/* Live camera scanning where the browser offers BarcodeDetector. The page works without it:
   the photo button and the digits field are plain forms. A code is accepted only after two
   identical reads in a row with a valid GS1 check digit. */
(function () {
  "use strict";
  var script = document.currentScript;
  var section = document.getElementById("camera-section");
  var photoInput = document.getElementById("photo");
  var photoForm = document.getElementById("photo-form");

  // A photo chosen is sent at once: one tap less on a phone.
  if (photoInput && photoForm) {
    photoInput.addEventListener("change", function () {
      if (photoInput.files && photoInput.files.length) { photoForm.submit(); }
    });
  }

  function validCheckDigit(code) {
    if (!/^\d{8}$|^\d{12,14}$/.test(code)) { return false; }
    var sum = 0, digits = code.slice(0, -1).split("").reverse();
    for (var i = 0; i < digits.length; i++) { sum += Number(digits[i]) * (i % 2 === 0 ? 3 : 1); }
    return (10 - (sum % 10)) % 10 === Number(code.slice(-1));
  }

  if (!section || !("BarcodeDetector" in window) || !navigator.mediaDevices) { return; }
  section.hidden = false;
  var startButton = document.getElementById("camera-start");
  var stopButton = document.getElementById("camera-stop");
  var box = document.getElementById("camera-box");
  var video = document.getElementById("camera-video");
  var status = document.getElementById("camera-status");
  var stream = null, timer = null, last = null;
  var detector = new window.BarcodeDetector({ formats: ["ean_13", "ean_8", "upc_a", "upc_e", "qr_code"] });

  function stop() {
    if (timer) { clearTimeout(timer); timer = null; }
    if (stream) { stream.getTracks().forEach(function (t) { t.stop(); }); stream = null; }
    box.hidden = true; startButton.hidden = false;
  }

  function accept(value) {
    stop();
    window.location.href = script.dataset.verifyUrl + "?code=" + encodeURIComponent(value);
  }

  function tick() {
    detector.detect(video).then(function (codes) {
      var found = null;
      for (var i = 0; i < codes.length; i++) {
        var value = codes[i].rawValue;
        if (codes[i].format === "qr_code" || validCheckDigit(value)) { found = value; break; }
      }
      if (found !== null && found === last) { accept(found); return; }
      if (found !== null) { status.textContent = script.dataset.msgSeen.replace("{code}", found); }
      last = found;
      timer = setTimeout(tick, 150);
    }).catch(function () { timer = setTimeout(tick, 300); });
  }

  startButton.addEventListener("click", function () {
    navigator.mediaDevices.getUserMedia({ video: { facingMode: "environment" }, audio: false })
      .then(function (s) {
        stream = s; video.srcObject = s; box.hidden = false; startButton.hidden = true;
        return video.play();
      })
      .then(tick)
      .catch(function () { status.textContent = script.dataset.msgDenied; box.hidden = false; });
  });
  stopButton.addEventListener("click", stop);
})();
