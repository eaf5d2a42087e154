"""Checkout pages: form → review → place order → confirmation."""

import re
import uuid
from decimal import Decimal

import pytest
from django.core import mail
from django.urls import reverse

from shops import checkout_views
from shops.cart import cart_add
from shops.checkout import Address, order_place
from shops.models import Cart, Checkout, Order, OrderStatus, Product
from shops.payments import PAYMENT_PROVIDERS
from tests.factories import ADDRESS_FORM as ADDRESS
from tests.factories import CARD_FORM as CARD
from tests.factories import ProductFactory, ShopFactory, UserFactory

pytestmark = pytest.mark.django_db

URL = "/checkout/"


@pytest.fixture
def cart(fan):
    return Cart.objects.create(user=fan)


@pytest.fixture
def mug(cart):
    product = ProductFactory(title="Blue mug", price=Decimal("24.00"), stock=5)
    cart_add(cart=cart, product_id=product.pk, quantity=2)
    return product


def form_data(fan, **extra):
    return {
        "email": fan.email,
        "idempotency_key": str(uuid.uuid4()),
        **ADDRESS,
        **CARD,
        **extra,
    }


def test_visitor_is_sent_to_sign_in_and_back(client):
    response = client.get(URL)
    assert response.status_code == 302
    assert response["Location"].startswith(reverse("account_login"))
    assert "next=/checkout/" in response["Location"]


def test_cart_page_offers_checkout_only_without_problems(fan_client, cart, mug):
    assert 'href="/checkout/"' in fan_client.get("/cart/").content.decode()
    Product.objects.filter(pk=mug.pk).update(stock=0)
    assert 'href="/checkout/"' not in fan_client.get("/cart/").content.decode()


def test_form_prefills_email_and_asks_address_for_physical_goods(fan_client, fan, mug):
    page = fan_client.get(URL).content.decode()
    assert f'value="{fan.email}"' in page
    assert 'name="ship_line1"' in page
    assert 'name="ship_country"' in page and 'value="PT"' in page
    assert re.search(r'name="idempotency_key" value="[0-9a-f-]{36}"', page)
    assert "€48.00" in page


def test_digital_only_cart_asks_no_address(fan_client, fan, cart):
    ebook = ProductFactory(kind="digital", stock=None, price=Decimal("9.00"))
    cart_add(cart=cart, product_id=ebook.pk, quantity=1)
    assert 'name="ship_line1"' not in fan_client.get(URL).content.decode()
    data = {k: v for k, v in form_data(fan).items() if not k.startswith("ship_")}
    response = fan_client.post(URL, {**data, "step": "place"})
    assert response.status_code == 302
    assert Order.objects.get().ship_line1 == ""


def test_empty_cart_goes_back_to_the_cart(fan_client, fan):
    response = fan_client.get(URL, follow=True)
    assert response.redirect_chain[-1][0] == "/cart/"
    assert "Your cart is empty." in response.content.decode()


def test_problem_line_goes_back_to_the_cart_with_the_message(fan_client, fan, mug):
    Product.objects.filter(pk=mug.pk).update(status="archived")
    response = fan_client.get(URL, follow=True)
    assert response.redirect_chain[-1][0] == "/cart/"
    assert "can’t be bought as they are" in response.content.decode()


def test_mixed_currencies_are_explained(fan_client, cart):
    cart_add(cart=cart, product_id=ProductFactory(shop=ShopFactory(currency="EUR")).pk, quantity=1)
    cart_add(cart=cart, product_id=ProductFactory(shop=ShopFactory(currency="USD")).pk, quantity=1)
    response = fan_client.get(URL, follow=True)
    assert "EUR and USD" in response.content.decode()


