"""Order pages: who may see what, the fan's history, the studio list, actions and CSV."""

import csv
import io

import pytest
from django.urls import reverse

from shops.models import Order, OrderItem, OrderStatus
from tests.factories import (
    CreatorProfileFactory,
    OrderFactory,
    OrderItemFactory,
    ShopFactory,
    UserFactory,
)

pytestmark = pytest.mark.django_db


@pytest.fixture
def order(fan, creator):
    """A physical order of `fan` from `creator`'s shop, awaiting payment."""
    order = OrderFactory(checkout__buyer=fan, shop=creator.shop)
    OrderItemFactory(order=order, title="Speckled mug", quantity=2)
    return order


def _bulk_orders(order, count):
    """`count` more orders like `order`, each with one item, in a few queries."""
    start = Order.objects.count()
    rows = Order.objects.bulk_create(
        Order(
            number=f"RC-B{start + i}",
            checkout=order.checkout,
            shop=order.shop,
            buyer=order.buyer,
            email=order.email,
            currency=order.currency,
            subtotal=order.subtotal,
            shipping_cost=order.shipping_cost,
            total=order.total,
            status=OrderStatus.PAID if i % 2 else OrderStatus.AWAITING_PAYMENT,
        )
        for i in range(count)
    )
    OrderItem.objects.bulk_create(
        OrderItem(order=row, title="Bowl", kind="physical", unit_price=10, quantity=1)
        for row in rows
    )


# Access ----------------------------------------------------------------------------------


@pytest.mark.parametrize("url_name", ["shops:order_detail", "shops:studio_order"])
def test_other_people_get_404(client, order, url_name):
    url = reverse(url_name, args=[order.number])
    for intruder in (UserFactory(), ShopFactory(creator=CreatorProfileFactory()).creator.user):
        client.force_login(intruder)
        assert client.get(url).status_code == 404
    client.logout()
    response = client.get(url)
    assert response.status_code == 302 and "login" in response.url


def test_buyer_is_not_the_shop_owner(fan_client, order):
    assert fan_client.get(reverse("shops:studio_order", args=[order.number])).status_code == 404


def test_creator_cannot_see_it_as_a_fan(creator_client, order):
    assert creator_client.get(reverse("shops:order_detail", args=[order.number])).status_code == 404


def test_anonymous_action_post_is_refused(client, order):
    url = reverse("shops:studio_order_action", args=[order.number])
    client.post(url, {"action": "mark_paid"})
    order.refresh_from_db()
    assert order.status == OrderStatus.AWAITING_PAYMENT


# Fan pages -------------------------------------------------------------------------------


def test_fan_order_list_shows_own_orders_newest_first(fan_client, fan, order):
    newer = OrderFactory(checkout__buyer=fan, shop=order.shop)
    OrderFactory()  # someone else's
    response = fan_client.get(reverse("shops:order_list"))
    assert [o.number for o in response.context["page"].object_list] == [
        newer.number,
        order.number,
    ]
    assert "Your orders" in response.content.decode()


def test_fan_order_list_queries_are_constant(fan_client, order, django_assert_max_num_queries):
    _bulk_orders(order, 30)
    # session, user (with the cart badge), count (more than a page), the page of orders
    # with their shops and items.
    # If you add one, say why here.
    with django_assert_max_num_queries(4, info="fan order list: justify a new query"):
        response = fan_client.get(reverse("shops:order_list"))
    assert response.status_code == 200
    assert len(response.context["page"].object_list) == 20


def test_fan_order_list_pages_through_a_long_history(fan_client, fan, order):
    _bulk_orders(order, 24)  # 25 orders in all: two pages
    url = reverse("shops:order_list")
    first = fan_client.get(url).context["page"]
    second_response = fan_client.get(url, {"page": 2})
    second = second_response.context["page"]
    assert (len(first.object_list), len(second.object_list)) == (20, 5)
    newest_first = Order.objects.filter(buyer=fan).order_by("-created_at", "-id")
    assert [o.number for o in [*first.object_list, *second.object_list]] == list(
        newest_first.values_list("number", flat=True)
    )
    html = second_response.content.decode()
    assert "Page 2 of 2" in html and "2 × Speckled mug" in html and order.shop.name in html
    assert (
        order.number in html
        and f'href="{reverse("shops:order_detail", args=[order.number])}"' in html
    )
    assert fan_client.get(url, {"page": 99}).context["page"].number == 2  # the last one
    assert fan_client.get(url, {"page": "x"}).context["page"].number == 1


