"""Shipping: what a shop charges to send an order, and the creator's settings for it.

A shop charges one flat rate per order that holds physical goods, waived once the
order's subtotal reaches the shop's "free shipping from" amount. Orders of digital goods
only pay no shipping. Checkout stores the amount on the Order as a snapshot, so changing
the rate later never changes an order already placed.
"""

from decimal import Decimal

from django.core.exceptions import ValidationError
from django.db import transaction

from shops.models import Shop

ZERO = Decimal("0.00")
CENT = Decimal("0.01")


def shipping_cost(*, shop: Shop, subtotal: Decimal, needs_shipping: bool) -> Decimal:
    """What one order of `shop` with this subtotal pays for shipping."""
    if not needs_shipping:
        return ZERO
    if shop.free_shipping_from is not None and subtotal >= shop.free_shipping_from:
        return ZERO
    return Decimal(shop.shipping_rate).quantize(CENT)


def free_shipping_gap(*, shop: Shop, subtotal: Decimal, needs_shipping: bool) -> Decimal | None:
    """How much more the fan would add to ship free; None when it would change nothing."""
    if shipping_cost(shop=shop, subtotal=subtotal, needs_shipping=needs_shipping) == ZERO:
        return None
    if shop.free_shipping_from is None:
        return None
    return (shop.free_shipping_from - subtotal).quantize(CENT)


def shop_shipping_update(
    *, shop: Shop, shipping_rate: Decimal, free_shipping_from: Decimal | None
) -> Shop:
    """Set the rate and the free-shipping threshold for orders placed from now on."""
    if shipping_rate is None or shipping_rate < 0:
        raise ValidationError("The shipping rate can’t be negative.", code="negative")
    if free_shipping_from is not None and free_shipping_from < 0:
        raise ValidationError("The free-shipping amount can’t be negative.", code="negative")
    with transaction.atomic():
        shop.shipping_rate = Decimal(shipping_rate).quantize(CENT)
        shop.free_shipping_from = (
            None if free_shipping_from is None else Decimal(free_shipping_from).quantize(CENT)
        )
        shop.save(update_fields=["shipping_rate", "free_shipping_from", "updated_at"])
    return shop
