// Presses the hearts of the product cards this visitor saved.
// Grids are shared by every visitor (the page cache), so cards render their heart
// unpressed; the grid's per-visitor hole (shops/partials/saved_state.html) lists the
// saved product ids in data-saved-products. Without JavaScript the heart still works:
// pressing it saves, which is harmless when the product is already saved.
(function () {
  "use strict";

  function press(form) {
    var action = form.querySelector('input[name="action"]');
    var button = form.querySelector("button");
    var icon = form.querySelector(".card-heart__icon");
    if (!action || !button) return;
    action.value = "unsave";
    button.setAttribute("aria-pressed", "true");
    if (icon) icon.textContent = "\u2665";
    button.setAttribute("aria-label", "Saved: " + (form.dataset.title || "") + " (press to remove)");
  }

  function apply(root) {
    var states = (root || document).querySelectorAll("[data-saved-products]");
    states.forEach(function (state) {
      state.dataset.savedProducts.split(" ").forEach(function (id) {
        if (!/^\d+$/.test(id)) return;
        document.querySelectorAll('form.card-heart[data-heart="' + id + '"]').forEach(press);
      });
    });
  }

  if (document.readyState === "loading") {
    document.addEventListener("DOMContentLoaded", function () { apply(document); });
  } else {
    apply(document);
  }
})();
