/* Live camera scanning with the browser's BarcodeDetector or, where there is none (iOS Safari,
   Firefox), the vendored ZXing WebAssembly ponyfill under /static/vendor/barcode-detector/ (loaded
   from our own server only, never a CDN). The page works without either: the photo button and the
   digits field are plain forms. A code is accepted only after two identical reads in a row with a
   valid GS1 check digit.

   Some printed barcodes the in-browser reader never reads (bars made uneven by ink spread) while the
   server's decoders (ZBar and ZXing, several passes) read them at once. So after SERVER_WAIT_MS of
   live scanning with no accepted code, a still of the video goes to the photo API, which gives one
   answer or none: its number is then accepted like a live read. One request at a time, at most
   SERVER_TRIES per camera start, SERVER_WAIT_MS apart, and none after the server says "too many"
   (the photo rate limit is shared with the photo form). */
(function () {
  "use strict";
  var script = document.currentScript;
  var section = document.getElementById("camera-section");
  // Chosen photos are named beside their buttons; nothing is sent until "Check the photos", so
  // the shopper can add the front and the back first. (Every photo form: the scan page's, and
  // the verdict page's "take another photo".)
  Array.prototype.forEach.call(document.querySelectorAll("form.photo-form"), function (photoForm) {
    Array.prototype.forEach.call(photoForm.querySelectorAll("input[type=file]"), function (input) {
      var shown = document.getElementById(input.id + "-name");
      input.addEventListener("change", function () {
        if (shown) { shown.textContent = input.files && input.files.length ? input.files[0].name : ""; }
      });
    });
    // The names are shown here, so the browser's own "Choose File / No file chosen" can go.
    photoForm.classList.add("enhanced");
  });

  function validCheckDigit(code) {
    if (!/^\d{8}$|^\d{12,14}$/.test(code)) { return false; }
    var sum = 0, digits = code.slice(0, -1).split("").reverse();
    for (var i = 0; i < digits.length; i++) { sum += Number(digits[i]) * (i % 2 === 0 ? 3 : 1); }
    return (10 - (sum % 10)) % 10 === Number(code.slice(-1));
  }

  var FORMATS = ["ean_13", "ean_8", "upc_a", "upc_e", "qr_code"];
  var SERVER_WAIT_MS = 3500;
  var SERVER_TRIES = 3;
  // Tests shorten the wait with ?scan_wait_ms=…; never below a few frames' time.
  var waitOverride = Number(new URLSearchParams(window.location.search).get("scan_wait_ms"));
  if (waitOverride >= 200) { SERVER_WAIT_MS = waitOverride; }

  function message(name, values) {
    var text = script.dataset[name] || "";
    Object.keys(values || {}).forEach(function (key) { text = text.replace("{" + key + "}", values[key]); });
    return text;
  }

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
    // The server fallback: its timer, tries left, and a camera session number so that an answer
    // arriving after "Stop" or a new start is dropped. rateLimited lasts until the page reloads.
    var serverTimer = null, serverTries = 0, session = 0, rateLimited = false;

    function stop() {
      session += 1;
      if (timer) { clearTimeout(timer); timer = null; }
      if (serverTimer) { clearTimeout(serverTimer); serverTimer = null; }
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
    function accept(value, text) {
      accepted = value;
      session += 1;  // an answer still on its way from the server is not wanted now
      if (timer) { clearTimeout(timer); timer = null; }
      if (serverTimer) { clearTimeout(serverTimer); serverTimer = null; }
      status.textContent = text || message("msgRead", { code: value });
      // via=camera: the check is counted as a camera one in the campaign figures.
      var link = new URL(script.dataset.verifyUrl, window.location.href);
      link.searchParams.set("code", value);
      link.searchParams.set("via", "camera");
      checkLink.href = link.href;
      readPanel.hidden = false;
      checkLink.focus();
    }

    /* A JPEG of the video's current frame, at the camera's size. */
    function still(done) {
      var canvas = document.createElement("canvas");
      canvas.width = video.videoWidth; canvas.height = video.videoHeight;
      canvas.getContext("2d").drawImage(video, 0, 0);
      canvas.toBlob(done, "image/jpeg", 0.92);
    }

    function askServerLater() {
      if (serverTimer) { clearTimeout(serverTimer); }
      serverTimer = serverTries < SERVER_TRIES && !rateLimited ? setTimeout(askServer, SERVER_WAIT_MS) : null;
    }

    /* One still to the photo API; its answer is shown, and another try is planned if it read
       nothing. Only one request is ever in flight: the next is planned when this one ends. */
    function askServer() {
      serverTimer = null;
      if (accepted !== null || rateLimited) { return; }
      // No picture yet, or the page is in the background: wait, without using up a try.
      if (!video.videoWidth || document.hidden) { askServerLater(); return; }
      var mine = session;
      serverTries += 1;
      status.textContent = message("msgSending");
      still(function (blob) {
        if (mine !== session) { return; }
        if (!blob) { serverTries -= 1; askServerLater(); return; }
        var body = new FormData();
        body.append("photo", blob, "camera-frame.jpg");
        // counted=false: a still only reads the number; the check that follows is the one counted.
        var url = script.dataset.serverReadUrl + "?lang=" + encodeURIComponent(document.documentElement.lang || "vi") + "&counted=false";
        fetch(url, { method: "POST", body: body, headers: { Accept: "application/json" } })
          .then(function (response) {
            if (response.status === 429) { return { limited: true }; }
            if (!response.ok) { return { failed: true }; }
            return response.json();
          })
          .catch(function () { return { failed: true }; })
          .then(function (answer) { if (mine === session) { serverAnswered(answer); } });
      });
    }

    function serverAnswered(answer) {
      var reasons = answer.reasons || [];
      var disagree = reasons.filter(function (r) { return r.code === "codes_disagree" || r.code === "code_unclear"; });
      var choices = answer.choices || [];
      if (answer.limited) {
        rateLimited = true;
        status.textContent = message("msgServerBusy");
        return;
      }
      if (answer.chosen) {
        accept(answer.chosen, message("msgServerRead", { code: answer.chosen }));
        return;
      }
      if (choices.length || disagree.length) {
        // Two numbers on one barcode (or two barcodes): no guess; the shopper compares them with
        // the digits printed under the bars. The same frame would say the same again: no more tries.
        serverTries = SERVER_TRIES;
        status.textContent = choices.length
          ? message("msgServerDisagree", { codes: choices.join(", ") })
          : disagree[0].message;
        return;
      }
      if (serverTries >= SERVER_TRIES) {
        status.textContent = message("msgServerGaveUp");
        return;
      }
      status.textContent = message(answer.failed ? "msgServerFailed" : "msgServerNone");
      askServerLater();
    }

    labelButton.addEventListener("click", function () {
      still(function (blob) {
        var form = document.getElementById("photo-form");
        var input = document.getElementById("photo-2");
        var files = new DataTransfer();
        files.items.add(new File([blob], "camera-label.jpg", { type: "image/jpeg" }));
        input.files = files.files;
        document.getElementById("photo-1").required = false;
        form.querySelector("input[name=code]").value = accepted;
        stop();
        form.submit();
      });
    });

    function tick() {
      detector.detect(video).then(function (codes) {
        var found = null;
        for (var i = 0; i < codes.length; i++) {
          var value = codes[i].rawValue;
          if (codes[i].format === "qr_code" || validCheckDigit(value)) { found = value; break; }
        }
        if (found !== null && found === last) { accept(found); return; }
        if (found !== null) { status.textContent = message("msgSeen", { code: found }); }
        last = found;
        timer = setTimeout(tick, 150);
      }).catch(function () { timer = setTimeout(tick, 300); });
    }

    // "Point the camera at the barcode…": said again at every start.
    var pointAt = status.textContent;

    /* No camera, permission refused, or the camera busy elsewhere: no empty video box. The
       message takes its place, and "Start the camera" stays to try again. */
    function cameraFailed() {
      stop();
      box.hidden = false; video.hidden = true; stopButton.hidden = true;
      status.textContent = message("msgDenied");
      status.classList.add("error");
    }

    startButton.addEventListener("click", function () {
      status.classList.remove("error");
      navigator.mediaDevices.getUserMedia({ video: { facingMode: "environment" }, audio: false })
        .then(function (s) {
          stream = s; video.srcObject = s; startButton.hidden = true;
          readPanel.hidden = true; last = null; accepted = null; serverTries = 0;
          return video.play();
        })
        .then(function () {
          // The video is shown once it plays, never before: no black box while nothing comes.
          status.textContent = pointAt;
          box.hidden = false; video.hidden = false; stopButton.hidden = false;
          tick();
          if (rateLimited) { status.textContent = message("msgServerBusy"); } else { askServerLater(); }
        })
        .catch(cameraFailed);
    });
    stopButton.addEventListener("click", stop);
  }
})();
