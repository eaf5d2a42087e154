/* Copy-to-clipboard for buttons with data-copy-target="<input id>" (the share panel).
   One delegated listener, so panels swapped in by htmx work too. */
(function () {
  "use strict";
  function announce(button, text) {
    var status = button.parentNode.querySelector("[role=status]");
    if (status) status.textContent = text;
  }
  function fallbackCopy(input) {
    input.focus();
    input.select();
    try { return document.execCommand("copy"); } catch (e) { return false; }
  }
  document.addEventListener("click", function (event) {
    var button = event.target.closest("[data-copy-target]");
    if (!button) return;
    var input = document.getElementById(button.getAttribute("data-copy-target"));
    if (!input) return;
    var done = function () { announce(button, "Copied."); };
    var failed = function () {
      announce(button, fallbackCopy(input) ? "Copied." : "Select the link and copy it.");
    };
    if (navigator.clipboard && window.isSecureContext) {
      navigator.clipboard.writeText(input.value).then(done, failed);
    } else {
      failed();
    }
  });
})();
