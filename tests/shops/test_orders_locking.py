"""Racing status changes on one order (PostgreSQL: SQLite has no row locks)."""

import threading

import pytest
from django.core.exceptions import ValidationError
from django.db import connection

from creators.models import EngagementEvent, EventKind
from shops.models import Order, OrderStatus
from shops.orders import order_cancel, order_cancel_by_buyer, order_mark_paid, order_mark_shipped
from tests.factories import OrderFactory, OrderItemFactory

pytestmark = [pytest.mark.real_stack, pytest.mark.django_db(transaction=True)]


def _race(count, action):
    barrier = threading.Barrier(count)
    outcomes = []

    def attempt():
        try:
            barrier.wait(timeout=10)
            action()
            outcomes.append("done")
        except ValidationError as exc:
            outcomes.append(" ".join(exc.messages))
        finally:
            connection.close()

    threads = [threading.Thread(target=attempt) for _ in range(count)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=30)
    return outcomes


def test_racing_cancels_return_stock_exactly_once():
    # Given an unpaid order of 2 mugs with 8 left, cancelled by four requests at once…
    order = OrderFactory()
    item = OrderItemFactory(order=order, product__stock=8, quantity=2)

    outcomes = _race(4, lambda: order_cancel(order=Order.objects.get(pk=order.pk)))

    # …one cancels, the others are told it already is; the stock went back once.
    assert outcomes.count("done") == 1
    assert outcomes.count(f"Order {order.number} is already cancelled.") == 3
    item.product.refresh_from_db()
    assert item.product.stock == 10
    assert EngagementEvent.objects.filter(kind=EventKind.ORDER_CANCELLED).count() == 1


def test_ship_and_cancel_at_once_leave_one_consistent_outcome():
    order = OrderFactory(status=OrderStatus.PAID)
    item = OrderItemFactory(order=order, product__stock=5, quantity=1)

    turns = iter([True, False])

    def ship_or_cancel():
        fresh = Order.objects.get(pk=order.pk)
        if next(turns):
            order_mark_shipped(order=fresh, tracking_number="T")
        else:
            order_cancel(order=fresh)

    outcomes = _race(2, ship_or_cancel)

    assert outcomes.count("done") == 1
    order.refresh_from_db()
    item.product.refresh_from_db()
    if order.status == OrderStatus.SHIPPED:
        assert item.product.stock == 5 and not order.stock_returned
    else:
        assert order.status == OrderStatus.CANCELLED
        assert item.product.stock == 6 and order.stock_returned


def test_creator_mark_paid_and_fan_cancel_at_once_cannot_both_win():
    # Given an unpaid order, the creator marks it paid as the fan cancels it…
    order = OrderFactory()
    item = OrderItemFactory(order=order, product__stock=5, quantity=1)
    turns = iter([True, False])

    def pay_or_cancel():
        fresh = Order.objects.get(pk=order.pk)
        if next(turns):
            order_mark_paid(order=fresh)
        else:
            order_cancel_by_buyer(order=fresh, buyer=order.buyer)

    outcomes = _race(2, pay_or_cancel)

    # …exactly one wins; the loser is refused with a message and changes nothing.
    assert outcomes.count("done") == 1
    order.refresh_from_db()
    item.product.refresh_from_db()
    kinds = set(EngagementEvent.objects.values_list("kind", flat=True))
    if order.status == OrderStatus.PAID:
        assert any("already paid" in outcome for outcome in outcomes)
        assert item.product.stock == 5 and item.product.sales_count == 1
        assert not order.stock_returned and not order.cancelled_by_buyer
        assert kinds == {EventKind.ORDER_PAID}
    else:
        assert order.status == OrderStatus.CANCELLED and order.cancelled_by_buyer
        assert any("can no longer change" in outcome for outcome in outcomes)
        assert item.product.stock == 6 and item.product.sales_count == 0
        assert order.paid_at is None
        assert kinds == {EventKind.ORDER_CANCELLED}
