/* Live camera scanning with the browser's BarcodeDetector or, where there is none (iOS Safari,
   Firefox), the vendored ZXing WebAssembly ponyfill under /static/vendor/barcode-detector/ (loaded
   from our own server only, never a CDN). The page works without either: the photo button and the
   digits field are plain forms. A code is accepted only after two identical reads in a row with a
   valid GS1 check digit. */
(function () {
  "use strict";
  var script = document.currentScript;
  var section = document.getElementById("camera-section");
  // Chosen photos are named beside their buttons; nothing is sent until "Check the photos", so
  // the shopper can add the front and the back first.
  Array.prototype.forEach.call(document.querySelectorAll("#photo-form input[type=file]"), function (input) {
    var shown = document.getElementById(input.id + "-name");
    input.addEventListener("change", function () {
      if (shown) { shown.textContent = input.files && input.files.length ? input.files[0].name : ""; }
    });
  });

  function validCheckDigit(code) {
    if (!/^\d{8}$|^\d{12,14}$/.test(code)) { return false; }
    var sum = 0, digits = code.slice(0, -1).split("").reverse();
    for (var i = 0; i < digits.length; i++) { sum += Number(digits[i]) * (i % 2 === 0 ? 3 : 1); }
    return (10 - (sum % 10)) % 10 === Number(code.slice(-1));
  }

  var FORMATS = ["ean_13", "ean_8", "upc_a", "upc_e", "qr_code"];

  /* Loads the ponyfill (a classic script: allowed by script-src 'self' and our nonce), points ZXing
     at the .wasm next to it and compiles it. Resolves with the BarcodeDetector class once it can
     really decode; rejects otherwise (old browser, no WebAssembly, file missing, CSP without
     'wasm-unsafe-eval'), and then the camera section simply stays hidden. */
  function loadPonyfill(url) {
    return new Promise(function (resolve, reject) {
      if (!url || typeof WebAssembly !== "object") { reject(new Error("no ponyfill")); return; }
      var tag = document.createElement("script");
      tag.src = url;
      tag.async = true;
      if (script.nonce) { tag.nonce = script.nonce; }
      tag.onload = resolve;
      tag.onerror = reject;
      document.head.appendChild(tag);
    }).then(function () {
      var api = window.BarcodeDetectionAPI;
      if (!api || !api.BarcodeDetector || !api.prepareZXingModule) { throw new Error("no ponyfill"); }
      var base = new URL(url, window.location.href);
      return Promise.resolve(api.prepareZXingModule({
        overrides: {
          locateFile: function (path, prefix) {
            return /\.wasm$/.test(path) ? new URL(path, base).href : prefix + path;
          }
        },
        fireImmediately: true
      })).then(function (module) {
        if (!module) { throw new Error("ZXing did not load"); }
        return api.BarcodeDetector;
      });
    });
  }

  if (!section || !navigator.mediaDevices || !navigator.mediaDevices.getUserMedia) { return; }
  if ("BarcodeDetector" in window) {
    setUp(window.BarcodeDetector);
  } else {
    loadPonyfill(script.dataset.ponyfillUrl).then(setUp, function () { /* stays hidden */ });
  }

  function setUp(Detector) {
    section.hidden = false;
    var startButton = document.getElementById("camera-start");
    var stopButton = document.getElementById("camera-stop");
    var box = document.getElementById("camera-box");
    var video = document.getElementById("camera-video");
    var status = document.getElementById("camera-status");
    var stream = null, timer = null, last = null;
    var detector = new Detector({ formats: FORMATS });

    function stop() {
      if (timer) { clearTimeout(timer); timer = null; }
      if (stream) { stream.getTracks().forEach(function (t) { t.stop(); }); stream = null; }
      box.hidden = true; startButton.hidden = false;
      if (readPanel) { readPanel.hidden = true; }
    }

    var readPanel = document.getElementById("camera-read");
    var checkLink = document.getElementById("camera-check");
    var labelButton = document.getElementById("camera-label");
    var accepted = null;

    /* A confirmed number: check it now, or keep the camera on the label's front and send a still
       of it with the number, so the label text is read too (the photo form does the sending). */
    function accept(value) {
      accepted = value;
      if (timer) { clearTimeout(timer); timer = null; }
      status.textContent = script.dataset.msgRead.replace("{code}", value);
      checkLink.href = script.dataset.verifyUrl + "?code=" + encodeURIComponent(value);
      readPanel.hidden = false;
      checkLink.focus();
    }

    labelButton.addEventListener("click", function () {
      var canvas = document.createElement("canvas");
      canvas.width = video.videoWidth; canvas.height = video.videoHeight;
      canvas.getContext("2d").drawImage(video, 0, 0);
      canvas.toBlob(function (blob) {
        var form = document.getElementById("photo-form");
        var input = document.getElementById("photo-2");
        var files = new DataTransfer();
        files.items.add(new File([blob], "camera-label.jpg", { type: "image/jpeg" }));
        input.files = files.files;
        document.getElementById("photo-1").required = false;
        form.querySelector("input[name=code]").value = accepted;
        stop();
        form.submit();
      }, "image/jpeg", 0.92);
    });

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
          readPanel.hidden = true; last = null;
          return video.play();
        })
        .then(tick)
        .catch(function () { status.textContent = script.dataset.msgDenied; box.hidden = false; });
    });
    stopButton.addEventListener("click", stop);
  }
})();
