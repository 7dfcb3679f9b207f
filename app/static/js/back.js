/* "Back to the form" after a refused post: the browser's own Back, which brings the form back
   as it was typed (without JavaScript the link opens the form again, empty). */
(function () {
  "use strict";
  document.querySelectorAll("a[data-history-back]").forEach(function (link) {
    link.addEventListener("click", function (event) {
      if (window.history.length > 1) {
        event.preventDefault();
        window.history.back();
      }
    });
  });
})();
