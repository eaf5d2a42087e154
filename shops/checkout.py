"""Checkout: turning a fan's cart into one order per shop, paid once.

`order_place` is the one use case. Everything happens in one transaction: the products
are locked in primary-key order, the cart is re-read (prices and stock from the database,
never from a form), stock is taken with guarded updates, the checkout and its orders are
written, the payment is authorized, events are recorded and the cart is emptied. A
decline or a sold-out product raises ValidationError and rolls everything back. Emails go
out only after commit.
"""

import logging
import secrets
import uuid
from dataclasses import dataclass
from decimal import Decimal

from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.db.models import F

from creators.events import event_record
from creators.models import EventKind, User
from shops import page_cache, referrals
from shops.cart import CartSummary, cart_summary
from shops.models import (
    Cart,
    CartLine,
    Checkout,
    Order,
    OrderItem,
    OrderStatus,
    Product,
    ShareLink,
)
from shops.orders import order_mark_paid
from shops.payments import PaymentProvider

logger = logging.getLogger(__name__)

NUMBER_ALPHABET = "23456789ABCDEFGHJKLMNPQRSTUVWXYZ"  # no 0/O, 1/I: read out over the phone
NUMBER_LENGTH = 8


@dataclass(frozen=True)
class Address:
    name: str
    line1: str
    city: str
    postal_code: str
    country: str
    line2: str = ""


def order_number_new() -> str:
    """`RC-` and 8 random characters: short, unique in practice (32⁸), not guessable."""
    while True:
        number = "RC-" + "".join(secrets.choice(NUMBER_ALPHABET) for _ in range(NUMBER_LENGTH))
        if not Order.objects.filter(number=number).exists():
            return number


def checkout_refusal(summary: CartSummary) -> str:
    """Why this cart cannot be checked out as it is; empty when it can."""
    if summary.is_empty:
        return "Your cart is empty."
    if summary.has_problems:
        return "Some items in your cart can’t be bought as they are: update or remove them."
    currencies = sorted({group.shop.currency for group in summary.groups})
    if len(currencies) > 1:
        return (
            f"Your cart holds prices in {' and '.join(currencies)}; one checkout takes one "
            "currency. Remove the items in one currency, check out, then add them again."
        )
    return ""


def _line_refusal(summary: CartSummary) -> None:
    for group in summary.groups:
        for item in group.items:
            if not item.problem:
                continue
            title = item.product.title
            if item.product.stock == 0:
                message = f"Sorry, “{title}” just sold out."
            else:
                message = f"“{title}”: {item.problem}"
            raise ValidationError(message, code="unavailable")


def order_place(
    *,
    buyer: User,
    cart: Cart,
    email: str,
    address: Address | None,
    provider: PaymentProvider,
    payment_data: dict,
    idempotency_key: uuid.UUID | str,
    expected_total: Decimal | None = None,
    referral: ShareLink | None = None,
) -> Checkout:
    """Place one order per shop of `cart` and pay for them once; return the checkout.

    Submitting the same `idempotency_key` again returns the first checkout. With
    `expected_total` (what the fan reviewed), a price or shipping change meanwhile is
    refused rather than charged. Each order's shipping is stored on it as a snapshot.
    `referral` is the share link the fan came through inside the attribution window
    (`referrals.attribution_from_request`): the orders it may be credited with carry it.
    """
    key = uuid.UUID(str(idempotency_key))
    try:
        return _order_place(
            buyer=buyer,
            cart=cart,
            email=email,
            address=address,
            provider=provider,
            payment_data=payment_data,
            key=key,
            expected_total=expected_total,
            referral=referral,
        )
    except IntegrityError:
        # The same key submitted twice at the same instant: the other request placed it.
        existing = _checkout_with_key(key, buyer)
        if existing is None:
            raise
        return existing


def _checkout_with_key(key: uuid.UUID, buyer: User) -> Checkout | None:
    existing = Checkout.objects.filter(idempotency_key=key).first()
    if existing is not None and existing.buyer_id != buyer.pk:
        raise ValidationError("This checkout form has expired: please start again.")
    return existing


