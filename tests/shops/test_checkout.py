"""order_place: one transaction that turns a cart into one order per shop, paid once."""

import uuid
from decimal import Decimal

import pytest
from django.core import mail
from django.core.exceptions import ValidationError

from creators.models import EngagementEvent, EventKind, Notification
from shops.cart import cart_add
from shops.checkout import Address, order_place
from shops.models import Cart, CartLine, Checkout, Order, OrderItem, OrderStatus, Product
from shops.payments import PAYMENT_PROVIDERS
from tests.factories import ProductFactory, ShopFactory

pytestmark = pytest.mark.django_db

ADDRESS = Address(
    name="Fan Person", line1="1 Clay Street", city="Lisbon", postal_code="1100-001", country="PT"
)
CARD = {"card_number": "4242424242424242", "card_expiry": "12/99", "card_cvc": "123"}
DECLINED = {**CARD, "card_number": "4000000000000002"}


@pytest.fixture
def cart(fan):
    return Cart.objects.create(user=fan)


def place(fan, cart, *, provider="test", data=None, address=ADDRESS, key=None):
    return order_place(
        buyer=fan,
        cart=cart,
        email=fan.email,
        address=address,
        provider=PAYMENT_PROVIDERS[provider],
        payment_data=CARD if data is None else data,
        idempotency_key=key or uuid.uuid4(),
    )


def test_two_shops_make_two_orders_with_their_subtotals_paid_by_test_card(fan, cart):
    mug = ProductFactory(price=Decimal("24.00"), stock=5)
    scarf = ProductFactory(price=Decimal("55.50"), stock=None)
    cart_add(cart=cart, product_id=mug.pk, quantity=2)
    cart_add(cart=cart, product_id=scarf.pk, quantity=1)

    checkout = place(fan, cart)

    assert checkout.total == Decimal("103.50")
    assert checkout.payment_reference == "test card •••• 4242"
    orders = {order.shop_id: order for order in checkout.orders.all()}
    assert orders[mug.shop_id].subtotal == Decimal("48.00")
    assert orders[mug.shop_id].total == Decimal("48.00")
    assert orders[scarf.shop_id].total == Decimal("55.50")
    for order in orders.values():
        assert order.status == OrderStatus.PAID
        assert order.paid_at is not None
        assert order.number.startswith("RC-") and len(order.number) == 11
        assert order.ship_city == "Lisbon"
    item = OrderItem.objects.get(product=mug)
    assert (item.title, item.kind, item.unit_price, item.quantity) == (
        mug.title,
        "physical",
        Decimal("24.00"),
        2,
    )
    mug.refresh_from_db()
    scarf.refresh_from_db()
    assert (mug.stock, mug.sales_count) == (3, 2)
    assert (scarf.stock, scarf.sales_count) == (None, 1)
    assert not CartLine.objects.filter(cart=cart).exists()


def test_manual_payment_leaves_orders_awaiting_payment_and_sales_uncounted(fan, cart):
    mug = ProductFactory(stock=5)
    cart_add(cart=cart, product_id=mug.pk, quantity=1)
    checkout = place(fan, cart, provider="manual", data={})
    order = checkout.orders.get()
    assert order.status == OrderStatus.AWAITING_PAYMENT
    assert order.paid_at is None
    mug.refresh_from_db()
    assert (mug.stock, mug.sales_count) == (4, 0)
    kinds = list(EngagementEvent.objects.values_list("kind", flat=True))
    assert kinds == [EventKind.ORDER_PLACED]


def test_declined_card_places_nothing_and_keeps_stock(fan, cart):
    mug = ProductFactory(stock=5)
    cart_add(cart=cart, product_id=mug.pk, quantity=2)
    with pytest.raises(ValidationError, match="Your card was declined."):
        place(fan, cart, data=DECLINED)
    mug.refresh_from_db()
    assert mug.stock == 5
    assert not Checkout.objects.exists() and not Order.objects.exists()
    assert not EngagementEvent.objects.exists()
    assert CartLine.objects.filter(cart=cart).count() == 1


def test_invalid_card_is_refused(fan, cart):
    cart_add(cart=cart, product_id=ProductFactory().pk, quantity=1)
    with pytest.raises(ValidationError):
        place(fan, cart, data={**CARD, "card_number": "1234123412341234"})
    assert not Order.objects.exists()


def test_same_key_twice_places_one_checkout(fan, cart):
    mug = ProductFactory(stock=5)
    cart_add(cart=cart, product_id=mug.pk, quantity=1)
    key = uuid.uuid4()
    first = place(fan, cart, key=key)
    cart_add(cart=cart, product_id=mug.pk, quantity=1)  # even with a refilled cart
    second = place(fan, cart, key=key)
    assert first.pk == second.pk
    assert Order.objects.count() == 1
    mug.refresh_from_db()
    assert mug.stock == 4


