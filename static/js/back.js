// "Go back" on pages reached by a refused action (templates/rate_limited.html): a button
// (the Content-Security-Policy allows no javascript: link), shown only where this runs.
(function () {
  "use strict";
  document.querySelectorAll("[data-history-back]").forEach(function (wrapper) {
    wrapper.hidden = false;
    wrapper.querySelector("button").addEventListener("click", function () {
      history.back();
    });
  });
})();
