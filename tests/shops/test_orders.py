"""Order state machine services: transitions, stock and sales counts, events, emails."""

from decimal import Decimal

import pytest
from django.core import mail
from django.core.exceptions import ValidationError

from creators.models import EngagementEvent, EventKind, Notification
from creators.notification_emails import notification_email_send
from shops.models import OrderStatus, ProductKind
from shops.orders import (
    TRANSITIONS,
    order_can_transition,
    order_cancel,
    order_mark_delivered,
    order_mark_paid,
    order_mark_shipped,
)
from tests.factories import OrderFactory, OrderItemFactory, ProductFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def order():
    """A physical order awaiting payment: 2 × a mug that has 8 left in stock."""
    order = OrderFactory()
    OrderItemFactory(order=order, product__stock=8, quantity=2)
    return order


def _refresh(obj):
    obj.refresh_from_db()
    return obj


def test_transition_table_is_explicit_and_final_states_are_final():
    assert TRANSITIONS[OrderStatus.AWAITING_PAYMENT] == {OrderStatus.PAID, OrderStatus.CANCELLED}
    assert TRANSITIONS[OrderStatus.PAID] == {
        OrderStatus.SHIPPED,
        OrderStatus.DELIVERED,
        OrderStatus.CANCELLED,
    }
    assert TRANSITIONS[OrderStatus.SHIPPED] == {OrderStatus.DELIVERED}
    assert TRANSITIONS[OrderStatus.DELIVERED] == set()
    assert TRANSITIONS[OrderStatus.CANCELLED] == set()


def test_full_physical_journey_sets_timestamps_events_and_emails_the_fan(
    order, django_capture_on_commit_callbacks
):
    creator_user = order.shop.creator.user
    with django_capture_on_commit_callbacks(execute=True):
        order_mark_paid(order=order, by=creator_user)
    with django_capture_on_commit_callbacks(execute=True):
        order_mark_shipped(
            order=order, tracking_number="TRK123", tracking_url="https://track.example/TRK123"
        )
    with django_capture_on_commit_callbacks(execute=True):
        order_mark_delivered(order=order)

    order = _refresh(order)
    assert order.status == OrderStatus.DELIVERED
    assert order.paid_at and order.shipped_at and order.delivered_at
    assert order.tracking_number == "TRK123"
    kinds = list(
        EngagementEvent.objects.filter(target_id=order.pk)
        .order_by("id")
        .values_list("kind", flat=True)
    )
    assert kinds == [EventKind.ORDER_PAID, EventKind.ORDER_SHIPPED, EventKind.ORDER_DELIVERED]
    event = EngagementEvent.objects.filter(kind=EventKind.ORDER_PAID).get()
    assert event.payload == {
        "order": order.number,
        "amount": "53.00",
        "currency": order.currency,
        "buyer_id": order.buyer_id,
    }
    assert event.creator == order.shop.creator
    assert [m.to for m in mail.outbox] == [[order.email]] * 3
    assert order.number in mail.outbox[1].subject or order.number in mail.outbox[1].body
    assert "TRK123" in mail.outbox[1].body
    sent = Notification.objects.filter(channel="email", sent_at__isnull=False)
    assert list(sent.order_by("id").values_list("kind", "recipient")) == [
        (EventKind.ORDER_PAID, order.buyer_id),
        (EventKind.ORDER_SHIPPED, order.buyer_id),
        (EventKind.ORDER_DELIVERED, order.buyer_id),
    ]
    # Each email also carries the unsubscribe link and headers.
    assert "List-Unsubscribe" in mail.outbox[0].extra_headers
    assert "/notifications/unsubscribe/" in mail.outbox[0].body