def test_empty_cart_is_refused(fan, cart):
    with pytest.raises(ValidationError, match="Your cart is empty."):
        place(fan, cart)


def test_sold_out_meanwhile_names_the_product(fan, cart):
    mug = ProductFactory(title="Blue mug", stock=5)
    cart_add(cart=cart, product_id=mug.pk, quantity=1)
    Product.objects.filter(pk=mug.pk).update(stock=0)
    with pytest.raises(ValidationError, match="Sorry, “Blue mug” just sold out."):
        place(fan, cart)
    assert not Order.objects.exists()


def test_archived_meanwhile_is_refused(fan, cart):
    mug = ProductFactory(title="Blue mug")
    cart_add(cart=cart, product_id=mug.pk, quantity=1)
    Product.objects.filter(pk=mug.pk).update(status="archived")
    with pytest.raises(ValidationError, match="Blue mug"):
        place(fan, cart)


def test_more_than_stock_is_refused_and_nothing_taken(fan, cart):
    plenty = ProductFactory(stock=10)
    mug = ProductFactory(title="Blue mug", stock=5)
    cart_add(cart=cart, product_id=plenty.pk, quantity=2)
    cart_add(cart=cart, product_id=mug.pk, quantity=3)
    Product.objects.filter(pk=mug.pk).update(stock=2)
    with pytest.raises(ValidationError, match="Blue mug"):
        place(fan, cart)
    plenty.refresh_from_db()
    assert plenty.stock == 10


def test_mixed_currencies_are_refused(fan, cart):
    cart_add(cart=cart, product_id=ProductFactory(shop=ShopFactory(currency="EUR")).pk, quantity=1)
    cart_add(cart=cart, product_id=ProductFactory(shop=ShopFactory(currency="USD")).pk, quantity=1)
    with pytest.raises(ValidationError, match="EUR and USD"):
        place(fan, cart)


def test_physical_goods_need_an_address_digital_do_not(fan, cart):
    ebook = ProductFactory(kind="digital", stock=None)
    cart_add(cart=cart, product_id=ebook.pk, quantity=1)
    order = place(fan, cart, address=None).orders.get()
    assert order.ship_line1 == "" and not order.needs_shipping

    cart_add(cart=cart, product_id=ProductFactory().pk, quantity=1)
    with pytest.raises(ValidationError, match="shipping address"):
        place(fan, cart, address=None)


def test_digital_order_next_to_a_physical_one_gets_no_address(fan, cart):
    ebook = ProductFactory(kind="digital", stock=None)
    mug = ProductFactory()
    cart_add(cart=cart, product_id=ebook.pk, quantity=1)
    cart_add(cart=cart, product_id=mug.pk, quantity=1)
    orders = {order.shop_id: order for order in place(fan, cart).orders.all()}
    assert orders[ebook.shop_id].ship_line1 == ""
    assert orders[mug.shop_id].ship_line1 == "1 Clay Street"


def test_events_per_order_with_amount_currency_and_buyer(fan, cart):
    mug = ProductFactory(price=Decimal("24.00"))
    cart_add(cart=cart, product_id=mug.pk, quantity=2)
    order = place(fan, cart).orders.get()
    events = {event.kind: event for event in EngagementEvent.objects.all()}
    assert set(events) == {EventKind.ORDER_PLACED, EventKind.ORDER_PAID}
    placed = events[EventKind.ORDER_PLACED]
    assert placed.creator == mug.shop.creator
    assert placed.actor == fan
    assert placed.target_id == order.pk
    assert placed.payload == {
        "order": order.number,
        "amount": "48.00",
        "currency": "EUR",
        "buyer_id": fan.pk,
        "items": 2,
    }


def test_emails_go_out_after_commit_to_fan_and_creator(
    fan, cart, django_capture_on_commit_callbacks
):
    mug = ProductFactory()
    cart_add(cart=cart, product_id=mug.pk, quantity=1)
    with django_capture_on_commit_callbacks(execute=False) as callbacks:
        order = place(fan, cart, provider="manual", data={}).orders.get()
    assert mail.outbox == []  # nothing before commit
    with django_capture_on_commit_callbacks(execute=True):
        for callback in callbacks:
            callback()
    recipients = sorted(message.to[0] for message in mail.outbox)
    assert recipients == sorted([fan.email, mug.shop.creator.user.email])
    assert all(order.number in message.body for message in mail.outbox)


