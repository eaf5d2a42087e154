"""The cached product page's "bought this" line is never stale, and never leaks a fan.

Like tests/test_page_cache.py these commit for real (`transactional_db`): invalidation
happens when a write's transaction commits.
"""

import pytest
from django.test import Client
from django.urls import reverse

from creators.fans import fan_profile_update
from creators.models import FanProfile
from shops.models import Order
from shops.orders import order_cancel, order_mark_paid
from shops.social_proof import order_set_shown
from tests.factories import (
    FanFollowFactory,
    FanProfileFactory,
    ProductFactory,
    ShopFactory,
    UserFactory,
    paid_order_of,
)

pytestmark = [pytest.mark.page_cache, pytest.mark.django_db(transaction=True)]


@pytest.fixture
def mug():
    shop = ShopFactory(creator__handle="ana_makes", creator__display_name="Ana Makes")
    return ProductFactory(shop=shop, title="Speckled mug", stock=5)


@pytest.fixture
def li():
    return FanProfileFactory(user__name="Li Wei").user


def visit(url, client=None):
    response = (client or Client()).get(url)
    assert response.status_code == 200
    return response


def warm(url):
    visit(url)
    replayed = visit(url)
    assert replayed["X-Page-Cache"] == "hit"
    return replayed.content.decode()


def test_showing_and_hiding_an_order_shows_at_once(mug, li):
    order = paid_order_of(buyer=li, product=mug)
    url = mug.get_absolute_url()
    page = warm(url)
    assert "1 fan bought this" in page and "Li Wei" not in page
    order_set_shown(order=order, buyer=li, show=True)
    page = visit(url).content.decode()
    assert ">Li Wei</a> bought this" in page
    assert warm(url).count("Li Wei") == 1
    order_set_shown(order=order, buyer=li, show=False)
    page = visit(url).content.decode()
    assert "Li Wei" not in page and "1 fan bought this" in page


def test_a_profile_turned_private_disappears_from_the_cached_page_at_once(mug, li):
    paid_order_of(buyer=li, product=mug, show_on_profile=True)
    url = mug.get_absolute_url()
    assert ">Li Wei</a> bought this" in warm(url)
    fan_profile_update(user=li, name="Li Wei", is_public=False)
    page = visit(url).content.decode()
    assert "Li Wei" not in page and "1 fan bought this" in page
    fan_profile_update(user=li, name="Li W.", is_public=True)  # public again, new name
    page = visit(url).content.decode()
    assert ">Li W.</a> bought this" in page


def test_a_private_profile_set_in_admin_or_a_deactivation_also_shows_at_once(mug, li):
    paid_order_of(buyer=li, product=mug, show_on_profile=True)
    url = mug.get_absolute_url()
    assert "Li Wei" in warm(url)
    profile = FanProfile.objects.get(user=li)
    profile.is_public = False
    profile.save()  # as the admin would
    assert "Li Wei" not in visit(url).content.decode()
    profile.is_public = True
    profile.save()
    assert "Li Wei" in warm(url)
    li.is_active = False
    li.save()
    assert "Li Wei" not in visit(url).content.decode()


def test_a_deleted_account_leaves_no_name_behind(mug, li):
    paid_order_of(buyer=li, product=mug, show_on_profile=True)
    url = mug.get_absolute_url()
    assert "Li Wei" in warm(url)
    li.delete()
    page = visit(url).content.decode()
    assert "Li Wei" not in page


def test_paid_and_cancelled_orders_change_the_count_at_once(mug, li):
    order = paid_order_of(buyer=li, product=mug, status="awaiting_payment", show_on_profile=True)
    url = mug.get_absolute_url()
    assert 'class="bought-this"' not in warm(url)
    order_mark_paid(order=Order.objects.get(pk=order.pk))
    assert ">Li Wei</a> bought this" in visit(url).content.decode()
    warm(url)
    order_cancel(order=Order.objects.get(pk=order.pk))
    assert 'class="bought-this"' not in visit(url).content.decode()


def test_people_you_follow_is_per_viewer_on_the_shared_page(mug, li):
    paid_order_of(buyer=li, product=mug, show_on_profile=True)
    follower = UserFactory()
    FanFollowFactory(follower=follower, followed=li)
    url = mug.get_absolute_url()
    warm(url)
    client = Client()
    client.force_login(follower)
    response = visit(url, client)
    assert response["X-Page-Cache"] == "hit"
    assert "1 person you follow</a> bought this" in response.content.decode()
    assert "you follow</a> bought" not in visit(url).content.decode()  # the next visitor
    # Li goes private: the follower's line goes too, on the very next request.
    fan_profile_update(user=li, name="Li Wei", is_public=False)
    assert "you follow</a> bought" not in visit(url, client).content.decode()


def test_the_heart_is_per_viewer_on_the_shared_page(mug):
    from shops.saved import saved_add

    fan = UserFactory()
    saved_add(user=fan, product_id=mug.pk)
    url = mug.get_absolute_url()
    warm(url)
    client = Client()
    client.force_login(fan)
    response = visit(url, client)
    assert response["X-Page-Cache"] == "hit"
    assert "Saved<span" in response.content.decode()
    assert "Saved<span" not in visit(url).content.decode()
    catalog = reverse("catalog")
    warm(catalog)
    assert f'data-saved-products="{mug.pk}"' in visit(catalog, client).content.decode()
    assert "data-saved-products" not in visit(catalog).content.decode()
