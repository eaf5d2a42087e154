"""The cart: visitors and fans add, change and remove lines; prices come from the products."""

from decimal import Decimal

import pytest
from django.urls import reverse

from shops.cart import MAX_QUANTITY, cart_summary
from shops.models import Cart, CartLine, ProductStatus
from tests.factories import PASSWORD, ProductFactory, ShopFactory, UserFactory

pytestmark = pytest.mark.django_db
ADD = reverse("shops:cart_add")
CART = reverse("shops:cart")


def _add(client, product, quantity=1, **extra):
    data = {"product": product.pk, "quantity": quantity, **extra}
    return client.post(ADD, data, follow=True)


def _lines(client):
    return {line.product_id: line.quantity for line in CartLine.objects.all()}


def test_visitor_adds_from_two_creators_and_sees_one_group_per_shop(client):
    mug = ProductFactory(title="Speckled mug", price=Decimal("24.00"))
    scarf = ProductFactory(title="Wool scarf", price=Decimal("55.50"))
    _add(client, mug, 2)
    response = _add(client, scarf)
    page = response.content.decode()
    assert "“Wool scarf” is in your cart (1)." in page
    response = client.get(CART)
    summary = response.context["summary"]
    assert [group.shop for group in summary.groups] == sorted(
        [mug.shop, scarf.shop], key=lambda shop: shop.name
    )
    assert summary.totals == {"EUR": Decimal("103.50")}
    page = response.content.decode()
    assert "€48.00" in page and "€55.50" in page and "€103.50" in page
    assert Cart.objects.get().user is None  # a visitor's cart, found through the session


def test_adding_again_adds_up(client):
    mug = ProductFactory()
    _add(client, mug, 2)
    _add(client, mug, 3)
    assert _lines(client) == {mug.pk: 5}


def test_header_shows_how_many_items(client):
    _add(client, ProductFactory(), 3)
    assert 'aria-label="3 items"' in client.get("/").content.decode()


def test_prices_come_from_the_database_not_the_form(client):
    mug = ProductFactory(price=Decimal("24.00"))
    _add(client, mug, 1, price="0.01", total="0.01")
    mug.price = Decimal("30.00")
    mug.save()
    assert client.get(CART).context["summary"].totals == {"EUR": Decimal("30.00")}


@pytest.mark.parametrize(
    ("quantity", "message"),
    [
        ("0", "The quantity must be at least 1."),
        ("-3", "The quantity must be at least 1."),
        ("abc", "Enter the quantity as a whole number."),
        ("1.5", "Enter the quantity as a whole number."),
        ("99999999999999999999", f"You can buy at most {MAX_QUANTITY} of one product"),
        (str(MAX_QUANTITY + 1), f"You can buy at most {MAX_QUANTITY} of one product"),
    ],
)
def test_bad_quantities_get_a_clear_message_and_change_nothing(client, quantity, message):
    response = _add(client, ProductFactory(), quantity)
    assert message in response.content.decode()
    assert not CartLine.objects.exists()


def test_quantity_is_capped_by_stock(client):
    mug = ProductFactory(title="Last mugs", stock=2)
    response = _add(client, mug, 3)
    assert "Only 2 of “Last mugs” left" in response.content.decode()
    _add(client, mug, 2)
    response = _add(client, mug, 1)
    assert "Only 2 of “Last mugs” left" in response.content.decode()
    assert _lines(client) == {mug.pk: 2}


@pytest.mark.parametrize(
    ("overrides", "message"),
    [
        ({"status": ProductStatus.DRAFT}, "That product is not for sale."),
        ({"status": ProductStatus.ARCHIVED}, "That product is not for sale."),
        ({"shop__is_open": False}, "“Secret glaze test” is not for sale any more."),
        ({"stock": 0}, "“Secret glaze test” is sold out."),
    ],
)
def test_unbuyable_products_are_refused(client, overrides, message):
    response = _add(client, ProductFactory(title="Secret glaze test", **overrides))
    assert message in response.content.decode()
    assert not CartLine.objects.exists()
    assert not Cart.objects.exists()  # no empty cart left behind either


