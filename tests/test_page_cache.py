"""The shared page cache: served to everyone but the owner, never stale after a change.

These tests commit for real (`transactional_db`): invalidation happens when a write's
transaction commits, which the usual rolled-back test transaction never does.
"""

import os
import re
import subprocess
import sys
import uuid
from decimal import Decimal

import pytest
from django.contrib.admin.sites import site as admin_site
from django.db import connection
from django.test import Client
from django.urls import reverse

from core import pagecache
from creators.services import creator_profile_update
from shops.cart import cart_add
from shops.checkout import Address, order_place
from shops.models import Cart, Product, ProductStatus, Tag
from shops.orders import order_cancel
from shops.payments import PAYMENT_PROVIDERS
from shops.services import product_set_status, product_update
from tests.factories import ProductFactory, ShopFactory, TagFactory, UserFactory

pytestmark = [pytest.mark.page_cache, pytest.mark.django_db(transaction=True)]

CARD = {"card_number": "4242424242424242", "card_expiry": "12/99", "card_cvc": "123"}
ADDRESS = Address(
    name="Fan Person", line1="1 Clay Street", city="Lisbon", postal_code="1100-001", country="PT"
)


@pytest.fixture
def mug():
    shop = ShopFactory(creator__handle="ana_makes", creator__display_name="Ana Makes")
    tag = TagFactory(name="ceramics", slug="ceramics")
    product = ProductFactory(shop=shop, title="Speckled mug", price=Decimal("24.00"), stock=3)
    product.tags.add(tag)
    return product


def product_url(product):
    return reverse("shops:product", args=[product.shop.creator.handle, product.slug])


def creator_url(product):
    return reverse("creators:detail", args=[product.shop.creator.handle])


PAGES = {
    "product": product_url,
    "creator": creator_url,
    "catalog": lambda product: reverse("catalog"),
    "home": lambda product: reverse("home"),
}


def visit(url, client=None):
    response = (client or Client()).get(url)
    assert response.status_code == 200
    return response


def warm(url):
    """Two visits: the first renders and stores the page, the second is replayed."""
    visit(url)
    replayed = visit(url)
    assert replayed["X-Page-Cache"] == "hit"
    return replayed


def update(product, **changes):
    fields = {
        "title": product.title,
        "description": product.description,
        "price": product.price,
        "compare_at_price": product.compare_at_price,
        "kind": product.kind,
        "stock": product.stock,
        "tags": [tag.name for tag in product.tags.all()],
    }
    return product_update(product=product, **{**fields, **changes})


# --- What is served ---------------------------------------------------------------------


def test_a_visitor_gets_the_page_from_the_cache_without_touching_the_database(
    mug, django_assert_num_queries
):
    url = product_url(mug)
    assert visit(url)["X-Page-Cache"] == "miss"
    with django_assert_num_queries(0):
        response = visit(url)
    assert response["X-Page-Cache"] == "hit"
    assert "Speckled mug" in response.content.decode()


def test_every_visitor_gets_their_own_csrf_token_and_it_works(mug):
    url = product_url(mug)
    warm(url)
    tokens = []
    for _ in range(2):
        client = Client(enforce_csrf_checks=True)
        page = visit(url, client).content.decode()
        assert ".c." not in page and 'csrfmiddlewaretoken" value=""' not in page
        token = re.search(r'name="csrfmiddlewaretoken" value="([^"]+)"', page).group(1)
        assert f'"X-CSRFToken": "{token}"' in page  # htmx's header carries the same token
        tokens.append(client.cookies["csrftoken"].value)
        added = client.post(
            reverse("shops:cart_add"),
            {"product": mug.pk, "quantity": 1, "csrfmiddlewaretoken": token, "next": url},
        )
        assert added.status_code == 302
    assert tokens[0] != tokens[1]


