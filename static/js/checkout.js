// Checkout (shops/checkout/form.html): the card fields show only while the test card is
// the chosen payment method. Without JavaScript they stay visible and are ignored for
// other methods.
(function () {
  "use strict";
  var box = document.getElementById("card-fields");
  if (!box) return;
  var radios = document.querySelectorAll('input[name="payment_method"]');
  function sync() {
    var chosen = document.querySelector('input[name="payment_method"]:checked');
    box.hidden = !chosen || chosen.value !== "test";
  }
  radios.forEach(function (radio) { radio.addEventListener("change", sync); });
  sync();
})();