def _order_place(
    *, buyer, cart, email, address, provider, payment_data, key, expected_total, referral
) -> Checkout:
    with transaction.atomic():
        existing = _checkout_with_key(key, buyer)
        if existing is not None:
            return existing

        # Lock the products in primary-key order (no deadlocks between two carts sharing
        # products), then read the cart as it is now: prices and stock from the database.
        product_ids = list(CartLine.objects.filter(cart=cart).values_list("product_id", flat=True))
        list(
            Product.objects.select_for_update()
            .filter(pk__in=product_ids)
            .order_by("pk")
            .values_list("pk", flat=True)
        )
        # A double submit waiting on those locks finds the checkout the first one placed.
        existing = _checkout_with_key(key, buyer)
        if existing is not None:
            return existing
        summary = cart_summary(cart)
        _line_refusal(summary)
        refusal = checkout_refusal(summary)
        if refusal:
            raise ValidationError(refusal, code="refused")
        needs_shipping = any(group.needs_shipping for group in summary.groups)
        if needs_shipping and address is None:
            raise ValidationError("Enter a shipping address.", code="no_address")

        stocked = [item for group in summary.groups for item in group.items]
        stocked = [item for item in stocked if item.product.stock is not None]
        for item in stocked:
            taken = Product.objects.filter(pk=item.product.pk, stock__gte=item.quantity).update(
                stock=F("stock") - item.quantity
            )
            if not taken:
                raise ValidationError(
                    f"Sorry, “{item.product.title}” just sold out.", code="sold_out"
                )
        page_cache.products_touched(item.product.pk for item in stocked)

        currency = summary.groups[0].shop.currency
        # What the fan pays: each shop's subtotal plus its shipping, charged once.
        total = sum((group.total for group in summary.groups), Decimal("0.00"))
        if expected_total is not None and total != expected_total:
            raise ValidationError(
                "Prices or shipping changed since you reviewed your order: "
                "please check the new total.",
                code="price_changed",
            )
        checkout = Checkout.objects.create(
            buyer=buyer,
            idempotency_key=key,
            email=email,
            currency=currency,
            total=total,
            payment_provider=provider.name,
        )
        result = provider.authorize(
            amount=total, currency=currency, reference=str(key), data=payment_data
        )
        if not result.approved and not result.pending:
            raise ValidationError(result.message or "The payment was refused.", code="declined")
        paid = result.approved
        if result.reference:
            checkout.payment_reference = result.reference[:120]
            checkout.save(update_fields=["payment_reference"])

        # Which shops' orders the share link the fan came through is credited with.
        credited = referrals.referral_creator_ids(referral) if referral is not None else set()
        orders = []
        for group in summary.groups:
            ship = address if (group.needs_shipping and address is not None) else None
            order = Order.objects.create(
                number=order_number_new(),
                checkout=checkout,
                shop=group.shop,
                buyer=buyer,
                email=email,
                status=OrderStatus.AWAITING_PAYMENT,
                currency=currency,
                subtotal=group.subtotal,
                shipping_cost=group.shipping,
                total=group.total,
                ship_name=ship.name if ship else "",
                ship_line1=ship.line1 if ship else "",
                ship_line2=ship.line2 if ship else "",
                ship_city=ship.city if ship else "",
                ship_postal_code=ship.postal_code if ship else "",
                ship_country=ship.country if ship else "",
                referral=referral
                if referrals.referral_applies(
                    link=referral,
                    buyer=buyer,
                    shop_creator=group.shop.creator,
                    creator_ids=credited,
                )
                else None,
            )
            OrderItem.objects.bulk_create(
                OrderItem(
                    order=order,
                    product=item.product,
                    title=item.product.title,
                    kind=item.product.kind,
                    unit_price=item.product.price,
                    quantity=item.quantity,
                )
                for item in group.items
            )
            payload = {
                "order": order.number,
                "amount": str(order.total),
                "currency": currency,
                "buyer_id": buyer.pk,
                "items": sum(item.quantity for item in group.items),
            }
            creator = group.shop.creator
            event_record(
                kind=EventKind.ORDER_PLACED,
                actor=buyer,
                creator=creator,
                target=order,
                payload=payload,
            )
            if paid:
                # The one place an order becomes paid: status, sales count, event.
                order_mark_paid(order=order, by=buyer)
            orders.append(order)

        CartLine.objects.filter(cart=cart).delete()
    return checkout