def test_emails_are_sent_once_even_if_the_task_runs_twice(
    order, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        order_mark_paid(order=order)
    assert len(mail.outbox) == 1
    note = Notification.objects.get(channel="email", kind=EventKind.ORDER_PAID)
    assert notification_email_send(notification_id=note.pk) is False  # a retried task
    assert len(mail.outbox) == 1


def test_mark_paid_counts_sales(order):
    product = order.items.get().product
    order_mark_paid(order=order)
    assert _refresh(product).sales_count == 2


def test_marking_shipped_twice_is_refused_and_changes_nothing(
    order, django_capture_on_commit_callbacks
):
    order_mark_paid(order=order)
    order_mark_shipped(order=order, tracking_number="A1")
    events = EngagementEvent.objects.count()
    with django_capture_on_commit_callbacks(execute=True):
        with pytest.raises(ValidationError, match=rf"Order {order.number} is already shipped\."):
            order_mark_shipped(order=order, tracking_number="B2")
    order = _refresh(order)
    assert order.tracking_number == "A1"
    assert EngagementEvent.objects.count() == events
    assert mail.outbox == []


@pytest.mark.parametrize(
    ("setup", "action", "message"),
    [
        ([], lambda o: order_mark_shipped(order=o), "not paid yet"),
        ([], lambda o: order_mark_delivered(order=o), "cannot go from awaiting payment"),
        ([order_mark_paid], lambda o: order_mark_paid(order=o), "already paid"),
        ([order_mark_paid], lambda o: order_mark_delivered(order=o), "must be marked shipped"),
        ([order_cancel], lambda o: order_mark_paid(order=o), "can no longer change"),
        ([order_cancel], lambda o: order_cancel(order=o), "already cancelled"),
    ],
)
def test_illegal_transitions_are_refused_with_a_clear_message(order, setup, action, message):
    for step in setup:
        step(order=order)
    before = _refresh(order).status
    events = EngagementEvent.objects.count()
    with pytest.raises(ValidationError, match=message):
        action(order)
    assert _refresh(order).status == before
    assert EngagementEvent.objects.count() == events


def test_digital_only_order_goes_from_paid_straight_to_delivered():
    order = OrderFactory(digital=True)
    OrderItemFactory(order=order, product__kind=ProductKind.DIGITAL, product__stock=None)
    order_mark_paid(order=order)
    assert order_can_transition(order=order, to=OrderStatus.DELIVERED)
    order_mark_delivered(order=order)
    assert _refresh(order).status == OrderStatus.DELIVERED


def test_digital_only_order_cannot_be_shipped():
    order = OrderFactory(digital=True)
    OrderItemFactory(order=order, product__kind=ProductKind.DIGITAL, product__stock=None)
    order_mark_paid(order=order)
    with pytest.raises(ValidationError, match="has nothing to ship; mark it delivered"):
        order_mark_shipped(order=order)
    order.refresh_from_db()
    assert order.status == OrderStatus.PAID


def test_tracking_url_must_be_http(order):
    order_mark_paid(order=order)
    with pytest.raises(ValidationError, match="http"):
        order_mark_shipped(order=order, tracking_url="javascript:alert(1)")
    assert _refresh(order).status == OrderStatus.PAID


def test_cancel_unpaid_returns_stock_once_and_emails_fan_and_creator(
    order, django_capture_on_commit_callbacks
):
    product = order.items.get().product
    unlimited = OrderItemFactory(order=order, product__shop=order.shop, product__stock=None)
    gone = OrderItemFactory(order=order, product=None, title="Deleted thing")
    with django_capture_on_commit_callbacks(execute=True):
        order_cancel(order=order, by=order.buyer)
    assert _refresh(product).stock == 10
    assert _refresh(unlimited.product).stock is None
    assert gone.product is None
    order = _refresh(order)
    assert order.status == OrderStatus.CANCELLED and order.stock_returned and order.cancelled_at
    assert sorted(m.to[0] for m in mail.outbox) == sorted(
        [order.email, order.shop.creator.user.email]
    )
    assert EngagementEvent.objects.filter(kind=EventKind.ORDER_CANCELLED).count() == 1

    with pytest.raises(ValidationError):
        order_cancel(order=order)
    assert _refresh(product).stock == 10


def test_cancel_paid_reverses_sales_count_never_below_zero(order):
    product = order.items.get().product
    order_mark_paid(order=order)
    product.sales_count = 1  # e.g. fixed by staff in between
    product.save(update_fields=["sales_count"])
    order_cancel(order=order)
    product = _refresh(product)
    assert product.sales_count == 0
    assert product.stock == 10


def test_cancel_shipped_order_is_refused(order):
    order_mark_paid(order=order)
    order_mark_shipped(order=order)
    with pytest.raises(ValidationError, match="cannot go from shipped to cancelled"):
        order_cancel(order=order)


def test_rolled_back_transition_leaves_nothing(order, django_capture_on_commit_callbacks):
    from django.db import transaction

    with django_capture_on_commit_callbacks(execute=True) as callbacks:
        with pytest.raises(RuntimeError):
            with transaction.atomic():
                order_mark_paid(order=order)
                raise RuntimeError("boom")
    assert callbacks == []
    assert _refresh(order).status == OrderStatus.AWAITING_PAYMENT
    assert not EngagementEvent.objects.exists()
    assert ProductFactory._meta.model.objects.get().sales_count == 0
    assert Decimal(order.total) == Decimal("53.00")
