/* The survey's answer page without a round trip for the communes: they follow the province (the
   "show the communes" button, for pages without JavaScript, goes away), and a second tap on
   "send" while the first is on its way does nothing (the server would answer "already answered"
   anyway). Everything works without this file. */
(function () {
  "use strict";
  var script = document.currentScript;
  var form = document.getElementById("survey-form");
  var province = document.getElementById("province");
  var commune = document.getElementById("commune");
  var refresh = document.getElementById("refresh-area");
  var submit = document.getElementById("survey-submit");
  if (!form) { return; }

  if (province && commune && window.fetch && window.hangviet) {
    // Gone rather than hidden: Enter in a box then sends the answers, not "show the communes".
    if (refresh && refresh.parentNode) { refresh.parentNode.removeChild(refresh); }

    var loadCommunes = function (selected) {
      window.hangviet.loadCommunes(province, commune, {
        url: script.dataset.communesUrl, choose: script.dataset.choose, selected: selected
      });
    };

    province.addEventListener("change", function () { loadCommunes(""); });
    // The browser put a province back (Back, reload) beside the communes of another.
    window.addEventListener("pageshow", function () {
      if (province.value !== (commune.dataset.province || "")) { loadCommunes(""); }
    });
  }

  form.addEventListener("submit", function (event) {
    if (event.submitter && event.submitter.name === "refresh_area") { return; }
    if (form.dataset.sending) { event.preventDefault(); return; }
    form.dataset.sending = "1";
    if (submit) { submit.setAttribute("aria-busy", "true"); }
  });
  window.addEventListener("pageshow", function (event) {
    // Back to this page as it was left after sending: ask the server, which knows it was.
    if (event.persisted && form.dataset.sending) { window.location.reload(); }
  });
})();
