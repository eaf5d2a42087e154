"""Cart pages. Every change is a POST with CSRF; htmx and plain forms get the same answer."""

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.db import transaction
from django.shortcuts import redirect, render
from django.utils.http import url_has_allowed_host_and_scheme
from django.views.decorators.http import require_POST

from core import pagecache
from core.ratelimits import rate_limited
from shops import cart as carts


@pagecache.cached_page(lambda: [], plain_visitors_only=True)  # a visitor without a session
def cart_detail(request):
    summary = carts.cart_summary_for_request(request)
    context = {"summary": summary, "max_quantity": carts.MAX_QUANTITY}
    return render(request, "shops/cart.html", {**context, "cart_count": summary.units})


def _back(request, default="shops:cart"):
    target = request.POST.get("next", "")
    if url_has_allowed_host_and_scheme(
        target, allowed_hosts={request.get_host()}, require_https=request.is_secure()
    ):
        return redirect(target)
    return redirect(default)


@require_POST
@rate_limited("cart_write", "300/h")
def cart_add(request):
    """Add a product by the id a form posts. A refusal names the product only when its
    page is public (never a draft's title), and leaves no cart behind."""
    had_cart = carts.SESSION_KEY in request.session
    try:
        quantity = carts.parse_quantity(request.POST.get("quantity", "1"))
        with transaction.atomic():
            cart = carts.cart_for_request(request, create=True)
            line = carts.cart_add(
                cart=cart, product_id=request.POST.get("product"), quantity=quantity
            )
    except ValidationError as exc:
        if not had_cart:  # the visitor's new cart was rolled back with the line
            request.session.pop(carts.SESSION_KEY, None)
        messages.error(request, " ".join(exc.messages))
        return _back(request)
    messages.success(request, f"“{line.product.title}” is in your cart ({line.quantity}).")
    return _back(request)


@require_POST
@rate_limited("cart_write", "300/h")
def cart_line(request, line_id):
    cart = carts.cart_for_request(request)
    if "remove" in request.POST:
        product = carts.cart_line_remove(cart=cart, line_id=line_id)
        messages.success(request, f"Removed “{product.title}” from your cart.")
        return redirect("shops:cart")
    try:
        quantity = carts.parse_quantity(request.POST.get("quantity", ""))
        carts.cart_line_set_quantity(cart=cart, line_id=line_id, quantity=quantity)
    except ValidationError as exc:
        messages.error(request, " ".join(exc.messages))
    else:
        messages.success(request, "Your cart is updated.")
    return redirect("shops:cart")
