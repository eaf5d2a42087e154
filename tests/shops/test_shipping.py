"""Shipping: a flat rate per shop order of physical goods, free from a subtotal, snapshotted."""

import csv
import io
import re
import uuid
from decimal import Decimal

import pytest
from django.contrib.admin.sites import site
from django.core import mail
from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.test import Client
from django.urls import reverse

from shops.admin import OrderAdmin
from shops.cart import cart_add, cart_summary
from shops.checkout import Address, order_place
from shops.models import Cart, Checkout, Order, ProductKind, Shop
from shops.payments import PAYMENT_PROVIDERS, SimulatedCardPayment
from shops.shipping import shipping_cost, shop_shipping_update
from tests.factories import ProductFactory, ShopFactory

pytestmark = pytest.mark.django_db

ADDRESS = Address(
    name="Fan Person", line1="1 Clay Street", city="Lisbon", postal_code="1100-001", country="PT"
)
CARD = {"card_number": "4242424242424242", "card_expiry": "12/99", "card_cvc": "123"}
FORM = {
    "ship_name": "Fan Person",
    "ship_line1": "1 Clay Street",
    "ship_city": "Lisbon",
    "ship_postal_code": "1100-001",
    "ship_country": "PT",
    "payment_method": "test",
    "card_number": "4242 4242 4242 4242",
    "card_expiry": "12/99",
    "card_cvc": "123",
}


class RecordingCard(SimulatedCardPayment):
    """The test card, remembering the amount it was asked to charge."""

    charged: list[tuple[Decimal, str]]

    def __init__(self):
        self.charged = []

    def authorize(self, *, amount, currency, reference, data):
        self.charged.append((amount, currency))
        return super().authorize(amount=amount, currency=currency, reference=reference, data=data)


@pytest.fixture
def cart(fan):
    return Cart.objects.create(user=fan)


@pytest.fixture
def ana():
    """A shop charging €4.50 per order, free from €50."""
    return ShopFactory(
        name="Ana", shipping_rate=Decimal("4.50"), free_shipping_from=Decimal("50.00")
    )


def _place(fan, cart, provider=None, **kwargs):
    return order_place(
        buyer=fan,
        cart=cart,
        email=fan.email,
        address=kwargs.pop("address", ADDRESS),
        provider=provider or PAYMENT_PROVIDERS["test"],
        payment_data=CARD,
        idempotency_key=uuid.uuid4(),
        **kwargs,
    )


# The rule --------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("subtotal", "needs_shipping", "expected"),
    [
        ("10.00", True, "4.50"),
        ("49.99", True, "4.50"),
        ("50.00", True, "0.00"),  # the threshold itself ships free
        ("80.00", True, "0.00"),
        ("10.00", False, "0.00"),  # digital goods only
    ],
)
def test_rule(ana, subtotal, needs_shipping, expected):
    cost = shipping_cost(shop=ana, subtotal=Decimal(subtotal), needs_shipping=needs_shipping)
    assert cost == Decimal(expected) and isinstance(cost, Decimal)


def test_without_threshold_the_rate_always_applies(ana):
    ana.free_shipping_from = None
    assert shipping_cost(shop=ana, subtotal=Decimal("9999"), needs_shipping=True) == Decimal("4.5")


# Checkout --------------------------------------------------------------------------------


def test_flat_rate_is_charged_once_per_shop_order(fan, cart, ana):
    li = ShopFactory(name="Li", shipping_rate=Decimal("3.00"))
    mug = ProductFactory(shop=ana, price=Decimal("12.00"))
    bowl = ProductFactory(shop=ana, price=Decimal("8.00"))
    scarf = ProductFactory(shop=li, price=Decimal("20.00"))
    cart_add(cart=cart, product_id=mug.pk, quantity=2)
    cart_add(cart=cart, product_id=bowl.pk, quantity=1)
    cart_add(cart=cart, product_id=scarf.pk, quantity=3)
    card = RecordingCard()

    checkout = _place(fan, cart, provider=card)

    orders = {order.shop_id: order for order in checkout.orders.all()}
    assert (orders[ana.pk].subtotal, orders[ana.pk].shipping_cost, orders[ana.pk].total) == (
        Decimal("32.00"),
        Decimal("4.50"),
        Decimal("36.50"),
    )
    # Li's €60 subtotal pays the rate: Li has no free-shipping threshold.
    assert (orders[li.pk].shipping_cost, orders[li.pk].total) == (Decimal("3.00"), Decimal("63.00"))
    assert checkout.total == Decimal("99.50")
    assert card.charged == [(Decimal("99.50"), ana.currency)]  # the payment includes shipping


def test_free_shipping_from_the_threshold(fan, cart, ana):
    vase = ProductFactory(shop=ana, price=Decimal("25.00"))
    cart_add(cart=cart, product_id=vase.pk, quantity=2)
    order = _place(fan, cart).orders.get()
    assert order.shipping_cost == Decimal("0.00") and order.total == Decimal("50.00")