@pytest.mark.parametrize(
    ("change", "message"),
    [
        ({"ship_line1": ""}, "This field is required."),
        ({"ship_postal_code": "   "}, "This field is required."),
        ({"ship_postal_code": "x" * 21}, "at most 20 characters"),
        ({"ship_country": "XX"}, "Select a valid choice."),
        ({"email": "nope"}, "Enter a valid email address."),
        ({"card_number": "1234"}, "That card number is not valid."),
        ({"card_expiry": "01/20"}, "This card has expired."),
        ({"card_cvc": "1"}, "Enter the 3-digit security code."),
        ({"payment_method": "bitcoin"}, "Select a valid choice."),
    ],
)
def test_bad_input_is_shown_on_the_form(fan_client, fan, mug, change, message):
    response = fan_client.post(URL, form_data(fan, **change))
    assert response.status_code == 200
    assert message in response.content.decode()
    assert "Review your order" not in response.content.decode()
    assert not Order.objects.exists()


def test_manual_payment_needs_no_card(fan_client, fan, mug):
    data = form_data(fan, payment_method="manual", card_number="", card_cvc="", card_expiry="")
    fan_client.post(URL, {**data, "step": "place"})
    assert Order.objects.get().status == OrderStatus.AWAITING_PAYMENT


def test_review_then_place_then_confirmation(
    fan_client, fan, mug, django_capture_on_commit_callbacks
):
    data = form_data(fan)
    review = fan_client.post(URL, data)
    page = review.content.decode()
    assert "Review your order" in page
    assert "•••• 4242" in page and "Lisbon" in page
    assert "€48.00" in page
    assert 'name="step" value="place"' in page
    assert not Order.objects.exists()  # nothing placed by the review

    with django_capture_on_commit_callbacks(execute=True):
        response = fan_client.post(URL, {**data, "step": "place"})
    checkout = Checkout.objects.get()
    assert response["Location"] == f"/checkout/done/{checkout.idempotency_key}/"
    order = checkout.orders.get()
    assert order.status == OrderStatus.PAID
    assert {message.to[0] for message in mail.outbox} == {fan.email, mug.shop.creator.user.email}

    done = fan_client.get(response["Location"]).content.decode()
    assert order.number in done
    assert "Paid" in done
    assert f'href="/orders/{order.number}/"' in done


def test_double_submit_places_one_order(fan_client, fan, mug):
    data = {**form_data(fan), "step": "place"}
    first = fan_client.post(URL, data)
    second = fan_client.post(URL, data)
    assert first["Location"] == second["Location"]
    assert Checkout.objects.count() == 1 and Order.objects.count() == 1
    mug.refresh_from_db()
    assert mug.stock == 3


def test_a_double_submit_that_committed_while_this_one_read_the_cart_is_found(
    fan_client, fan, mug, monkeypatch
):
    # The first "Place order" commits (emptying the cart) just as the second reads the
    # cart: the second goes to the confirmation, as a later one does — not to "Your cart
    # is empty".
    data = {**form_data(fan), "step": "place"}
    read_cart = checkout_views.carts.cart_summary

    def cart_read_as_the_first_submit_commits(cart):
        if not Checkout.objects.exists():
            order_place(
                buyer=fan,
                cart=cart,
                email=fan.email,
                address=Address(**{key[5:]: value for key, value in ADDRESS.items()}, line2=""),
                provider=PAYMENT_PROVIDERS["manual"],
                payment_data={},
                idempotency_key=data["idempotency_key"],
            )
        return read_cart(cart)

    monkeypatch.setattr(checkout_views.carts, "cart_summary", cart_read_as_the_first_submit_commits)
    response = fan_client.post(URL, data)
    placed = Checkout.objects.get()
    assert response["Location"] == f"/checkout/done/{placed.idempotency_key}/"
    assert Order.objects.count() == 1


def test_declined_card_shows_the_message_and_keeps_stock(fan_client, fan, mug):
    data = form_data(fan, card_number="4000 0000 0000 0002")
    response = fan_client.post(URL, {**data, "step": "place"})
    assert response.status_code == 200
    assert "Your card was declined." in response.content.decode()
    assert not Order.objects.exists()
    mug.refresh_from_db()
    assert mug.stock == 5