@pytest.mark.parametrize("page", PAGES)
def test_a_replayed_page_carries_the_same_headers_and_body_as_a_rendered_one(mug, page):
    """Plain visitors' hits skip most of the middleware: what reaches them must not
    differ from the page the whole stack rendered, but for the CSRF token."""
    url = PAGES[page](mug)
    rendered = visit(url)
    replayed = visit(url)
    assert (rendered["X-Page-Cache"], replayed["X-Page-Cache"]) == ("miss", "hit")
    skip = {"X-Page-Cache", "Content-Length"}
    assert {k: v for k, v in replayed.items() if k not in skip} == {
        k: v for k, v in rendered.items() if k not in skip
    }
    assert replayed["X-Frame-Options"] == "DENY"
    assert "Cookie" in replayed["Vary"]
    csrf = re.compile(r'(name="csrfmiddlewaretoken" value="|"X-CSRFToken": ")[^"]+"')
    assert csrf.sub("TOKEN", replayed.content.decode()) == csrf.sub(
        "TOKEN", rendered.content.decode()
    )
    cookie = replayed.cookies["csrftoken"]
    assert cookie.value and cookie["samesite"] == rendered.cookies["csrftoken"]["samesite"]


@pytest.mark.parametrize("page", PAGES)
def test_pages_cached_by_other_templates_are_not_replayed_after_a_deploy(mug, page, monkeypatch):
    """A cached page's hole markers belong to the templates that rendered it."""

    url = PAGES[page](mug)
    warm(url)
    monkeypatch.setattr(pagecache, "_templates_release", lambda: "next-release")
    assert visit(url)["X-Page-Cache"] == "miss"
    assert visit(url, Client())["X-Page-Cache"] == "hit"


def test_the_templates_release_changes_with_any_template(settings, tmp_path):

    (tmp_path / "page.html").write_text("<p>one</p>")
    settings.TEMPLATES = [{**settings.TEMPLATES[0], "DIRS": [tmp_path]}]
    pagecache._templates_release.cache_clear()
    try:
        before = pagecache._templates_release()
        (tmp_path / "page.html").write_text("<p>two</p>")
        pagecache._templates_release.cache_clear()
        assert pagecache._templates_release() != before
    finally:
        pagecache._templates_release.cache_clear()


def test_a_returning_visitor_keeps_their_csrf_cookie_and_its_token_works(mug):
    url = product_url(mug)
    warm(url)
    client = Client(enforce_csrf_checks=True)
    visit(reverse("catalog"), client)  # the first visit sets the cookie
    cookie = client.cookies["csrftoken"].value
    page = visit(url, client).content.decode()
    token = re.search(r'name="csrfmiddlewaretoken" value="([^"]+)"', page).group(1)
    assert client.cookies["csrftoken"].value == cookie
    added = client.post(
        reverse("shops:cart_add"),
        {"product": mug.pk, "quantity": 1, "csrfmiddlewaretoken": token, "next": url},
    )
    assert added.status_code == 302
    forged = Client(enforce_csrf_checks=True)
    forged.cookies["csrftoken"] = cookie
    assert forged.post(reverse("shops:cart_add"), {"product": mug.pk}).status_code == 403


def test_a_signed_in_fan_gets_the_shared_page_with_their_own_header(mug):
    url = product_url(mug)
    warm(url)
    fan = UserFactory(email="lena@example.com")
    cart_add(cart=Cart.objects.create(user=fan), product_id=mug.pk, quantity=2)
    client = Client()
    client.force_login(fan)
    response = visit(url, client)
    page = response.content.decode()
    assert response["X-Page-Cache"] == "hit"
    assert "Sign out" in page and "Your orders" in page
    assert 'aria-label="2 items"' in page
    # …and nothing of the fan leaks to the next visitor of the same cached page.
    visitor_page = visit(url).content.decode()
    assert "Sign out" not in visitor_page and "Sign in" in visitor_page
    assert 'aria-label="2 items"' not in visitor_page