def test_fan_order_detail_shows_status_items_address_tracking(fan_client, order):
    from shops.orders import order_mark_paid, order_mark_shipped

    order_mark_paid(order=order)
    order_mark_shipped(order=order, tracking_number="TRK-9", tracking_url="https://t.example/9")
    page = fan_client.get(reverse("shops:order_detail", args=[order.number])).content.decode()
    assert "Shipped" in page
    assert "TRK-9" in page and 'href="https://t.example/9"' in page
    assert "Speckled mug" in page
    assert "1 Clay Street" in page
    assert "Paid" in page and "Placed" in page


# Studio list -----------------------------------------------------------------------------


def test_studio_list_shows_only_own_shop_with_counts(creator_client, order):
    OrderFactory()  # another shop's
    paid = OrderFactory(shop=order.shop, status=OrderStatus.PAID)
    response = creator_client.get(reverse("shops:studio_orders"))
    assert {o.number for o in response.context["page"].object_list} == {
        order.number,
        paid.number,
    }
    counts = response.context["counts"]
    assert counts["all"] == 2 and counts["paid"] == 1 and counts["awaiting_payment"] == 1

    response = creator_client.get(reverse("shops:studio_orders"), {"status": "paid"})
    assert [o.number for o in response.context["page"].object_list] == [paid.number]


def test_studio_search_by_number_or_email(creator_client, order):
    other = OrderFactory(shop=order.shop, checkout__buyer__email="zed@example.com")
    url = reverse("shops:studio_orders")
    by_number = creator_client.get(url, {"q": order.number.lower()}).context["page"]
    assert [o.number for o in by_number.object_list] == [order.number]
    by_email = creator_client.get(url, {"q": "zed@"}).context["page"]
    assert [o.number for o in by_email.object_list] == [other.number]


@pytest.mark.parametrize("extra", [5, 500])
def test_studio_list_queries_are_constant(
    creator_client, order, extra, django_assert_max_num_queries
):
    _bulk_orders(order, extra)
    # session, user, creator profile (header), cart badge (≤2), shop, status counts
    # (one aggregate), paginator count, page of orders, their items. Justify any new one.
    with django_assert_max_num_queries(11, info="studio order list: justify a new query"):
        response = creator_client.get(reverse("shops:studio_orders"))
    assert response.status_code == 200


def test_studio_page_links_to_orders(creator_client):
    page = creator_client.get(reverse("creators:studio")).content.decode()
    assert reverse("shops:studio_orders") in page


# Studio actions --------------------------------------------------------------------------


def _act(client, order, action, **data):
    return client.post(
        reverse("shops:studio_order_action", args=[order.number]),
        {"action": action, **data},
        follow=True,
    )


def test_creator_marks_paid_then_shipped_then_delivered(creator_client, order):
    response = _act(creator_client, order, "mark_paid")
    assert f"Order {order.number} is marked paid." in response.content.decode()
    _act(creator_client, order, "mark_shipped", tracking_number="T-1")
    _act(creator_client, order, "mark_delivered")
    order.refresh_from_db()
    assert order.status == OrderStatus.DELIVERED
    assert order.tracking_number == "T-1"


def test_refused_transition_shows_the_message_and_changes_nothing(creator_client, order):
    _act(creator_client, order, "mark_paid")
    _act(creator_client, order, "mark_shipped", tracking_number="T-1")
    response = _act(creator_client, order, "mark_shipped", tracking_number="T-2")
    assert f"Order {order.number} is already shipped." in response.content.decode()
    order.refresh_from_db()
    assert order.tracking_number == "T-1"


