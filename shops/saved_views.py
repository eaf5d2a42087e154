"""The heart (save / unsave a product) and the fan's private Saved page (shops/saved.py)."""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.core.paginator import Paginator
from django.http import Http404
from django.shortcuts import redirect, render
from django.views.decorators.http import require_POST

from core.http import is_htmx, login_redirect, safe_next
from core.ratelimits import rate_limited
from shops import saved, selectors
from shops.models import Product

SAVED_PER_PAGE = 24
SAVE_RATE = "300/h"


def _heart(request, *, product: Product, is_saved: bool, next_url: str, error=""):
    """The htmx answer: the heart as it is now, in the shape that was pressed."""
    context = {
        "product": product,
        "product_id": product.pk,
        "saved": is_saved,
        "next_url": next_url,
        "error": error,
        "user": request.user,
    }
    if request.POST.get("size") == "card":
        return render(request, "shops/partials/card_heart.html", context)
    return render(request, "shops/partials/save_button.html", {**context, "size": "large"})


def _product_or_404(request, product_id) -> Product:
    """The product behind the heart, if this viewer may see it: its public page's rules,
    or a product the fan saved (they may always take it off their list). Anything else is
    a 404, so a guessed id names no draft, in the answer nor in a redirect to its page."""
    product = selectors.product_visible_get(product_id=product_id, viewer=request.user)
    if product is None and request.user.is_authenticated:
        product = saved.saved_product_of(user=request.user, product_id=product_id)
    if product is None:
        raise Http404("No product.")
    return product


def _limited(request, minutes: int):
    if not is_htmx(request):
        return render(request, "rate_limited.html", {"retry_minutes": minutes}, status=429)
    product = _product_or_404(request, request.resolver_match.kwargs["product_id"])
    is_saved = product.pk in saved.saved_ids_among(user=request.user, product_ids=[product.pk])
    return _heart(
        request,
        product=product,
        is_saved=is_saved,
        next_url=safe_next(request, "/"),
        error=f"Too many saves: please try again in {minutes} minute{'s' if minutes != 1 else ''}.",
    )


@require_POST
@rate_limited("saved", SAVE_RATE, limited_response=_limited)
def saved_toggle(request, product_id):
    """POST action=save|unsave. Visitors are sent to sign in and come back."""
    product = _product_or_404(request, product_id)
    next_url = safe_next(request, product.get_absolute_url())
    if not request.user.is_authenticated:
        return login_redirect(request, next_url)
    action = request.POST.get("action", "")
    error, notice = "", ""
    title = product.title
    try:
        if action == "save":
            saved.saved_add(user=request.user, product_id=product_id)
            notice = (
                f"“{title}” is in your Saved list: we’ll tell you if it gets cheaper "
                "or comes back in stock."
            )
        elif action == "unsave":
            saved.saved_remove(user=request.user, product_id=product_id)
            notice = f"“{title}” is no longer in your Saved list."
        else:
            error = "Choose to save or remove."
    except ValidationError as exc:
        error = " ".join(exc.messages)
    if is_htmx(request):
        is_saved = product_id in saved.saved_ids_among(user=request.user, product_ids=[product_id])
        return _heart(
            request,
            product=product,
            is_saved=is_saved,
            next_url=next_url,
            error=error,
        )
    if error:
        messages.error(request, error)
    else:
        messages.success(request, notice)
    return redirect(next_url)


@login_required
def saved_list(request):
    """The fan's Saved products, as they are now: price (and what it was when saved),
    stock, or that it is no longer for sale. Constant queries per page."""
    page = Paginator(saved.saved_list_for_user(user=request.user), SAVED_PER_PAGE).get_page(
        request.GET.get("page")
    )
    return render(request, "shops/saved.html", {"page": page})
