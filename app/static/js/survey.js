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

  if (province && commune && window.fetch) {
    // Gone rather than hidden: Enter in a box then sends the answers, not "show the communes".
    if (refresh && refresh.parentNode) { refresh.parentNode.removeChild(refresh); }

    var loadCommunes = function (selected) {
      var code = province.value;
      commune.innerHTML = "";
      var first = document.createElement("option");
      first.value = ""; first.textContent = script.dataset.choose;
      commune.appendChild(first);
      commune.dataset.province = code;
      if (!code) { return; }
      fetch(script.dataset.communesUrl.replace("PROVINCE", encodeURIComponent(code)), {
        headers: { "Accept": "application/json" }
      }).then(function (r) { return r.ok ? r.json() : { communes: [] }; })
        .then(function (data) {
          data.communes.forEach(function (c) {
            var option = document.createElement("option");
            option.value = c.code; option.textContent = c.name;
            option.selected = c.code === selected;
            commune.appendChild(option);
          });
        })
        .catch(function () { /* the commune is optional: the list stays empty */ });
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
