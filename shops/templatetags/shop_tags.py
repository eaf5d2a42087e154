"""Template helpers for shop pages: money formatting and the creator page's product grid.

The creator page lives in creators/, which never imports shops; its template loads these
tags instead, so the dependency still points shops → creators.
"""

from decimal import Decimal

from django import template
from django.core.paginator import Paginator

from shops import selectors

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
def product_questions(context, product_id):
    """The product page's questions as this viewer sees them: a page-cache hole. Inline
    (a page that isn't cached), it reuses the thread the view already read."""
    from creators import threads
    from shops.models import Product

    request = context["request"]
    product = context.get("product")
    if product is not None and str(product.pk) == str(product_id) and "thread" in context:
        thread = context["thread"]
    else:
        product = Product.objects.select_related("shop__creator").get(pk=int(product_id))
        thread = (
            threads.thread_for_target(
                target=product,
                owner_id=product.shop.creator.user_id,
                viewer=request.user,
                page_number=request.GET.get("questions_page"),
            )
            if product.is_published
            else None
        )
    return {
        "request": request,
        "user": request.user,
        "product": product,
        "profile": product.shop.creator,
        "thread": thread,
    }