def test_digital_only_orders_pay_no_shipping(fan, cart, ana):
    ebook = ProductFactory(shop=ana, price=Decimal("9.00"), kind=ProductKind.DIGITAL, stock=None)
    cart_add(cart=cart, product_id=ebook.pk, quantity=1)
    order = _place(fan, cart, address=None).orders.get()
    assert order.shipping_cost == Decimal("0.00") and order.total == Decimal("9.00")


def test_a_physical_item_next_to_digital_ones_pays_shipping_once(fan, cart, ana):
    ebook = ProductFactory(shop=ana, price=Decimal("9.00"), kind=ProductKind.DIGITAL, stock=None)
    mug = ProductFactory(shop=ana, price=Decimal("12.00"))
    cart_add(cart=cart, product_id=ebook.pk, quantity=1)
    cart_add(cart=cart, product_id=mug.pk, quantity=1)
    order = _place(fan, cart).orders.get()
    assert order.shipping_cost == Decimal("4.50") and order.total == Decimal("25.50")


def test_changing_the_rate_later_leaves_placed_orders_alone(fan, fan_client, cart, ana):
    mug = ProductFactory(shop=ana, price=Decimal("12.00"))
    cart_add(cart=cart, product_id=mug.pk, quantity=1)
    order = _place(fan, cart).orders.get()

    shop_shipping_update(shop=ana, shipping_rate=Decimal("9.99"), free_shipping_from=None)

    order.refresh_from_db()
    assert (order.shipping_cost, order.total) == (Decimal("4.50"), Decimal("16.50"))
    page = fan_client.get(reverse("shops:order_detail", args=[order.number])).content.decode()
    assert "€4.50" in page and "€16.50" in page and "€9.99" not in page


def test_rate_changed_between_review_and_payment_is_not_charged(fan, cart, ana):
    mug = ProductFactory(shop=ana, price=Decimal("12.00"))
    cart_add(cart=cart, product_id=mug.pk, quantity=1)
    shop_shipping_update(shop=ana, shipping_rate=Decimal("6.00"), free_shipping_from=None)
    with pytest.raises(ValidationError, match="Prices or shipping changed"):
        _place(fan, cart, expected_total=Decimal("16.50"))
    assert not Order.objects.exists()


def test_database_refuses_negative_amounts(ana):
    for field, value in (("shipping_rate", "-1"), ("free_shipping_from", "-0.01")):
        with pytest.raises(IntegrityError), transaction.atomic():
            Shop.objects.filter(pk=ana.pk).update(**{field: Decimal(value)})


# Pages -----------------------------------------------------------------------------------


def test_cart_shows_shipping_and_total_per_shop(client, ana):
    mug = ProductFactory(shop=ana, price=Decimal("12.00"))
    ebook = ProductFactory(price=Decimal("9.00"), kind=ProductKind.DIGITAL, stock=None)
    for product in (mug, ebook):
        client.post(reverse("shops:cart_add"), {"product": product.pk, "quantity": 1})
    page = client.get(reverse("shops:cart")).content.decode()
    assert "Shipping: €4.50" in page
    assert "Add €38.00 more from Ana for free shipping." in page
    assert "Total from Ana: <strong>€16.50</strong>" in page
    assert "Shipping: none (digital goods)" in page
    assert "Total: <strong>€25.50</strong>" in page
    assert cart_summary(Cart.objects.get()).totals == {ana.currency: Decimal("25.50")}


def test_review_page_total_is_what_is_charged(fan, fan_client, cart, ana):
    mug = ProductFactory(shop=ana, price=Decimal("12.00"))
    scarf = ProductFactory(shop=ShopFactory(name="Li"), price=Decimal("20.00"))
    cart_add(cart=cart, product_id=mug.pk, quantity=2)
    cart_add(cart=cart, product_id=scarf.pk, quantity=1)
    data = {"email": fan.email, "idempotency_key": str(uuid.uuid4()), **FORM}

    review = fan_client.post("/checkout/", data).content.decode()
    assert "Subtotal (Ana): <strong>€24.00</strong>" in review
    assert "Shipping (Ana): <strong>€4.50</strong>" in review
    assert "Shipping (Li): <strong>free</strong>" in review
    assert "Total: <strong>€48.50</strong>" in review
    reviewed = re.search(r'name="reviewed_total" value="([^"]+)"', review).group(1)
    assert reviewed == "48.50"

    done = fan_client.post(
        "/checkout/", {**data, "reviewed_total": reviewed, "step": "place"}, follow=True
    )
    checkout = Checkout.objects.get()
    assert checkout.total == Decimal(reviewed)
    assert sum(order.total for order in checkout.orders.all()) == Decimal(reviewed)
    assert "Shipping €4.50" in done.content.decode()


