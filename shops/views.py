from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.shortcuts import redirect, render

from creators.forms import OpenShopForm
from creators.ratelimits import rate_limited
from creators.selectors import creator_profile_of
from shops.services import shop_open


@login_required
@rate_limited("shop_open", "10/h")
def open_shop(request):
    if creator_profile_of(request.user) is not None:
        messages.info(request, "You already have a shop.")
        return redirect("creators:studio")
    form = OpenShopForm(request.POST or None, request.FILES or None)
    if request.method == "POST" and form.is_valid():
        try:
            shop = shop_open(user=request.user, **form.cleaned_data)
        except ValidationError as exc:
            form.add_error(None, exc)
        else:
            messages.success(request, "Your shop is open. Welcome, creator!")
            return redirect(shop.creator)
    return render(request, "shops/open_shop.html", {"form": form})
