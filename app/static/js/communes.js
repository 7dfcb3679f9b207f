/* The communes of a province in a <select>, for the report form and the survey's answer page
   (report.js, survey.js): one request to the API's commune list, the first option "choose",
   ``selected`` chosen again when it is in the list. ``onError`` runs when the list cannot be had
   (the commune is optional: the select then offers only "choose"). */
(function () {
  "use strict";
  window.hangviet = window.hangviet || {};
  window.hangviet.loadCommunes = function (province, commune, options) {
    var code = province.value;
    commune.innerHTML = "";
    var first = document.createElement("option");
    first.value = ""; first.textContent = options.choose;
    commune.appendChild(first);
    commune.dataset.province = code;
    if (!code) { return; }
    fetch(options.url.replace("PROVINCE", encodeURIComponent(code)), {
      headers: { "Accept": "application/json" }
    }).then(function (r) { return r.ok ? r.json() : { communes: [] }; })
      .then(function (data) {
        data.communes.forEach(function (c) {
          var option = document.createElement("option");
          option.value = c.code; option.textContent = c.name;
          option.selected = c.code === options.selected;
          commune.appendChild(option);
        });
      })
      .catch(function () { if (options.onError) { options.onError(); } });
  };
})();
