"""Bad input over HTTP: ids in forms and URLs that name nothing the sender may see.

Each refusal is a clear message on the page or a 4xx with a body, names nothing it
should not, and writes nothing. (Browser journeys of the same: tests/e2e/test_bad_input.py.)
"""

import pytest
from django.urls import reverse

from creators.models import Comment, PostStatus, PostVisibility
from shops.models import Cart, CartLine, ProductStatus, SavedItem, ShareLink
from tests.factories import (
    CreatorProfileFactory,
    PostFactory,
    ProductFactory,
    ShopFactory,
    UserFactory,
)

pytestmark = pytest.mark.django_db
HUGE = "9" * 30  # larger than any id column: must be "no such", not a database error
NOT_FOUND = "We couldn’t find that page"


@pytest.fixture
def shop():
    return ShopFactory(creator=CreatorProfileFactory(handle="ana_makes", display_name="Ana"))


def _signed_in(client):
    client.force_login(UserFactory())
    return client


@pytest.mark.parametrize("signed_in", [False, True])
@pytest.mark.parametrize(
    "target",
    ["draft product", "archived product", "scheduled post", "draft post", "unknown kind"],
)
def test_sharing_something_hidden_is_a_404_page_and_makes_no_link(client, shop, target, signed_in):
    secret = "Hush-hush teapot"
    if signed_in:
        _signed_in(client)
    if target.endswith("product"):
        status = ProductStatus.DRAFT if target.startswith("draft") else ProductStatus.ARCHIVED
        data = {
            "kind": "product",
            "target": ProductFactory(shop=shop, title=secret, status=status).pk,
        }
    elif target.endswith("post"):
        post = PostFactory(
            creator=shop.creator.user,
            body=secret,
            body_html=f"<p>{secret}</p>",
            status=PostStatus.SCHEDULED if target.startswith("scheduled") else PostStatus.DRAFT,
            publish_at="2099-01-01T00:00Z",
            published_at=None,
        )
        data = {"kind": "post", "target": post.pk}
    else:
        data = {"kind": "comment", "target": ProductFactory(shop=shop, title=secret).pk}
    response = client.post(reverse("shops:share"), data)
    assert response.status_code == 404
    page = response.content.decode()
    assert NOT_FOUND in page and secret not in page
    assert not ShareLink.objects.exists()


@pytest.mark.parametrize("target", ["", "abc", "-3", "1.0", "1 OR 1=1", HUGE])
def test_sharing_a_malformed_id_is_a_404_page(client, target):
    response = client.post(reverse("shops:share"), {"kind": "product", "target": target})
    assert response.status_code == 404
    assert NOT_FOUND in response.content.decode()


def test_a_followers_only_post_is_shared_without_a_word_of_it(client, shop):
    """Anyone may share the teaser page, but the share title (which travels in emails and
    posts) never quotes the post — not even to its followers."""
    body = "One two three four five six seven secretword nine ten"
    post = PostFactory(
        creator=shop.creator.user,
        body=body,
        body_html=f"<p>{body}</p>",
        visibility=PostVisibility.FOLLOWERS,
    )
    response = client.post(reverse("shops:share"), {"kind": "post", "target": post.pk})
    page = response.content.decode()
    assert response.status_code == 200
    assert "<title>Share “A post for Ana’s followers”" in page
    assert "secretword" not in page and "One two three" not in page


@pytest.mark.parametrize("product_id", ["draft", "404", "abc", HUGE])
def test_adding_a_hidden_or_unknown_product_to_the_cart_writes_nothing(client, shop, product_id):
    if product_id == "draft":
        product_id = ProductFactory(shop=shop, title="Hush-hush teapot", status="draft").pk
    response = client.post(reverse("shops:cart_add"), {"product": product_id}, follow=True)
    page = response.content.decode()
    assert response.status_code == 200
    assert "That product is not for sale." in page
    assert "Hush-hush teapot" not in page
    assert not Cart.objects.exists() and not CartLine.objects.exists()
    assert "cart_id" not in client.session  # no dangling cart remembered either


@pytest.mark.parametrize("product_id", ["draft", HUGE])
def test_saving_a_hidden_or_unknown_product_is_a_404_page(client, shop, product_id):
    _signed_in(client)
    if product_id == "draft":
        product_id = ProductFactory(shop=shop, title="Hush-hush teapot", status="draft").pk
    url = f"/saved/{product_id}/"
    response = client.post(url, {"action": "save"})
    assert response.status_code == 404
    assert NOT_FOUND in response.content.decode()
    assert "Hush-hush teapot" not in response.content.decode()
    assert not SavedItem.objects.exists()


@pytest.mark.parametrize("product", ["abc", HUGE, ""])
def test_the_add_to_a_list_page_with_a_malformed_product_is_a_404_page(client, product):
    _signed_in(client)
    response = client.get(reverse("shops:list_add_product"), {"product": product})
    assert response.status_code == 404
    assert NOT_FOUND in response.content.decode()


def test_replying_to_a_question_on_a_draft_product_is_a_404_and_writes_nothing(client, shop):
    from creators import conversation

    product = ProductFactory(shop=shop, title="Hush-hush teapot")
    question = conversation.comment_create_on_target(
        author=UserFactory(), target=product, owner=shop.creator.user, body="Which glaze?"
    )
    product.status = ProductStatus.DRAFT
    product.save(update_fields=["status"])
    for signed_in in (False, True):
        if signed_in:
            _signed_in(client)
        response = client.post(
            reverse("creators:comment_reply", args=[question.pk]), {"body": "Hi"}
        )
        assert response.status_code == 404, "and no sign-in redirect naming the draft's address"
        assert product.slug not in response.get("Location", "")
    assert Comment.objects.count() == 1


@pytest.mark.parametrize("user_id", ["abc", HUGE, ""])
def test_unblocking_a_malformed_id_is_a_404_page(client, shop, user_id):
    client.force_login(shop.creator.user)
    response = client.post(reverse("creators:blocked"), {"user": user_id})
    assert response.status_code == 404
    assert NOT_FOUND in response.content.decode()


def _id_routes():
    from tests.access import app_routes

    return sorted(route.key for route in app_routes() if "<id:" in route.pattern)


@pytest.mark.parametrize("key", _id_routes())
def test_an_id_past_any_row_is_a_404_on_every_route(client, shop, key):
    """Every route with an object id in its path, given the largest id the URL takes
    (and one digit more), answers a 404 page (or 405 to a GET of a POST-only route) to
    a signed-in creator: never a database error."""
    from tests.access import routes

    client.force_login(shop.creator.user)
    pattern = next(route.pattern for route in routes() if route.key == key)
    kwargs = {}
    for part in pattern.split("<")[1:]:
        converter, name = part.split(">")[0].split(":")
        kwargs[name] = {"id": 10**18 - 1, "str": shop.creator.handle, "slug": "x"}[converter]
    url = reverse(key, kwargs=kwargs)
    for method in ("get", "post"):
        response = getattr(client, method)(url, {"action": "like", "body": "Hi", "quantity": "1"})
        assert response.status_code in (404, 405), f"{method.upper()} {url}"
        if response.status_code == 404:
            assert NOT_FOUND in response.content.decode()
    longer = url.replace(str(10**18 - 1), "9" * 19)
    assert client.get(longer).status_code == 404
