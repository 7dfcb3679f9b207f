/* The report form without a round trip: communes follow the province, too many or too large
   photos are refused before they are sent, and a second tap on "send" while the first is on its
   way does nothing (the server would find the same report by its idempotency key anyway).

   Back and reload bring the same form (its key is in the address): the browser puts back what
   was typed, and this puts back the commune too (its list is loaded for the province). A form
   the browser kept in memory after it was sent is loaded again, and the server shows its receipt. */
(function () {
  "use strict";
  var script = document.currentScript;
  var form = document.getElementById("report-form");
  var province = document.getElementById("province");
  var commune = document.getElementById("commune");
  var refresh = document.getElementById("refresh-area");
  var submit = document.getElementById("report-submit");
  var photos = document.getElementById("photos");
  var refused = document.getElementById("photos-refused");
  if (!form || !province || !commune) { return; }
  if (refresh) { refresh.hidden = true; }
  var key = form.elements.idempotency_key ? form.elements.idempotency_key.value : "";
  // A form shown again by a POST takes its own address (a GET): Back to it after sending then
  // asks the server, which shows the receipt, instead of offering to send the POST again.
  if (form.dataset.address && window.history.replaceState) {
    window.history.replaceState(window.history.state, "", form.dataset.address);
  }
  var remembered = "report-commune:" + key;

  function remember(value) {
    try { window.sessionStorage.setItem(remembered, value); } catch (e) { /* private mode */ }
  }
  function recalled() {
    try { return window.sessionStorage.getItem(remembered) || ""; } catch (e) { return ""; }
  }

  function loadCommunes(selected) {
    if (!window.hangviet) { if (refresh) { refresh.hidden = false; } return; }
    window.hangviet.loadCommunes(province, commune, {
      url: script.dataset.communesUrl,
      choose: script.dataset.choose,
      selected: selected,
      onError: function () { if (refresh) { refresh.hidden = false; } }
    });
  }

  province.addEventListener("change", function () {
    remember("");
    loadCommunes("");
  });
  commune.addEventListener("change", function () { remember(commune.value); });
  // The browser put a province back (Back, reload) beside the list of another: load its own.
  function restoreCommunes() {
    if (province.value !== (commune.dataset.province || "")) {
      loadCommunes(recalled());
    }
  }
  restoreCommunes();

  function refuse(message) {
    if (!refused) { return; }
    refused.textContent = message;
    refused.hidden = !message;
  }

  if (photos) {
    photos.addEventListener("change", function () {
      var kept = Number(photos.dataset.kept || 0);
      var chosen = photos.files ? photos.files.length : 0;
      var message = "";
      if (kept + chosen > Number(photos.dataset.max)) {
        message = (kept ? photos.dataset.tooManyKept : photos.dataset.tooMany)
          .replace("{count}", String(chosen));
      } else {
        for (var i = 0; i < chosen; i += 1) {
          if (photos.files[i].size > Number(photos.dataset.maxBytes)) {
            message = photos.dataset.tooLarge.replace("{name}", photos.files[i].name);
            break;
          }
        }
      }
      if (message) { photos.value = ""; }  // nothing over the limit is sent
      refuse(message);
    });
  }

  form.addEventListener("submit", function (event) {
    var name = event.submitter ? event.submitter.name : "";
    if (name === "refresh_area" || name === "remove_photo") { return; }
    if (form.dataset.sending) { event.preventDefault(); return; }
    form.dataset.sending = "1";
    if (submit) { submit.setAttribute("aria-busy", "true"); }
  });

  window.addEventListener("pageshow", function (event) {
    // Back to this page as it was left, after it was sent: ask the server, which knows.
    if (event.persisted && form.dataset.sending) { window.location.reload(); return; }
    restoreCommunes();  // the browser may put typed values back only once the page has loaded
  });
})();
