// Presses the hearts of the product cards this visitor saved.
// Grids are shared by every visitor (the page cache), so cards render their heart
// unpressed; the grid's per-visitor hole (shops/partials/saved_state.html) lists the
// saved product ids in data-saved-products. Without JavaScript the heart still works:
// pressing it saves, which is harmless when the product is already saved.
(function () {
  "use strict";

  function press(button) {
    var icon = button.querySelector(".card-heart__icon");
    button.value = "unsave";
    button.setAttribute("aria-pressed", "true");
    if (icon) icon.textContent = "\u2665";
    button.setAttribute("aria-label", "Saved: " + (button.dataset.title || "") + " (press to remove)");
  }

  function apply(root) {
    var states = (root || document).querySelectorAll("[data-saved-products]");
    states.forEach(function (state) {
      state.dataset.savedProducts.split(" ").forEach(function (id) {
        if (!/^\d+$/.test(id)) return;
        document.querySelectorAll('button.card-heart__button[data-heart="' + id + '"]').forEach(press);
      });
    });
  }

  if (document.readyState === "loading") {
    document.addEventListener("DOMContentLoaded", function () { apply(document); });
  } else {
    apply(document);
  }
})();
