/* The report form without a round trip: communes follow the province, and a second tap on
   "send" while the first is on its way does nothing (the server would find the same report by
   its idempotency key anyway). */
(function () {
  "use strict";
  var script = document.currentScript;
  var form = document.getElementById("report-form");
  var province = document.getElementById("province");
  var commune = document.getElementById("commune");
  var refresh = document.getElementById("refresh-area");
  var submit = document.getElementById("report-submit");
  if (!form || !province || !commune) { return; }
  if (refresh) { refresh.hidden = true; }

  province.addEventListener("change", function () {
    var code = province.value;
    commune.innerHTML = "";
    var first = document.createElement("option");
    first.value = ""; first.textContent = script.dataset.choose;
    commune.appendChild(first);
    if (!code) { return; }
    fetch(script.dataset.communesUrl.replace("PROVINCE", encodeURIComponent(code)), {
      headers: { "Accept": "application/json" }
    }).then(function (r) { return r.ok ? r.json() : { communes: [] }; })
      .then(function (data) {
        data.communes.forEach(function (c) {
          var option = document.createElement("option");
          option.value = c.code; option.textContent = c.name;
          commune.appendChild(option);
        });
      })
      .catch(function () { if (refresh) { refresh.hidden = false; } });
  });

  form.addEventListener("submit", function (event) {
    if (event.submitter && event.submitter.name === "refresh_area") { return; }
    if (form.dataset.sending) { event.preventDefault(); return; }
    form.dataset.sending = "1";
    if (submit) { submit.setAttribute("aria-busy", "true"); }
  });
})();