def test_a_signed_in_fan_replay_costs_a_constant_handful_of_queries(
    mug, django_assert_max_num_queries
):
    url = product_url(mug)
    warm(url)
    client = Client()
    client.force_login(UserFactory())
    # Only the per-person parts: the session (by primary key: sessions are in the
    # database, so they work without Redis), the user with their creator profile, cart
    # units and the bell's unread count (the header), whether this fan follows the
    # creator and whether the creator blocked them (one query for the follow button and
    # the questions hole), the reviews hole (the fan's own review and whether they bought
    # the product; no reviews yet, so no page of them), and which of the page's products
    # this fan saved (one query for the heart and the "more from" grid). The questions
    # hole asks nothing: the product, its creator and how many questions fans see come
    # with the marker, and there are none; nor does "people you follow bought this" for a
    # fan who follows no fan (the user's query says so). Plain visitors cost none.
    # Whoever adds one: say why here.
    visit(url, client)
    with django_assert_max_num_queries(5):
        assert visit(url, client)["X-Page-Cache"] == "hit"


def test_flash_messages_show_on_a_replayed_page(mug):
    url = product_url(mug)
    warm(url)
    client = Client()
    response = client.post(
        reverse("shops:cart_add"), {"product": mug.pk, "quantity": 1, "next": url}, follow=True
    )
    page = response.content.decode()
    assert "is in your cart (1)" in page
    assert "is in your cart" not in visit(url, client).content.decode()  # shown once


def test_the_owner_always_gets_a_fresh_page_with_their_controls(mug):
    url = creator_url(mug)
    warm(url)
    owner = Client()
    owner.force_login(mug.shop.creator.user)
    response = visit(url, owner)
    assert "X-Page-Cache" not in response
    assert "Manage your products" in response.content.decode()
    assert "Manage your products" not in visit(url).content.decode()


def test_pages_that_are_not_200_are_not_cached(mug):
    url = reverse("shops:product", args=["ana_makes", "no-such-mug"])
    assert Client().get(url).status_code == 404
    ProductFactory(shop=mug.shop, slug="no-such-mug", title="Now it exists")
    assert "Now it exists" in visit(url).content.decode()


def test_the_cart_is_shared_only_by_visitors_without_a_session(mug):
    url = reverse("shops:cart")
    assert "empty" in warm(url).content.decode().lower()
    client = Client()
    client.post(reverse("shops:cart_add"), {"product": mug.pk, "quantity": 2})
    page = visit(url, client)
    assert "X-Page-Cache" not in page
    assert "Speckled mug" in page.content.decode()
    assert "Speckled mug" not in visit(url).content.decode()


def test_a_new_creator_shows_in_the_directory_at_once(mug):
    url = reverse("creators:list")
    warm(url)
    ShopFactory(creator__handle="new_potter", creator__display_name="New Potter")
    assert "New Potter" in visit(url).content.decode()


def test_the_cache_can_be_turned_off(mug, settings):
    settings.PAGE_CACHE_SECONDS = 0
    url = product_url(mug)
    visit(url)
    assert "X-Page-Cache" not in visit(url)


@pytest.mark.real_stack
def test_a_change_made_by_another_process_shows_on_the_next_request(mug):
    """Another web worker (a separate process) invalidates the creator's pages: this one
    must not serve its own copy, nor its copy of the tokens, even once."""
    url = product_url(mug)
    warm(url)
    touch = (
        "import django; django.setup(); from core import pagecache; "
        "from creators.page_cache import creator_scope; "
        "pagecache.touch(creator_scope('ana_makes'))"
    )
    db = connection.settings_dict  # the test database, as the other process must use
    database_url = f"postgres://{db['USER']}@{db['HOST']}:{db['PORT']}/{db['NAME']}"
    env = {**os.environ, "DATABASE_URL": database_url}
    subprocess.run([sys.executable, "-c", touch], check=True, env=env)
    assert visit(url)["X-Page-Cache"] == "miss"
    assert visit(url)["X-Page-Cache"] == "hit"


# --- Never stale after a change ---------------------------------------------------------


@pytest.mark.parametrize("page", ["product", "creator", "catalog"])
def test_a_price_change_shows_at_once(mug, page):
    url = PAGES[page](mug)
    warm(url)
    update(mug, price=Decimal("19.00"))
    assert "19.00" in visit(url).content.decode()


@pytest.mark.parametrize("page", ["product", "creator", "catalog"])
def test_a_new_title_shows_at_once(mug, page):
    url = PAGES[page](mug)
    warm(url)
    update(mug, title="Glazed mug")
    assert "Glazed mug" in visit(url).content.decode()