@pytest.mark.parametrize("status", [ProductStatus.DRAFT, ProductStatus.ARCHIVED])
def test_a_refused_product_is_not_named(client, status):
    """A product whose page is a 404 is not named in the message, nor anywhere on the
    page the refusal lands on: a guessed id must not reveal a draft's title."""
    product = ProductFactory(title="Unannounced kiln 7Q", status=status)
    response = client.post(ADD, {"product": product.pk, "quantity": 1})
    assert response.status_code == 302
    assert response["Location"] == CART
    page = client.get(CART).content.decode()
    assert "That product is not for sale." in page
    assert "Unannounced kiln 7Q" not in page


@pytest.mark.parametrize(
    "product_id", ["999999", "abc", "", "1 OR 1=1", "-1", "1.5", "9" * 30, "٣"]
)
def test_tampered_product_ids_are_refused(client, product_id):
    response = client.post(ADD, {"product": product_id, "quantity": 1}, follow=True)
    assert response.status_code == 200
    assert "That product is not for sale." in response.content.decode()
    assert not CartLine.objects.exists()
    assert not Cart.objects.exists()


def test_update_and_remove_lines(client):
    mug = ProductFactory(title="Mug")
    _add(client, mug, 1)
    line = CartLine.objects.get()
    client.post(reverse("shops:cart_line", args=[line.pk]), {"quantity": "4"})
    assert _lines(client) == {mug.pk: 4}
    response = client.post(
        reverse("shops:cart_line", args=[line.pk]), {"quantity": "0"}, follow=True
    )
    assert "The quantity must be at least 1." in response.content.decode()
    response = client.post(reverse("shops:cart_line", args=[line.pk]), {"remove": "1"}, follow=True)
    assert "Removed “Mug” from your cart." in response.content.decode()
    assert not CartLine.objects.exists()
    assert "Your cart is empty." in response.content.decode()


def test_another_visitors_cart_line_is_404(client):
    from django.test import Client

    _add(client, ProductFactory(), 1)
    line = CartLine.objects.get()
    stranger = Client()
    _add(stranger, ProductFactory(), 1)
    url = reverse("shops:cart_line", args=[line.pk])
    assert stranger.post(url, {"quantity": "9"}).status_code == 404
    assert stranger.post(url, {"remove": "1"}).status_code == 404
    line.refresh_from_db()
    assert line.quantity == 1


def test_cart_changes_need_post_and_csrf(fan):
    from django.test import Client

    client = Client(enforce_csrf_checks=True)
    client.force_login(fan)
    product = ProductFactory()
    assert client.get(ADD, {"product": product.pk}).status_code == 405
    assert client.post(ADD, {"product": product.pk, "quantity": 1}).status_code == 403
    assert not CartLine.objects.exists()


def test_line_archived_meanwhile_is_flagged_and_left_out_of_totals(client):
    mug, scarf = ProductFactory(price=Decimal("10.00")), ProductFactory(price=Decimal("5.00"))
    _add(client, mug, 1)
    _add(client, scarf, 1)
    mug.status = ProductStatus.ARCHIVED
    mug.save()
    response = client.get(CART)
    summary = response.context["summary"]
    assert summary.has_problems
    assert summary.totals == {"EUR": Decimal("5.00")}
    assert "No longer for sale." in response.content.decode()


def test_visitor_cart_merges_into_the_fans_cart_at_sign_in(client):
    fan = UserFactory(email="buyer@example.com")
    mug, scarf = ProductFactory(stock=3), ProductFactory()
    earlier = Cart.objects.create(user=fan)
    CartLine.objects.create(cart=earlier, product=mug, quantity=2)
    _add(client, mug, 2)
    _add(client, scarf, 1)
    client.post(reverse("account_login"), {"login": fan.email, "password": PASSWORD})
    # Same product: added up, capped by stock; the visitor's cart is gone.
    assert Cart.objects.count() == 1
    assert {line.product_id: line.quantity for line in fan.cart.lines.all()} == {
        mug.pk: 3,
        scarf.pk: 1,
    }
    assert client.get(CART).context["summary"].units == 4


