"""A fan cancels their own order while it still awaits payment (and only then)."""

import pytest
from django.core import mail
from django.core.exceptions import ValidationError
from django.http import Http404
from django.test import Client
from django.urls import reverse

from creators.models import EngagementEvent, EventKind
from shops.models import OrderStatus
from shops.orders import order_cancel_by_buyer, order_mark_paid
from tests.factories import OrderFactory, OrderItemFactory, UserFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def order(fan, creator):
    """`fan`'s unpaid order of 2 mugs from `creator`'s shop; the mug has 8 left."""
    order = OrderFactory(checkout__buyer=fan, shop=creator.shop)
    OrderItemFactory(order=order, product__stock=8, quantity=2)
    return order


def _cancel_url(order):
    return reverse("shops:order_cancel", args=[order.number])


def _stock(order):
    product = order.items.get().product
    product.refresh_from_db()
    return product.stock


def test_detail_page_offers_cancel_while_awaiting_payment(fan_client, order):
    page = fan_client.get(reverse("shops:order_detail", args=[order.number])).content.decode()
    assert f'href="{_cancel_url(order)}"' in page
    assert "You can cancel this order until it is paid" in page


def test_confirm_step_asks_before_cancelling(fan_client, order):
    page = fan_client.get(_cancel_url(order)).content.decode()
    assert f"Cancel order {order.number}?" in page
    assert "can’t be undone" in page
    assert f"Yes, cancel order {order.number}" in page and 'method="post"' in page
    order.refresh_from_db()
    assert order.status == OrderStatus.AWAITING_PAYMENT  # a GET changes nothing


def test_fan_cancels_unpaid_order_stock_back_event_and_creator_emailed(
    fan, fan_client, order, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        response = fan_client.post(_cancel_url(order), follow=True)

    page = response.content.decode()
    assert f"Order {order.number} is cancelled." in page
    assert "You cancelled this order" in page and "Cancelled by the buyer" in page
    order.refresh_from_db()
    assert order.status == OrderStatus.CANCELLED
    assert order.cancelled_by_buyer and order.stock_returned and order.cancelled_at
    assert _stock(order) == 10
    event = EngagementEvent.objects.get(kind=EventKind.ORDER_CANCELLED)
    assert event.actor == fan and event.creator == order.shop.creator
    creator_mail = next(m for m in mail.outbox if m.to == [order.shop.creator.user.email])
    assert "cancelled order" in creator_mail.body and "before paying" in creator_mail.body
    assert order.email in creator_mail.body
    fan_mail = next(m for m in mail.outbox if m.to == [order.email])
    assert "You cancelled order" in fan_mail.body


def test_cancelling_twice_returns_stock_once(fan_client, order):
    fan_client.post(_cancel_url(order))
    response = fan_client.post(_cancel_url(order), follow=True)
    assert f"Order {order.number} is already cancelled." in response.content.decode()
    assert _stock(order) == 10
    assert EngagementEvent.objects.filter(kind=EventKind.ORDER_CANCELLED).count() == 1


def test_paid_order_cannot_be_cancelled_by_the_fan(fan_client, order):
    order_mark_paid(order=order)
    events = EngagementEvent.objects.count()

    detail = fan_client.get(reverse("shops:order_detail", args=[order.number])).content.decode()
    assert f'href="{_cancel_url(order)}"' not in detail
    assert f"contact {order.shop.name}" in detail

    confirm = fan_client.get(_cancel_url(order), follow=True).content.decode()
    assert "already paid, so you can no longer cancel it yourself" in confirm
    response = fan_client.post(_cancel_url(order), follow=True)
    page = response.content.decode()
    assert f"contact {order.shop.name} to ask them to cancel it and refund you" in page

    order.refresh_from_db()
    assert order.status == OrderStatus.PAID and not order.stock_returned
    assert _stock(order) == 8
    assert EngagementEvent.objects.count() == events


def test_creator_cannot_mark_a_fan_cancelled_order_paid(fan, order):
    order_cancel_by_buyer(order=order, buyer=fan)
    with pytest.raises(ValidationError, match="can no longer change"):
        order_mark_paid(order=order)


@pytest.mark.parametrize("method", ["get", "post"])
def test_another_users_order_is_404(client, order, method):
    client.force_login(UserFactory())
    assert getattr(client, method)(_cancel_url(order)).status_code == 404
    client.force_login(order.shop.creator.user)  # the seller is not the buyer either
    assert getattr(client, method)(_cancel_url(order)).status_code == 404
    order.refresh_from_db()
    assert order.status == OrderStatus.AWAITING_PAYMENT


def test_service_refuses_another_buyer(order):
    with pytest.raises(Http404):
        order_cancel_by_buyer(order=order, buyer=UserFactory())
    order.refresh_from_db()
    assert order.status == OrderStatus.AWAITING_PAYMENT


def test_anonymous_is_sent_to_sign_in(client, order):
    response = client.post(_cancel_url(order))
    assert response.status_code == 302 and "login" in response.url
    order.refresh_from_db()
    assert order.status == OrderStatus.AWAITING_PAYMENT


def test_cancel_needs_csrf(fan, order):
    client = Client(enforce_csrf_checks=True)
    client.force_login(fan)
    assert client.post(_cancel_url(order)).status_code == 403
    order.refresh_from_db()
    assert order.status == OrderStatus.AWAITING_PAYMENT


def test_studio_page_tells_the_creator_the_buyer_cancelled(creator_client, fan, order):
    order_cancel_by_buyer(order=order, buyer=fan)
    page = creator_client.get(reverse("shops:studio_order", args=[order.number])).content.decode()
    assert "The buyer cancelled this order before paying" in page
    assert "Refund due" not in page


@pytest.mark.page_cache
@pytest.mark.django_db(transaction=True)
def test_stock_given_back_by_a_fan_shows_at_once_on_the_cached_product_page():
    order = OrderFactory()
    item = OrderItemFactory(order=order, product__stock=0, quantity=2)
    url = item.product.get_absolute_url()
    Client().get(url)
    assert "Sold out" in Client().get(url).content.decode()  # served from the cache

    order_cancel_by_buyer(order=order, buyer=order.buyer)

    page = Client().get(url).content.decode()
    assert "Sold out" not in page and "Only 2 left" in page