def test_stock_taken_by_an_order_and_returned_by_a_cancellation_shows_at_once(mug):
    url = product_url(mug)
    warm(url)
    fan = UserFactory()
    cart = Cart.objects.create(user=fan)
    cart_add(cart=cart, product_id=mug.pk, quantity=3)
    checkout = order_place(
        buyer=fan,
        cart=cart,
        email=fan.email,
        address=ADDRESS,
        provider=PAYMENT_PROVIDERS["test"],
        payment_data=CARD,
        idempotency_key=uuid.uuid4(),
    )
    assert "Sold out" in visit(url).content.decode()
    warm(url)
    order_cancel(order=checkout.orders.get())
    page = visit(url).content.decode()
    assert "Sold out" not in page and "Only 3 left" in page


def test_a_sold_out_product_leaves_the_in_stock_catalog_at_once(mug):
    url = reverse("catalog") + "?in_stock=1"
    assert "Speckled mug" in warm(url).content.decode()
    Product.objects.filter(pk=mug.pk).update(stock=0)  # what checkout does, plus its touch
    from shops.page_cache import products_touched

    products_touched([mug.pk])
    assert "Speckled mug" not in visit(url).content.decode()


def test_an_archived_product_disappears_at_once(mug):
    product, catalog = product_url(mug), reverse("catalog")
    warm(product)
    warm(catalog)
    product_set_status(product=mug, status=ProductStatus.ARCHIVED)
    assert Client().get(product).status_code == 404
    assert "Speckled mug" not in visit(catalog).content.decode()


def test_a_new_product_appears_on_the_creator_page_and_catalog_at_once(mug):
    pages = [creator_url(mug), reverse("catalog")]
    for url in pages:
        warm(url)
    ProductFactory(shop=mug.shop, title="Tall vase")
    for url in pages:
        assert "Tall vase" in visit(url).content.decode()


@pytest.mark.parametrize("page", PAGES)
def test_a_profile_edit_shows_at_once(mug, page):
    url = PAGES[page](mug)
    warm(url)
    creator_profile_update(profile=mug.shop.creator, display_name="Ana Ceramics", bio="New bio")
    assert "Ana Ceramics" in visit(url).content.decode()


def test_a_deactivated_creator_disappears_at_once(mug):
    url = creator_url(mug)
    warm(url)
    user = mug.shop.creator.user
    user.is_active = False
    user.save()
    assert Client().get(url).status_code == 404


def test_staff_edits_in_admin_show_at_once(mug, admin_client):
    url = product_url(mug)
    warm(url)
    admin_client.post(
        reverse("admin:shops_tag_change", args=[mug.tags.get().pk]),
        {"name": "stoneware", "slug": "stoneware"},
    )
    assert Tag.objects.filter(name="stoneware").exists()
    assert "stoneware" in visit(url).content.decode()
    assert admin_site.is_registered(Product)


def test_a_rolled_back_change_keeps_serving_the_same_page(mug):
    url = product_url(mug)
    warm(url)
    with pytest.raises(Exception):  # noqa: B017 - any failure inside the use case
        update(mug, price=Decimal("-1.00"))
    assert visit(url)["X-Page-Cache"] == "hit"


def test_a_hole_renders_with_its_arguments_inline_and_at_replay(tmp_path, settings, rf):
    from django.contrib.auth.models import AnonymousUser
    from django.template import RequestContext, Template

    (tmp_path / "echo.html").write_text("[{{ creator_id }} at {{ request.path }}]")
    settings.TEMPLATES = [
        {**settings.TEMPLATES[0], "DIRS": [tmp_path, *settings.TEMPLATES[0]["DIRS"]]}
    ]
    pagecache.register_hole("echo.html")
    try:
        request = rf.get("/somewhere/")
        request.user = AnonymousUser()
        page = Template('{% load page_holes %}<p>{% hole "echo.html" creator_id=7 %}</p>')
        assert page.render(RequestContext(request)) == "<p>[7 at /somewhere/]</p>"
        with pagecache._rendering_for_cache(request) as render:
            parts = render.split(page.render(RequestContext(request)))
        assert parts == ("<p>", pagecache.Hole("echo.html", (("creator_id", "7"),)), "</p>")
        assert pagecache._fill(request, parts) == "<p>[7 at /somewhere/]</p>"
    finally:
        pagecache.HOLES.discard("echo.html")


