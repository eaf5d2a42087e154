"""Losing a race on a unique constraint gives the normal outcome (shops' writes).

SQLite serialises writers, so the race is lost on purpose: the other request's row is
already there, and this request's first read for it misses (`tests.races.reads_miss`).
The live-server versions are in tests/test_real_stack_races.py.
"""

import pytest
from django.core.exceptions import ValidationError
from django.urls import reverse

from shops import cart, lists, referrals, saved, services
from shops.models import (
    Cart,
    CartLine,
    Product,
    SavedItem,
    ShareLink,
    Tag,
    TastemakerList,
    TastemakerListFollow,
    TastemakerListItem,
    TastemakerListReport,
)
from tests.factories import ProductFactory, UserFactory
from tests.races import reads_miss

pytestmark = pytest.mark.django_db


@pytest.fixture
def product(creator):
    return ProductFactory(shop=creator.shop, stock=3)


def test_a_save_that_lost_the_race_is_the_same_saved_item(fan, product):
    saved.saved_add(user=fan, product_id=product.pk)
    with reads_miss(SavedItem, "get"):
        assert saved.saved_add(user=fan, product_id=product.pk) is False
    assert SavedItem.objects.count() == 1


def test_a_share_link_that_lost_the_race_is_the_link_made_first(fan, product):
    first = referrals.share_link_get_or_create(sharer=fan, target=product)
    with reads_miss(ShareLink, "first"):
        again = referrals.share_link_get_or_create(sharer=fan, target=product)
    assert again == first
    assert ShareLink.objects.count() == 1


def test_list_writes_that_lost_the_race(fan, product):
    taste_list = lists.list_create(author=fan, title="Mugs", product=product)
    # Adding the same product: the insert is the check — refused, with the reason.
    with pytest.raises(ValidationError) as refused:
        lists.list_item_add(taste_list=taste_list, product=product)
    assert refused.value.code == "duplicate"
    assert TastemakerListItem.objects.count() == 1

    follower = UserFactory()
    lists.list_follow(user=follower, taste_list=taste_list)
    with reads_miss(TastemakerListFollow, "get"):
        assert lists.list_follow(user=follower, taste_list=taste_list) is False
    assert TastemakerList.objects.get(pk=taste_list.pk).follower_count == 1

    lists.list_report(reporter=follower, taste_list=taste_list, reason="spam")
    with pytest.raises(ValidationError) as refused:
        lists.list_report(reporter=follower, taste_list=taste_list, reason="spam")
    assert refused.value.code == "duplicate"
    assert TastemakerListReport.objects.count() == 1


def test_an_add_to_cart_that_lost_the_race_adds_to_the_line_within_the_stock(fan, product):
    fan_cart = Cart.objects.create(user=fan)
    cart.cart_add(cart=fan_cart, product_id=product.pk, quantity=2)
    with reads_miss(CartLine, "first"):
        line = cart.cart_add(cart=fan_cart, product_id=product.pk, quantity=1)
    assert line.quantity == 3
    # Past the stock (3), a lost race is refused like any later add, and changes nothing.
    with reads_miss(CartLine, "first"), pytest.raises(ValidationError) as refused:
        cart.cart_add(cart=fan_cart, product_id=product.pk, quantity=1)
    assert refused.value.code == "too_many"
    assert CartLine.objects.get().quantity == 3


def test_a_fans_cart_made_by_a_parallel_request_is_the_one_used(fan_client, fan, product):
    made_first = Cart.objects.create(user=fan)
    with reads_miss(Cart, "first"), reads_miss(Cart, "get"):
        response = fan_client.post(reverse("shops:cart_add"), {"product": product.pk})
    assert response.status_code == 302
    assert list(Cart.objects.all()) == [made_first]
    assert made_first.lines.get().quantity == 1


def test_a_product_created_in_a_race_for_its_slug_and_tags_takes_the_next_ones(
    creator, monkeypatch
):
    shop = creator.shop
    ProductFactory(shop=shop, title="Moon jar", slug="moon-jar")
    Tag.objects.create(name="moon", slug="moon")
    free_slug, computed = services._unique_slug, []

    def slug_computed_before_the_other_create_committed(*, shop, title):
        computed.append(title)
        return "moon-jar" if len(computed) == 1 else free_slug(shop=shop, title=title)

    monkeypatch.setattr(services, "_unique_slug", slug_computed_before_the_other_create_committed)
    with reads_miss(Tag, "first", times=2):  # by slug, then by name
        product = services.product_create(
            shop=shop, title="Moon jar", price=30, stock=5, tags=["moon"]
        )
    assert product.slug == "moon-jar-2"
    assert list(product.tags.values_list("slug", flat=True)) == ["moon"]
    assert Product.objects.count() == 2 and Tag.objects.count() == 1
