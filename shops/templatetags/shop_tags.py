"""Template helpers for shop pages: money formatting and the creator page's product grid.

The creator page lives in creators/, which never imports shops; its template loads these
tags instead, so the dependency still points shops → creators.
"""

from decimal import Decimal
from types import SimpleNamespace

from django import template
from django.core.paginator import Paginator

from creators import threads
from shops import saved, selectors, social_proof
from shops.models import Product

register = template.Library()

CURRENCY_SYMBOLS = {"EUR": "€", "USD": "$", "GBP": "£", "JPY": "¥"}
CREATOR_PRODUCTS_PER_PAGE = 24


@register.filter
def money(amount: Decimal | None, currency: str = "") -> str:
    """`{{ product.price|money:shop.currency }}` → "€1,234.50" (or "1,234.50 CHF")."""
    if amount is None:
        return ""
    text = f"{Decimal(amount):,.2f}"
    symbol = CURRENCY_SYMBOLS.get(currency)
    if symbol:
        return f"{symbol}{text}"
    return f"{text} {currency}".strip()


@register.filter
def stars(rating) -> str:
    """`{{ 4.3|stars }}` → "★★★★☆": the rating rounded to whole stars, out of five."""
    if rating is None:
        return ""
    full = max(0, min(5, int(Decimal(str(rating)).quantize(Decimal(1), rounding="ROUND_HALF_UP"))))
    return "★" * full + "☆" * (5 - full)


@register.inclusion_tag("shops/partials/creator_products.html", takes_context=True)
def creator_products(context, profile, is_owner=False):
    """The published products of `profile`'s shop, newest first, one page of the grid.

    Queries: the shop's overall rating (one aggregate over its products' stored rating
    totals), the paginator's count, one page of products (with shop and creator joined),
    their images (one prefetch). Constant as the shop grows.
    """
    request = context.get("request")
    page_number = request.GET.get("page") if request is not None else None
    page = Paginator(
        selectors.products_published_for_creator(creator_id=profile.pk),
        CREATOR_PRODUCTS_PER_PAGE,
    ).get_page(page_number)
    return {
        "page": page,
        "profile": profile,
        "is_owner": is_owner,
        "request": request,
        "shop_rating": selectors.shop_rating(creator_id=profile.pk),
    }


@register.simple_tag
def post_products_prefetch(posts) -> str:
    """Load the tagged products of a list of posts at once (feed, creator page), so each
    `{% post_products %}` below reads the cache: two queries per list, not per post."""
    selectors.post_products_prefetch(list(posts))
    return ""


@register.inclusion_tag("shops/partials/post_products.html", takes_context=True)
def post_products(context, post):
    """The published products a post features, as cards with price and Add to cart."""
    request = context.get("request")
    products = selectors.post_products_of(post)
    return {"products": products, "post": post, "request": request}


@register.inclusion_tag("shops/partials/product_questions.html", takes_context=True)
def product_questions(context, product_id, owner_id, handle, slug, name, count=""):
    """The product page's questions as this viewer sees them: a page-cache hole. Inline
    (a page that isn't cached), it reuses the thread the view already read. Replayed, the
    product, its creator and how many questions fans see come with the marker (a cached
    page is of a published product, and stale with it and its questions), so only the
    viewer's part of the thread is read — nothing at all when there are no questions."""

    request = context["request"]
    product = context.get("product")
    if product is not None and str(product.pk) == str(product_id) and "thread" in context:
        return _questions(request, product, product.shop.creator, context["thread"])
    product = Product(pk=int(product_id), slug=slug)
    thread = threads.thread_for_target(
        target=product,
        owner_id=int(owner_id),
        viewer=request.user,
        page_number=request.GET.get("questions_page"),
        shown_count=int(count) if str(count).isdigit() else None,
    )
    creator = SimpleNamespace(handle=handle, display_name=name, user_id=int(owner_id))
    return _questions(request, product, creator, thread)


def _questions(request, product, creator, thread) -> dict:
    return {
        "request": request,
        "user": request.user,
        "product": product,
        "profile": creator,
        "thread": thread,
    }


# "I bought this" and saved items (shops/social_proof.py, shops/saved.py) -----------------


@register.inclusion_tag("shops/partials/bought_this.html")
def bought_this(product):
    """The product page's "Ana, Li and 12 other fans bought this" (part of the cached
    page: two queries when it renders, invalidated as social_proof.py describes)."""

    return {"bought": social_proof.bought_this(product_id=product.pk)}


@register.inclusion_tag("shops/partials/bought_following.html", takes_context=True)
def bought_by_following(context, product_id):
    """ "3 people you follow bought this": per viewer, a hole (one query, none signed out)."""

    request = context["request"]
    count = social_proof.bought_by_following_count(product_id=int(product_id), viewer=request.user)
    return {"count": count}


@register.inclusion_tag("shops/partials/save_button.html", takes_context=True)
def save_button(context, product_id, size="large", also=""):
    """The heart of one product, pressed or not for this viewer (one query signed in,
    which also answers for the page's other products in `also`: the grid's hole)."""

    request = context["request"]
    product_id = int(product_id)
    is_saved = product_id in saved.saved_ids_on_page(request, [product_id], also=_ids(also))
    return {
        "request": request,
        "user": request.user,
        "product_id": product_id,
        "title": context.get("title", ""),
        "saved": is_saved,
        "size": size,
        "next_url": request.get_full_path(),
    }


@register.filter
def product_ids(products) -> str:
    """`{% hole … ids=page.object_list|product_ids %}`: "3-5-8", for the saved-state hole."""
    return "-".join(str(product.pk) for product in products)


def _ids(joined) -> list[int]:
    return [int(part) for part in str(joined).split("-") if part.isdigit()][:200]


@register.inclusion_tag("shops/partials/saved_state.html", takes_context=True)
def saved_state(context, ids):
    """Which products of a grid this viewer saved (one query; nothing signed out), for
    static/js/saved.js to press their hearts: the grid itself is shared by everyone."""

    request = context["request"]
    found = saved.saved_ids_on_page(request, _ids(ids))
    return {
        "saved_ids": " ".join(str(pk) for pk in sorted(found)),
        "signed_in": request.user.is_authenticated,
    }
