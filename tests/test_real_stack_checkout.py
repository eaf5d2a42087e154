"""Checkout under real concurrency: PostgreSQL row locks and the guarded stock update.

Eight fans press "Place order" at the same instant for the last unit of a product.
"""

import threading
import uuid

import pytest
from django.core.exceptions import ValidationError
from django.db import connection

from creators.models import EngagementEvent, EventKind
from shops.cart import cart_add
from shops.checkout import Address, order_place
from shops.models import Cart, Checkout, Order, Product
from shops.payments import PAYMENT_PROVIDERS
from tests.factories import ProductFactory, UserFactory

pytestmark = [pytest.mark.real_stack, pytest.mark.django_db(transaction=True)]

FANS = 8
ADDRESS = Address(
    name="Fan", line1="1 Clay Street", city="Lisbon", postal_code="1100", country="PT"
)
CARD = {"card_number": "4242424242424242", "card_expiry": "12/99", "card_cvc": "123"}


def test_fans_racing_for_the_last_unit_get_one_order_and_no_oversell():
    # Given eight fans, each with the last unit of a product (and a plentiful one) in the cart…
    last = ProductFactory(title="Last vase", stock=1)
    plenty = ProductFactory(stock=100)
    fans = [UserFactory() for _ in range(FANS)]
    carts = {}
    for fan in fans:
        carts[fan.pk] = Cart.objects.create(user=fan)
        cart_add(cart=carts[fan.pk], product_id=plenty.pk, quantity=1)
        cart_add(cart=carts[fan.pk], product_id=last.pk, quantity=1)
    barrier = threading.Barrier(FANS)
    outcomes = []

    def attempt(fan):
        try:
            barrier.wait(timeout=10)
            order_place(
                buyer=fan,
                cart=carts[fan.pk],
                email=fan.email,
                address=ADDRESS,
                provider=PAYMENT_PROVIDERS["test"],
                payment_data=CARD,
                idempotency_key=uuid.uuid4(),
            )
            outcomes.append("placed")
        except ValidationError as exc:
            outcomes.append(" ".join(exc.messages))
        except Exception as exc:  # a deadlock or crash must fail the test, not hang it
            outcomes.append(f"crash: {exc!r}")
        finally:
            connection.close()

    # …when they all place their orders at the same instant…
    threads = [threading.Thread(target=attempt, args=(fan,)) for fan in fans]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)

    # …exactly one gets it, the others are told it sold out, and nothing is oversold.
    assert outcomes.count("placed") == 1, outcomes
    refusals = [outcome for outcome in outcomes if outcome != "placed"]
    assert len(refusals) == FANS - 1
    assert all("sold out" in refusal for refusal in refusals), refusals
    assert Checkout.objects.count() == 1
    assert Order.objects.count() == 2  # one per shop of the winning cart
    last.refresh_from_db()
    plenty.refresh_from_db()
    assert last.stock == 0
    assert plenty.stock == 99  # the losers' other lines were rolled back too
    assert last.sales_count == 1
    assert EngagementEvent.objects.filter(kind=EventKind.ORDER_PLACED).count() == 2
    assert Product.objects.filter(stock__lt=0).count() == 0


def test_double_submit_at_the_same_instant_places_one_checkout():
    # Given one fan whose "Place order" is sent twice at once with the same key…
    product = ProductFactory(stock=5)
    fan = UserFactory()
    cart = Cart.objects.create(user=fan)
    cart_add(cart=cart, product_id=product.pk, quantity=2)
    key = uuid.uuid4()
    barrier = threading.Barrier(2)
    outcomes = []

    def attempt():
        try:
            barrier.wait(timeout=10)
            placed = order_place(
                buyer=fan,
                cart=cart,
                email=fan.email,
                address=ADDRESS,
                provider=PAYMENT_PROVIDERS["test"],
                payment_data=CARD,
                idempotency_key=key,
            )
            outcomes.append(placed.pk)
        except Exception as exc:
            outcomes.append(f"error: {exc!r}")
        finally:
            connection.close()

    threads = [threading.Thread(target=attempt) for _ in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)

    # …both answers are the one checkout, and the stock is taken once.
    checkout = Checkout.objects.get()
    assert outcomes == [checkout.pk, checkout.pk]
    product.refresh_from_db()
    assert product.stock == 3
