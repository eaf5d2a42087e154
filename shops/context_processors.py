from functools import cache

from shops.cart import cart_item_count


def cart(request):
    """`cart_count` for the header badge. Templates call it on first use and it is counted
    once (a cached callable, so it stays a real int for filters like `pluralize`)."""
    return {"cart_count": cache(lambda: cart_item_count(request))}