def test_paid_at_once_also_sends_the_paid_email(fan, cart, django_capture_on_commit_callbacks):
    cart_add(cart=cart, product_id=ProductFactory().pk, quantity=1)
    with django_capture_on_commit_callbacks(execute=True):
        order = place(fan, cart).orders.get()
    sent = Notification.objects.filter(event__target_id=order.pk, channel="email")
    assert sorted((n.kind, n.recipient_id) for n in sent if n.sent_at) == [
        (EventKind.ORDER_PAID, fan.pk),
        (EventKind.ORDER_PLACED, fan.pk),
        (EventKind.ORDER_PLACED, order.shop.creator.user_id),
    ]
    assert len(mail.outbox) == 3


def test_declined_payment_sends_no_email(fan, cart, django_capture_on_commit_callbacks):
    cart_add(cart=cart, product_id=ProductFactory().pk, quantity=1)
    with django_capture_on_commit_callbacks(execute=True) as callbacks:
        with pytest.raises(ValidationError):
            place(fan, cart, data=DECLINED)
    assert mail.outbox == []
    assert len(callbacks) == 0


def test_order_numbers_are_unique_and_unambiguous(fan, cart):
    for _ in range(3):
        cart_add(cart=cart, product_id=ProductFactory().pk, quantity=1)
    numbers = [order.number for order in place(fan, cart).orders.all()]
    assert len(set(numbers)) == 3
    for number in numbers:
        assert not set(number[3:]) & set("01OI")


def test_outer_rollback_leaves_no_order_event_or_stock_change(fan, cart):
    from django.db import transaction

    mug = ProductFactory(stock=5)
    cart_add(cart=cart, product_id=mug.pk, quantity=1)
    with pytest.raises(RuntimeError), transaction.atomic():
        place(fan, cart)
        assert EngagementEvent.objects.count() == 2  # written in the same transaction
        raise RuntimeError("something later fails")
    assert not EngagementEvent.objects.exists() and not Order.objects.exists()
    mug.refresh_from_db()
    assert mug.stock == 5


def test_price_changed_since_review_is_refused(fan, cart):
    mug = ProductFactory(price=Decimal("24.00"))
    cart_add(cart=cart, product_id=mug.pk, quantity=1)
    with pytest.raises(ValidationError, match="Prices or shipping changed"):
        order_place(
            buyer=fan,
            cart=cart,
            email=fan.email,
            address=ADDRESS,
            provider=PAYMENT_PROVIDERS["test"],
            payment_data=CARD,
            idempotency_key=uuid.uuid4(),
            expected_total=Decimal("20.00"),
        )
    assert not Order.objects.exists()


def test_order_emails_lost_to_a_broker_outage_are_sent_by_the_sweeper(
    fan, cart, settings, django_capture_on_commit_callbacks
):
    from datetime import timedelta
    from unittest import mock

    from kombu.exceptions import OperationalError

    from creators.tasks import event_dispatch_task, events_sweep_undispatched_task

    cart_add(cart=cart, product_id=ProductFactory().pk, quantity=1)
    # Given the broker is down when the order commits: the order stands, nothing is sent…
    down = OperationalError("down")
    with mock.patch.object(event_dispatch_task, "apply_async", side_effect=down):
        with django_capture_on_commit_callbacks(execute=True):
            order = place(fan, cart).orders.get()
    assert order.status == OrderStatus.PAID and mail.outbox == []
    # …when the broker is back, the sweeper's dispatch sends each email exactly once.
    settings.EVENT_SWEEP_AFTER = timedelta(0)
    with django_capture_on_commit_callbacks(execute=True):
        events_sweep_undispatched_task.delay()
        events_sweep_undispatched_task.delay()
    assert len(mail.outbox) == 3  # placed (fan, creator) and paid (fan)
    assert {m.to[0] for m in mail.outbox} == {fan.email, order.shop.creator.user.email}


def test_no_receipt_to_an_unverified_checkout_address(
    fan, cart, django_capture_on_commit_callbacks
):
    cart_add(cart=cart, product_id=ProductFactory().pk, quantity=1)
    with django_capture_on_commit_callbacks(execute=True):
        order_place(
            buyer=fan,
            cart=cart,
            email="someone-else@example.com",  # typed at checkout, never verified
            address=ADDRESS,
            provider=PAYMENT_PROVIDERS["test"],
            payment_data=CARD,
            idempotency_key=uuid.uuid4(),
        )
    # The creator still hears about the order; nothing goes to the unverified address.
    assert [m.to for m in mail.outbox] == [
        [ShopFactory._meta.model.objects.get().creator.user.email]
    ]