def test_order_pages_emails_csv_and_admin_show_shipping(
    fan, fan_client, cart, ana, rf, admin_user, django_capture_on_commit_callbacks
):
    mug = ProductFactory(shop=ana, price=Decimal("12.00"))
    cart_add(cart=cart, product_id=mug.pk, quantity=1)
    with django_capture_on_commit_callbacks(execute=True):
        order = _place(fan, cart).orders.get()

    fan_page = fan_client.get(reverse("shops:order_detail", args=[order.number])).content.decode()
    creator = Client()
    creator.force_login(ana.creator.user)
    studio_page = creator.get(reverse("shops:studio_order", args=[order.number])).content.decode()
    for page in (fan_page, studio_page):
        assert re.search(r"Shipping</th><td>€4.50</td>", page)
        assert "€12.00" in page and "€16.50" in page

    placed = [m for m in mail.outbox if "Subtotal" in m.body]
    assert {tuple(m.to) for m in placed} == {(fan.email,), (ana.creator.user.email,)}
    for message in placed:
        assert "Subtotal: 12.00 EUR" in message.body
        assert "Shipping: 4.50 EUR" in message.body
        assert "Total: 16.50 EUR" in message.body

    rows = list(
        csv.DictReader(io.StringIO(creator.get("/studio/orders/export.csv").getvalue().decode()))
    )
    assert (rows[0]["subtotal"], rows[0]["shipping"], rows[0]["total"]) == (
        "12.00",
        "4.50",
        "16.50",
    )

    model_admin = OrderAdmin(Order, site)
    assert {"subtotal", "shipping_cost", "total"} <= set(model_admin.list_display)
    staff = Client()
    staff.force_login(admin_user)
    changelist = staff.get("/admin/shops/order/").content.decode()
    assert "4.50" in changelist and "16.50" in changelist


# Studio settings -------------------------------------------------------------------------

URL = "/studio/shop/shipping/"


def test_creator_sets_rate_and_threshold(creator_client, creator):
    page = creator_client.get(URL).content.decode()
    assert "Shipping per order (EUR)" in page and "Free shipping from (EUR)" in page
    response = creator_client.post(
        URL, {"shipping_rate": "4.5", "free_shipping_from": "60"}, follow=True
    )
    assert "Shipping settings saved" in response.content.decode()
    creator.shop.refresh_from_db()
    assert creator.shop.shipping_rate == Decimal("4.50")
    assert creator.shop.free_shipping_from == Decimal("60.00")

    creator_client.post(URL, {"shipping_rate": "0", "free_shipping_from": ""})
    creator.shop.refresh_from_db()
    assert creator.shop.shipping_rate == Decimal("0.00") and creator.shop.free_shipping_from is None


@pytest.mark.parametrize(
    ("data", "message"),
    [
        ({"shipping_rate": "-1"}, "An amount can’t be negative."),
        ({"shipping_rate": "four"}, "Enter an amount as a number, e.g. 4.50."),
        ({"shipping_rate": "4.505"}, "Use at most 2 decimal places"),
        ({"shipping_rate": ""}, "Enter a rate (0 for free)."),
        ({"shipping_rate": "4", "free_shipping_from": "-10"}, "An amount can’t be negative."),
        ({"shipping_rate": "4", "free_shipping_from": "lots"}, "Enter an amount as a number"),
        ({"shipping_rate": "1e30"}, "Amounts go up to 99,999,999.99."),
    ],
)
def test_bad_input_gets_a_clear_message_and_changes_nothing(creator_client, creator, data, message):
    response = creator_client.post(URL, data)
    assert response.status_code == 200
    assert message in response.content.decode()
    creator.shop.refresh_from_db()
    assert creator.shop.shipping_rate == Decimal("0.00")
    assert creator.shop.free_shipping_from is None


def test_service_refuses_negative_amounts(ana):
    with pytest.raises(ValidationError, match="can’t be negative"):
        shop_shipping_update(shop=ana, shipping_rate=Decimal("-1"), free_shipping_from=None)
    ana.refresh_from_db()
    assert ana.shipping_rate == Decimal("4.50")


def test_settings_are_owner_only(client, fan_client):
    assert fan_client.get(URL).status_code == 404  # a fan without a shop
    assert fan_client.post(URL, {"shipping_rate": "1"}).status_code == 404
    client.logout()
    response = client.get(URL)
    assert response.status_code == 302 and "login" in response.url


def test_settings_need_csrf(creator):
    client = Client(enforce_csrf_checks=True)
    client.force_login(creator.user)
    assert client.post(URL, {"shipping_rate": "3"}).status_code == 403


def test_studio_links_to_shipping(creator_client):
    assert URL in creator_client.get(reverse("creators:studio")).content.decode()
    assert URL in creator_client.get(reverse("shops:studio_products")).content.decode()