def test_fans_cart_follows_them_across_sessions(client):
    fan = UserFactory()
    client.force_login(fan)
    _add(client, ProductFactory(), 2)
    client.logout()
    client.force_login(fan)
    assert client.get(CART).context["summary"].units == 2


def test_cart_page_queries_do_not_grow_with_lines(client, django_assert_max_num_queries):
    def fill(count):
        CartLine.objects.all().delete()
        cart = Cart.objects.first() or Cart.objects.create()
        shop = ShopFactory()
        products = ProductFactory.create_batch(count, shop=shop)
        CartLine.objects.bulk_create(
            [CartLine(cart=cart, product=product, quantity=1) for product in products]
        )
        session = client.session
        session["cart_id"] = cart.pk
        session.save()

    # Queries: session, the header's item count, the lines with their products, shops,
    # creators and covers. If you add one, say why here.
    for count in (5, 500):
        fill(count)
        with django_assert_max_num_queries(3):
            response = client.get(CART)
        assert response.context["summary"].units == count


def test_summary_of_no_cart_is_empty():
    assert cart_summary(None).is_empty


def test_the_cart_page_reads_what_checkout_reads(rf):
    """The page's hand-written read (shops.cart._PAGE_LINES) and checkout's ORM read give
    the same groups, lines, covers, problems and money, to the cent."""
    from shops.cart import cart_summary_for_request
    from tests.factories import ProductImageFactory

    fan = UserFactory()
    cart = Cart.objects.create(user=fan)
    ana = ShopFactory(name="Ana", shipping_rate=Decimal("4.5"), free_shipping_from=Decimal("60"))
    bo = ShopFactory(name="Bo", currency="USD", shipping_rate=Decimal("3.99"))
    mug = ProductFactory(shop=ana, price=Decimal("19.99"), stock=5)
    few = ProductFactory(shop=ana, price=Decimal("2.25"), stock=1)
    ProductImageFactory(product=mug, position=2)
    cover = ProductImageFactory(product=mug, position=1)
    archived = ProductFactory(shop=ana, price=Decimal("5.10"), status=ProductStatus.ARCHIVED)
    ebook = ProductFactory(shop=bo, price=Decimal("7"), kind="digital", stock=None)
    for product, quantity in ((mug, 3), (few, 2), (archived, 1), (ebook, 2)):
        CartLine.objects.create(cart=cart, product=product, quantity=quantity)
    request = rf.get(CART)
    request.user = fan

    page, orm = cart_summary_for_request(request), cart_summary(cart)

    def seen(summary):
        return [
            (
                group.shop.pk,
                group.shop.name,
                group.shop.creator.get_absolute_url(),
                group.subtotal,
                group.shipping,
                group.total,
                group.free_shipping_gap,
                [
                    (
                        item.line.pk,
                        item.product.get_absolute_url(),
                        item.product.title,
                        item.product.price,
                        item.quantity,
                        item.line_total,
                        item.problem,
                        item.cover and (item.cover.pk, item.cover.urls["grid"]),
                    )
                    for item in group.items
                ],
            )
            for group in summary.groups
        ]

    assert seen(page) == seen(orm)
    assert page.totals == orm.totals and page.units == orm.units == 8
    mug_item, few_item, archived_item = page.groups[0].items
    assert mug_item.cover.pk == cover.pk and few_item.cover is None
    assert few_item.problem.startswith("Only 1 left") and archived_item.problem
    assert str(page.groups[0].shipping) == "4.50" and type(mug_item.product.price) is Decimal
    assert page.groups[0].free_shipping_gap == Decimal("0.03")
