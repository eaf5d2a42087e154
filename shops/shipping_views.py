"""The Studio's shipping settings page (the rule itself is in shops/shipping.py)."""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.shortcuts import redirect, render

from core.ratelimits import rate_limited
from shops import selectors
from shops.forms import ShippingForm
from shops.shipping import shop_shipping_update


@login_required
@rate_limited("shop_settings", "60/h")
def studio_shipping(request):
    shop = selectors.shop_get_for_owner(user=request.user)
    initial = {"shipping_rate": shop.shipping_rate, "free_shipping_from": shop.free_shipping_from}
    form = ShippingForm(request.POST or None, initial=initial, currency=shop.currency)
    if request.method == "POST" and form.is_valid():
        try:
            shop_shipping_update(shop=shop, **form.cleaned_data)
        except ValidationError as exc:
            form.add_error(None, exc)
        else:
            messages.success(
                request, "Shipping settings saved. They apply to orders placed from now on."
            )
            return redirect("shops:studio_shipping")
    return render(request, "shops/studio_shipping.html", {"shop": shop, "form": form})