def test_sold_out_while_reviewing_goes_back_to_the_cart(fan_client, fan, mug):
    data = form_data(fan)
    fan_client.post(URL, data)
    Product.objects.filter(pk=mug.pk).update(stock=1)
    response = fan_client.post(URL, {**data, "step": "place"}, follow=True)
    assert response.redirect_chain[-1][0] == "/cart/"
    assert not Order.objects.exists()


def test_tampered_prices_and_products_are_ignored(fan_client, fan, mug):
    other = ProductFactory(price=Decimal("1.00"))
    data = {
        **form_data(fan),
        "step": "place",
        "price": "0.01",
        "total": "0.01",
        "unit_price": "0.01",
        "product": other.pk,
    }
    fan_client.post(URL, data)
    order = Order.objects.get()
    assert order.total == Decimal("48.00")
    assert [item.product_id for item in order.items.all()] == [mug.pk]


def test_confirmation_is_only_for_its_buyer(client, fan_client, fan, mug):
    fan_client.post(URL, {**form_data(fan), "step": "place"})
    url = f"/checkout/done/{Checkout.objects.get().idempotency_key}/"
    assert fan_client.get(url).status_code == 200
    client.force_login(UserFactory())
    assert client.get(url).status_code == 404
    assert client.get(f"/checkout/done/{uuid.uuid4()}/").status_code == 404


def test_someone_elses_key_does_not_reveal_their_checkout(client, fan_client, fan, mug):
    data = {**form_data(fan), "step": "place"}
    fan_client.post(URL, data)
    other = UserFactory()
    other_cart = Cart.objects.create(user=other)
    cart_add(cart=other_cart, product_id=mug.pk, quantity=1)
    client.force_login(other)
    response = client.post(URL, {**data, "email": other.email})
    assert response.status_code == 200  # the review; placing with it is refused below
    response = client.post(URL, {**data, "email": other.email, "step": "place"})
    assert "expired" in response.content.decode()
    assert Checkout.objects.count() == 1


def test_checkout_posts_are_rate_limited(fan_client, fan, mug):
    for _ in range(30):
        fan_client.post(URL, {"email": "x"})
    assert fan_client.post(URL, {"email": "x"}).status_code == 429


def test_csrf_is_required(fan, mug):
    from django.test import Client

    client = Client(enforce_csrf_checks=True)
    client.force_login(fan)
    assert client.post(URL, {**form_data(fan), "step": "place"}).status_code == 403
    assert not Order.objects.exists()


@pytest.mark.parametrize("lines", [5, 100])
def test_review_page_queries_do_not_grow_with_lines(
    fan_client, fan, cart, lines, django_assert_max_num_queries
):
    shops = [ShopFactory() for _ in range(5)]
    for index in range(lines):
        product = ProductFactory(shop=shops[index % 5], stock=None)
        cart_add(cart=cart, product_id=product.pk, quantity=1)
    data = form_data(fan)
    # 1 session, 2 user, 3 "already placed with this key?", 4 the cart, 5 its lines with
    # product, shop, creator and user joined, 6 their images, 7 the header's cart badge,
    # 8 the header's creator profile, 9 the header's bell count. The rate limit counts in
    # the cache, not the database. Adding a query? Say why: this page has 100-line carts.
    with django_assert_max_num_queries(9):
        response = fan_client.post(URL, data)
    assert "Review your order" in response.content.decode()


def test_price_change_after_review_is_not_charged(fan_client, fan, mug):
    review = fan_client.post(URL, form_data(fan)).content.decode()
    reviewed = re.search(r'name="reviewed_total" value="([^"]+)"', review).group(1)
    assert reviewed == "48.00"
    data = {**form_data(fan), "reviewed_total": reviewed, "step": "place"}
    Product.objects.filter(pk=mug.pk).update(price=Decimal("30.00"))
    response = fan_client.post(URL, data)
    page = response.content.decode()
    assert "Prices or shipping changed since you reviewed" in page
    assert "€60.00" in page and 'name="reviewed_total" value="60.00"' in page
    assert not Order.objects.exists()


def test_checkout_pages_are_never_cached(fan_client, fan, mug):
    response = fan_client.post(URL, form_data(fan))
    assert "no-store" in response["Cache-Control"]
