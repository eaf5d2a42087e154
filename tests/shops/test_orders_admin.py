"""Staff tooling for orders: actions go through the services; contents are read-only."""

import pytest
from django.urls import reverse

from creators.models import EngagementEvent
from shops.models import OrderStatus
from tests.factories import CheckoutFactory, OrderFactory, OrderItemFactory

pytestmark = pytest.mark.django_db


def _action(admin_client, action, orders):
    return admin_client.post(
        reverse("admin:shops_order_changelist"),
        {"action": action, "_selected_action": [o.pk for o in orders]},
        follow=True,
    )


def test_mark_paid_action_uses_the_service_and_reports_refusals(admin_client):
    waiting = OrderFactory()
    OrderItemFactory(order=waiting)
    paid = OrderFactory(status=OrderStatus.PAID)
    page = _action(admin_client, "mark_paid", [waiting, paid]).content.decode()
    assert "Marked paid 1 order(s)." in page
    assert f"Order {paid.number} is already paid." in page
    waiting.refresh_from_db()
    assert waiting.status == OrderStatus.PAID and waiting.paid_at
    assert waiting.items.get().product.sales_count == 2
    assert EngagementEvent.objects.count() == 1


def test_cancel_action_returns_stock(admin_client):
    order = OrderFactory()
    item = OrderItemFactory(order=order, product__stock=3)
    page = _action(admin_client, "cancel", [order]).content.decode()
    assert "Cancelled 1 order(s)." in page
    item.product.refresh_from_db()
    assert item.product.stock == 5


def test_mark_delivered_refuses_unshipped_physical_order(admin_client):
    order = OrderFactory(status=OrderStatus.PAID)
    page = _action(admin_client, "mark_delivered", [order]).content.decode()
    assert "must be marked shipped" in page
    order.refresh_from_db()
    assert order.status == OrderStatus.PAID


def test_order_and_checkout_pages_render_read_only(admin_client):
    order = OrderFactory()
    OrderItemFactory(order=order)
    changelist = admin_client.get(reverse("admin:shops_order_changelist"), {"q": order.number})
    assert order.number in changelist.content.decode()
    change = admin_client.get(reverse("admin:shops_order_change", args=[order.pk]))
    assert change.status_code == 200
    assert 'name="status"' not in change.content.decode()
    checkout = CheckoutFactory()
    assert (
        admin_client.get(reverse("admin:shops_checkout_change", args=[checkout.pk])).status_code
        == 200
    )
    assert admin_client.get(reverse("admin:shops_checkout_changelist")).status_code == 200