def test_the_creator_pages_posts_are_shared_by_viewer_kind_and_never_stale(mug):
    from creators.follows import follow_create
    from creators.posts import PostAction, post_create

    creator = mug.shop.creator
    url = creator_url(mug)
    secret = "Members-only glaze recipe: ash, feldspar and a secret"
    post_create(author=creator.user, body=secret, visibility="followers", action="publish")
    follower, stranger = UserFactory(), UserFactory()
    follow_create(follower=follower, followed=creator.user)
    clients = {}
    for name, user in (("follower", follower), ("stranger", stranger)):
        clients[name] = Client()
        clients[name].force_login(user)
        visit(url, clients[name])  # warm each viewer kind's copy
    assert secret in visit(url, clients["follower"]).content.decode()
    assert secret not in visit(url, clients["stranger"]).content.decode()  # a teaser
    post_create(author=creator.user, body="Kiln opening on Saturday", action=PostAction.PUBLISH)
    for client in clients.values():
        assert "Kiln opening on Saturday" in visit(url, client).content.decode()


def test_feed_cards_are_shared_and_show_an_edit_and_a_price_change_at_once(mug):
    from creators.follows import follow_create
    from creators.posts import PostAction, post_create, post_update
    from shops.models import PostProduct

    creator = mug.shop.creator
    post = post_create(author=creator.user, body="Fresh batch of mugs", action="publish")
    PostProduct.objects.create(post=post, product=mug, position=0)
    fans = [UserFactory(), UserFactory()]
    clients = []
    for fan in fans:
        follow_create(follower=fan, followed=creator.user)
        client = Client()
        client.force_login(fan)
        clients.append(client)
    feed = reverse("creators:feed")
    for client in clients:
        assert "Fresh batch of mugs" in visit(feed, client).content.decode()
    post.refresh_from_db()
    post_update(post=post, body="Fresh batch of mugs, now glazed", action=PostAction.PUBLISH)
    update(mug, price=Decimal("31.00"))
    for client in clients:
        page = visit(feed, client).content.decode()
        assert "now glazed" in page and "31.00" in page


def test_the_home_page_asks_to_open_a_shop_only_of_those_who_have_none(mug):
    """Whether the viewer sells is theirs alone: a creator's visit (which may be the one
    that renders the shared page) must not take the call away from everyone else."""
    creator = Client()
    creator.force_login(mug.shop.creator.user)
    assert "Open your shop" not in visit(reverse("home"), creator).content.decode()
    assert "Open your shop" in visit(reverse("home")).content.decode()
    fan = Client()
    fan.force_login(UserFactory())
    assert "Open your shop" in visit(reverse("home"), fan).content.decode()
    assert "Open your shop" not in visit(reverse("home"), creator).content.decode()


def test_questions_asked_hidden_or_answered_show_at_once_to_signed_in_fans(mug):
    """The questions hole takes how many questions fans see from the cached page: any
    change to them makes the page stale, so the count is never old."""
    from creators.conversation import comment_create_on_target, comment_reply
    from creators.moderation import comment_set_hidden

    url = product_url(mug)
    reader = Client()
    reader.force_login(UserFactory())
    visit(url, reader)
    assert visit(url, reader)["X-Page-Cache"] == "hit"
    creator = mug.shop.creator.user
    asked = comment_create_on_target(
        author=UserFactory(), target=mug, owner=creator, body="Is it microwave safe?"
    )
    assert "Is it microwave safe?" in visit(url, reader).content.decode()
    comment_reply(author=creator, parent=asked, body="Yes, and dishwasher safe too.")
    assert "dishwasher safe too" in visit(url, reader).content.decode()
    comment_set_hidden(comment=asked, hidden=True)
    assert "Is it microwave safe?" not in visit(url, reader).content.decode()
