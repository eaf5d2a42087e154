"""Checkout pages: the form, the review, placing the order and the confirmation.

Signed-in fans only: a visitor is sent to sign in (or sign up) and comes back here, with
the visitor's cart merged into the account's at sign-in. The review step carries the
form's data in hidden fields (nothing about the card is stored on the server); the
"Place order" POST validates it again and calls `shops.checkout.order_place`.
"""

import uuid

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.db.models import Prefetch
from django.http import Http404
from django.shortcuts import redirect, render
from django.views.decorators.cache import never_cache

from core.ratelimits import rate_limited
from shops import cart as carts
from shops import referrals, social_proof
from shops.checkout import checkout_refusal, order_place
from shops.checkout_forms import CheckoutForm
from shops.models import Checkout, Order, OrderItem


def _placed(request) -> Checkout | None:
    try:
        key = uuid.UUID(request.POST.get("idempotency_key", ""))
    except ValueError:
        return None
    return Checkout.objects.filter(idempotency_key=key, buyer=request.user).first()


@never_cache  # the review page holds the form's data (card included) in hidden fields
@login_required
@rate_limited("checkout", "30/h")
def checkout(request):
    cart = carts.cart_for_request(request)
    summary = carts.cart_summary(cart)
    if request.method == "POST":
        # A double submit of "Place order" finds the checkout the first one placed —
        # looked for after reading the cart, which a first one that committed meanwhile
        # emptied (else this one would be sent back to an empty cart).
        done = _placed(request)
        if done is not None:
            return redirect("shops:checkout_done", key=done.idempotency_key)
    refusal = checkout_refusal(summary)
    if refusal:
        (messages.info if summary.is_empty else messages.error)(request, refusal)
        return redirect("shops:cart")
    needs_shipping = any(group.needs_shipping for group in summary.groups)
    context = {
        "summary": summary,
        "currency": summary.groups[0].shop.currency,
        "total": next(iter(summary.totals.values())),
        "needs_shipping": needs_shipping,
    }
    if request.method != "POST":
        form = CheckoutForm(needs_shipping=needs_shipping, initial={"email": request.user.email})
        return render(request, "shops/checkout/form.html", {**context, "form": form})

    form = CheckoutForm(request.POST, needs_shipping=needs_shipping)
    if not form.is_valid():
        return render(request, "shops/checkout/form.html", {**context, "form": form})
    if request.POST.get("step") != "place":
        return _review(request, form, context)
    data = form.cleaned_data
    try:
        placed = order_place(
            buyer=request.user,
            cart=cart,
            email=data["email"],
            address=form.address,
            provider=form.provider,
            payment_data=data.get("payment_data", {}),
            idempotency_key=data["idempotency_key"],
            expected_total=data.get("reviewed_total"),
            # The fan's share link they came through, if still inside the window.
            referral=referrals.attribution_from_request(request),
        )
    except ValidationError as exc:
        message = " ".join(exc.messages)
        if exc.code in ("unavailable", "sold_out", "refused"):
            messages.error(request, message)
            return redirect("shops:cart")
        if exc.code == "price_changed":
            messages.error(request, message)
            return _review(request, form, context)
        form.add_error(None, message)
        return render(request, "shops/checkout/form.html", {**context, "form": form})
    return redirect("shops:checkout_done", key=placed.idempotency_key)


def _review(request, form, context):
    """The review page; it carries the form (and the total shown) in hidden fields."""
    data = form.data.copy()
    data["reviewed_total"] = str(context["total"])
    form = CheckoutForm(data, needs_shipping=context["needs_shipping"])
    form.is_valid()
    return render(request, "shops/checkout/review.html", {**context, "form": form})


@login_required
def checkout_done(request, key):
    placed = (
        Checkout.objects.filter(idempotency_key=key, buyer=request.user)
        .prefetch_related(
            Prefetch(
                "orders",
                queryset=Order.objects.select_related("shop").prefetch_related(
                    Prefetch("items", queryset=OrderItem.objects.order_by("id"))
                ),
            )
        )
        .first()
    )
    if placed is None:
        raise Http404("No such checkout.")
    return render(
        request,
        "shops/checkout/done.html",
        # "I bought this": each order has its switch, off until the fan turns it on.
        {"checkout": placed, "fan_public": social_proof.fan_is_public(request.user)},
    )
