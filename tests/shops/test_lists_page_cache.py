"""Featured lists on the cached home page are never stale after a change."""

import pytest
from django.test import Client
from django.urls import reverse

from shops import lists
from shops.models import ProductStatus, TastemakerList
from shops.services import product_set_status
from tests.factories import ProductFactory, UserFactory

pytestmark = [pytest.mark.page_cache, pytest.mark.django_db(transaction=True)]


@pytest.fixture
def featured():
    author = UserFactory(name="Tess Taste")
    taste_list = lists.list_create(author=author, title="Kitchen favourites")
    for n in range(4):
        lists.list_item_add(taste_list=taste_list, product=ProductFactory(title=f"Thing {n}"))
    lists.lists_set_featured(lists=TastemakerList.objects.all(), featured=True)
    taste_list.refresh_from_db()
    return taste_list


def home() -> str:
    return Client().get("/").content.decode()


def warm():
    Client().get("/")
    response = Client().get("/")
    assert response["X-Page-Cache"] == "hit"
    return response.content.decode()


def test_featuring_and_unfeaturing_in_admin_shows_at_once(admin_user):
    author = UserFactory(name="Tess Taste")
    taste_list = lists.list_create(author=author, title="Kitchen favourites")
    for n in range(3):
        lists.list_item_add(taste_list=taste_list, product=ProductFactory(title=f"Thing {n}"))
    assert "Kitchen favourites" not in warm()
    admin = Client()
    admin.force_login(admin_user)
    changelist = reverse("admin:shops_tastemakerlist_changelist")
    admin.post(changelist, {"action": "feature", "_selected_action": [taste_list.pk]})
    page = home()
    assert "Lists by tastemakers" in page and "Kitchen favourites" in page
    assert "A list by Tess Taste · 3 products" in page

    warm()
    admin.post(changelist, {"action": "unfeature", "_selected_action": [taste_list.pk]})
    assert "Kitchen favourites" not in home()


def test_unticking_featured_on_the_admin_form_shows_at_once(featured, admin_user):
    assert "Kitchen favourites" in warm()
    admin = Client()
    admin.force_login(admin_user)
    admin.post(
        reverse("admin:shops_tastemakerlist_change", args=[featured.pk]),
        {
            "author": featured.author_id,
            "title": featured.title,
            "description": "",
            "is_hidden": "",
            "items-TOTAL_FORMS": "4",
            "items-INITIAL_FORMS": "4",
            "items-MIN_NUM_FORMS": "0",
            "items-MAX_NUM_FORMS": "1000",
            **{f"items-{n}-id": item.pk for n, item in enumerate(featured.items.all())},
            **{f"items-{n}-taste_list": featured.pk for n in range(4)},
        },
    )
    featured.refresh_from_db()
    assert not featured.is_featured
    assert "Kitchen favourites" not in home()


def test_editing_a_featured_list_shows_at_once(featured):
    assert "Kitchen favourites" in warm()
    lists.list_update(taste_list=featured, title="Best kitchen tools", description="")
    page = home()
    assert "Best kitchen tools" in page and "Kitchen favourites" not in page


def test_removing_an_item_from_a_featured_list_shows_at_once(featured):
    assert "Thing 0" in warm()
    lists.list_item_remove(item=featured.items.get(product__title="Thing 0"))
    page = home()
    assert "Thing 0" not in page and "· 3 products" in page


def test_a_product_archived_leaves_the_featured_list_and_the_list_leaves_below_three(featured):
    assert "Thing 0" in warm()
    product_set_status(
        product=featured.items.get(product__title="Thing 0").product,
        status=ProductStatus.ARCHIVED,
    )
    page = home()
    assert "Thing 0" not in page and "· 3 products" in page
    warm()
    product_set_status(
        product=featured.items.get(product__title="Thing 1").product,
        status=ProductStatus.ARCHIVED,
    )
    assert "Kitchen favourites" not in home()  # two left: private again


def test_hiding_a_featured_list_takes_it_off_the_home_page(featured, admin_user):
    assert "Kitchen favourites" in warm()
    lists.lists_set_hidden(lists=TastemakerList.objects.all(), hidden=True, staff=admin_user)
    assert "Kitchen favourites" not in home()


def test_the_author_renaming_themselves_shows_at_once(featured):
    assert "A list by Tess Taste" in warm()
    featured.author.name = "Tess T."
    featured.author.save()
    assert "A list by Tess T. ·" in home()


def test_deleting_a_featured_list_takes_it_off_the_home_page(featured):
    assert "Kitchen favourites" in warm()
    lists.list_delete(taste_list=featured)
    assert "Kitchen favourites" not in home()


def test_a_featured_authors_profile_going_public_or_private_shows_at_once(featured):
    from tests.factories import FanProfileFactory

    profile = FanProfileFactory(user=featured.author, is_public=False)
    assert profile.get_absolute_url() not in warm()
    profile.is_public = True
    profile.save()
    assert profile.get_absolute_url() in home()
    profile.is_public = False
    profile.save()
    assert profile.get_absolute_url() not in home()