def test_cancel_paid_order_says_refund_due(creator_client, order):
    _act(creator_client, order, "mark_paid")
    response = _act(creator_client, order, "cancel")
    page = response.content.decode()
    assert "is cancelled" in page and "refund" in page.lower()
    order.refresh_from_db()
    assert order.status == OrderStatus.CANCELLED


def test_action_get_is_not_allowed(creator_client, order):
    url = reverse("shops:studio_order_action", args=[order.number])
    assert creator_client.get(url).status_code == 405


def test_actions_are_rate_limited(creator_client, order):
    from core.ratelimits import Rate
    from shops.order_views import ORDER_ACTION_RATE

    url = reverse("shops:studio_order_action", args=[order.number])
    for _ in range(Rate.parse(ORDER_ACTION_RATE).count):
        assert creator_client.post(url, {"action": "nonsense"}).status_code == 302
    response = creator_client.post(url, {"action": "mark_paid"})
    assert response.status_code == 429
    order.refresh_from_db()
    assert order.status == OrderStatus.AWAITING_PAYMENT


# CSV -------------------------------------------------------------------------------------


def test_csv_export_honours_filter_and_escapes_formulas(creator_client, order):
    evil = OrderFactory(
        shop=order.shop,
        status=OrderStatus.PAID,
        checkout__buyer__email="=cmd@example.com",
        ship_name="+SUM(A1)",
        tracking_number="@now",
    )
    OrderItemFactory(order=evil, title="-1 mug", quantity=1)
    OrderFactory()  # another shop's
    response = creator_client.get(reverse("shops:studio_orders_csv"), {"status": "paid"})
    assert response.streaming
    assert response["Content-Type"].startswith("text/csv")
    rows = list(csv.reader(io.StringIO(b"".join(response.streaming_content).decode())))
    assert rows[0][0] == "number"
    assert len(rows) == 2
    row = dict(zip(rows[0], rows[1], strict=True))
    assert row["number"] == evil.number
    assert row["status"] == "Paid"
    assert row["buyer email"] == "'=cmd@example.com"
    assert row["items"] == "1 × -1 mug"  # starts with a digit: left as it is
    assert row["shipping address"].startswith("'+SUM(A1)")
    assert row["tracking number"] == "'@now"
    assert row["total"] == "53.00"


def test_csv_export_all_orders_of_own_shop_only(creator_client, order):
    OrderFactory()
    response = creator_client.get(reverse("shops:studio_orders_csv"))
    rows = list(csv.reader(io.StringIO(b"".join(response.streaming_content).decode())))
    assert [r[0] for r in rows[1:]] == [order.number]
    assert rows[1][4] == "2 × Speckled mug"


def test_csv_export_needs_a_shop(fan_client):
    assert fan_client.get(reverse("shops:studio_orders_csv")).status_code == 404


def test_detail_pages_queries_do_not_grow_with_items(
    client, fan, order, django_assert_max_num_queries
):
    for _ in range(10):
        OrderItemFactory(order=order, product__shop=order.shop)
    client.force_login(fan)
    # session, user, cart badge (≤2), order (shop, creator, buyer joined), items (products
    # joined). Justify any new one.
    with django_assert_max_num_queries(7, info="fan order page: justify a new query"):
        assert client.get(reverse("shops:order_detail", args=[order.number])).status_code == 200
    client.force_login(order.shop.creator.user)
    # session, user, creator profile (header), cart badge (≤2), order, items.
    with django_assert_max_num_queries(8, info="studio order page: justify a new query"):
        assert client.get(reverse("shops:studio_order", args=[order.number])).status_code == 200


def test_csv_export_queries_are_constant(creator_client, order, django_assert_max_num_queries):
    _bulk_orders(order, 300)
    # session, user, shop, one chunk of orders, their items.
    with django_assert_max_num_queries(6, info="CSV export: justify a new query"):
        response = creator_client.get(reverse("shops:studio_orders_csv"))
        rows = b"".join(response.streaming_content).decode().splitlines()
    assert len(rows) == 302
