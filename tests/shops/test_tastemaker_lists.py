"""Tastemaker lists: making, editing, the ≥3 rule, hidden products, owner checks,
following, reporting, rate limits and query budgets."""

import pytest
from django.contrib.admin.sites import site as admin_site
from django.test import Client
from django.urls import reverse

from shops import lists
from shops.models import (
    LIST_MAX_ITEMS,
    ProductStatus,
    TastemakerList,
    TastemakerListFollow,
    TastemakerListItem,
    TastemakerListReport,
)
from tests.factories import ProductFactory, ProductImageFactory, UserFactory

pytestmark = pytest.mark.django_db


def make_list(author, products, *, title="Kitchen favourites", notes=None):
    taste_list = lists.list_create(author=author, title=title, description="Tools I use daily")
    for n, product in enumerate(products):
        lists.list_item_add(
            taste_list=taste_list, product=product, note=(notes or {}).get(n, f"Note {n}")
        )
    return taste_list


def signed_in(user) -> Client:
    client = Client()
    client.force_login(user)
    return client


@pytest.fixture
def author():
    return UserFactory(name="Tess Taste")


@pytest.fixture
def products():
    return [ProductFactory(title=f"Thing {n}") for n in range(4)]


# --- Making a list -----------------------------------------------------------------------


def test_a_fan_makes_a_list_from_a_product_page_and_it_stays_private_until_three(author, products):
    client = signed_in(author)
    product_page = client.get(products[0].get_absolute_url()).content.decode()
    assert f'href="/lists/add/?product={products[0].pk}"' in product_page

    add_page = client.get(f"/lists/add/?product={products[0].pk}").content.decode()
    assert "Start your first list" in add_page
    response = client.post(
        "/lists/new/",
        {"product": products[0].pk, "title": "Kitchen <b>favourites</b>", "note": "Sturdy"},
    )
    taste_list = TastemakerList.objects.get(author=author)
    assert response["Location"] == f"/lists/{taste_list.pk}/"

    page = client.get(response["Location"]).content.decode()
    assert "Only you can see this list for now" in page and "(it has 1)" in page
    assert "Kitchen &lt;b&gt;favourites&lt;/b&gt;" in page  # escaped, never HTML
    assert Client().get(f"/lists/{taste_list.pk}/").status_code == 404
    assert signed_in(UserFactory()).get(f"/lists/{taste_list.pk}/").status_code == 404

    for product in products[1:3]:
        client.post(
            "/lists/add/",
            {"product": product.pk, "taste_list": taste_list.pk, "note": "Love it"},
        )
    page = Client().get(f"/lists/{taste_list.pk}/").content.decode()
    assert "A list by Tess Taste · 3 products" in page
    assert "Sturdy" in page and "Only you can see" not in page
    assert author.email not in page


def test_the_add_page_offers_the_fans_lists_and_marks_where_it_already_is(author, products):
    holding = make_list(author, products[:1], title="Has it")
    make_list(author, [], title="Empty one")
    page = signed_in(author).get(f"/lists/add/?product={products[0].pk}").content.decode()
    assert f'value="{holding.pk}" disabled' in page and "(already on it)" in page
    assert "Empty one" in page and "Or start a new list" in page


def test_adding_twice_is_refused_with_the_reason(author, products):
    taste_list = make_list(author, products[:1])
    response = signed_in(author).post(
        "/lists/add/", {"product": products[0].pk, "taste_list": taste_list.pk}
    )
    assert response.status_code == 400
    assert "is already on “Kitchen favourites”" in response.content.decode()
    assert taste_list.items.count() == 1


def test_a_list_holds_at_most_fifty_products(author):
    taste_list = make_list(author, ProductFactory.create_batch(LIST_MAX_ITEMS))
    response = signed_in(author).post(
        "/lists/add/", {"product": ProductFactory().pk, "taste_list": taste_list.pk}
    )
    assert "A list holds at most 50 products." in response.content.decode()
    assert taste_list.items.count() == LIST_MAX_ITEMS


@pytest.mark.parametrize(
    "data, message",
    [
        ({"title": ""}, "Give your list a title."),
        ({"title": "x" * 101}, "at most 100 characters"),
        ({"title": "Fine", "description": "y" * 1001}, "at most 1000 characters"),
    ],
)
def test_bad_list_input_is_explained_and_changes_nothing(author, data, message):
    response = signed_in(author).post("/lists/new/", data)
    assert response.status_code == 200
    assert message in response.content.decode()
    assert not TastemakerList.objects.exists()


def test_a_draft_product_cannot_be_added(author, products):
    taste_list = make_list(author, [])
    draft = ProductFactory(status=ProductStatus.DRAFT)
    client = signed_in(author)
    assert client.get(f"/lists/add/?product={draft.pk}").status_code == 404
    assert (
        client.post("/lists/add/", {"product": draft.pk, "taste_list": taste_list.pk}).status_code
        == 404
    )
    assert not taste_list.items.exists()


# --- Owner checks --------------------------------------------------------------------------


def test_another_users_list_id_in_the_form_is_refused(author, products):
    theirs = make_list(author, products[:3])
    mallory = UserFactory()
    client = signed_in(mallory)
    response = client.post("/lists/add/", {"product": products[3].pk, "taste_list": theirs.pk})
    assert response.status_code == 404
    assert theirs.items.count() == 3
    item = theirs.items.first()
    for url, data in [
        (f"/lists/{theirs.pk}/edit/", {"title": "Mine now"}),
        (f"/lists/{theirs.pk}/delete/", {}),
        (f"/lists/{theirs.pk}/items/{item.pk}/", {"action": "remove"}),
        (f"/lists/{theirs.pk}/items/{item.pk}/", {"action": "note", "note": "spam"}),
    ]:
        assert client.post(url, data).status_code == 404, url
    theirs.refresh_from_db()
    assert theirs.title == "Kitchen favourites" and theirs.items.count() == 3


def test_an_item_of_another_list_cannot_be_reached_through_your_own(author, products):
    theirs = make_list(author, products[:3])
    mallory = UserFactory()
    mine = make_list(mallory, products[3:])
    their_item = theirs.items.first()
    response = signed_in(mallory).post(
        f"/lists/{mine.pk}/items/{their_item.pk}/", {"action": "remove"}
    )
    assert response.status_code == 404
    assert TastemakerListItem.objects.filter(pk=their_item.pk).exists()


# --- Hidden products ---------------------------------------------------------------------


def test_products_no_longer_on_sale_drop_out_of_the_list(author, products):
    taste_list = make_list(author, products)
    products[0].status = ProductStatus.ARCHIVED
    products[0].save()
    products[1].status = ProductStatus.DRAFT
    products[1].save()
    page = Client().get(f"/lists/{taste_list.pk}/")
    # Two of four left visible: below three, the list is private again.
    assert page.status_code == 404
    owner_page = signed_in(author).get(f"/lists/{taste_list.pk}/").content.decode()
    assert "Thing 0" not in owner_page and "Thing 1" not in owner_page
    assert "Thing 2" in owner_page and "Thing 3" in owner_page
    assert "2 products on this list are no longer on sale" in owner_page
    assert "(it has 2)" in owner_page


def test_a_suspended_creators_products_are_hidden_too(author, products):
    taste_list = make_list(author, products)
    creator = products[0].shop.creator.user
    creator.is_active = False
    creator.save()
    page = Client().get(f"/lists/{taste_list.pk}/").content.decode()
    assert "Thing 0" not in page and "Thing 3" in page


def test_a_suspended_authors_lists_are_not_public(author, products):
    taste_list = make_list(author, products)
    author.is_active = False
    author.save()
    assert Client().get(f"/lists/{taste_list.pk}/").status_code == 404


# --- Editing -----------------------------------------------------------------------------


def test_the_author_reorders_edits_notes_removes_and_deletes(author, products):
    taste_list = make_list(author, products[:3])
    client = signed_in(author)
    first, second, third = taste_list.items.all()

    client.post(f"/lists/{taste_list.pk}/items/{third.pk}/", {"action": "up"})
    assert list(taste_list.items.values_list("pk", flat=True)) == [first.pk, third.pk, second.pk]
    client.post(f"/lists/{taste_list.pk}/items/{first.pk}/", {"action": "up"})  # already top
    assert list(taste_list.items.values_list("pk", flat=True)) == [first.pk, third.pk, second.pk]
    client.post(f"/lists/{taste_list.pk}/items/{first.pk}/", {"action": "down"})
    assert list(taste_list.items.values_list("pk", flat=True)) == [third.pk, first.pk, second.pk]

    client.post(
        f"/lists/{taste_list.pk}/items/{second.pk}/", {"action": "note", "note": "Still great"}
    )
    second.refresh_from_db()
    assert second.note == "Still great"
    response = client.post(
        f"/lists/{taste_list.pk}/items/{second.pk}/",
        {"action": "note", "note": "z" * 281},
        follow=True,
    )
    assert "at most 280 characters" in response.content.decode()
    second.refresh_from_db()
    assert second.note == "Still great"

    client.post(f"/lists/{taste_list.pk}/items/{first.pk}/", {"action": "remove"})
    assert taste_list.items.count() == 2

    client.post(f"/lists/{taste_list.pk}/edit/", {"title": "Renamed", "description": ""})
    taste_list.refresh_from_db()
    assert taste_list.title == "Renamed"

    assert "Delete “Renamed”?" in client.get(f"/lists/{taste_list.pk}/delete/").content.decode()
    response = client.post(f"/lists/{taste_list.pk}/delete/")
    assert response["Location"] == "/account/lists/"
    assert not TastemakerList.objects.exists()


def test_item_actions_need_post(author, products):
    taste_list = make_list(author, products[:1])
    item = taste_list.items.get()
    assert signed_in(author).get(f"/lists/{taste_list.pk}/items/{item.pk}/").status_code == 405


# --- Following and reporting ---------------------------------------------------------------


def test_fans_follow_and_unfollow_a_public_list_with_a_count(author, products):
    taste_list = make_list(author, products[:3])
    fan = UserFactory()
    client = signed_in(fan)
    for _ in range(2):  # following twice is one follow
        client.post(f"/lists/{taste_list.pk}/follow/", {"action": "follow"})
    taste_list.refresh_from_db()
    assert taste_list.follower_count == 1
    page = client.get(f"/lists/{taste_list.pk}/").content.decode()
    assert "1 follower" in page and 'aria-pressed="true">Following' in page
    assert "Kitchen favourites" in client.get("/account/lists/").content.decode()

    client.post(f"/lists/{taste_list.pk}/follow/", {"action": "unfollow"})
    taste_list.refresh_from_db()
    assert taste_list.follower_count == 0
    assert not TastemakerListFollow.objects.exists()


def test_a_visitor_is_asked_to_sign_in_to_follow_and_the_author_cannot_follow(author, products):
    taste_list = make_list(author, products[:3])
    response = Client().post(f"/lists/{taste_list.pk}/follow/", {"action": "follow"})
    assert response.status_code == 302 and "/accounts/login/" in response["Location"]
    signed_in(author).post(f"/lists/{taste_list.pk}/follow/", {"action": "follow"})
    taste_list.refresh_from_db()
    assert taste_list.follower_count == 0


def test_a_private_list_cannot_be_followed(author, products):
    taste_list = make_list(author, products[:2])
    response = signed_in(UserFactory()).post(f"/lists/{taste_list.pk}/follow/")
    assert response.status_code == 404


def test_a_list_is_reported_once_and_staff_hide_it_in_admin(author, products, admin_user):
    taste_list = make_list(author, products[:3])
    reporter = UserFactory()
    client = signed_in(reporter)
    assert "Report list" in client.get(f"/lists/{taste_list.pk}/").content.decode()
    assert client.post(f"/lists/{taste_list.pk}/report/", {"reason": "nope"}).status_code == 400
    client.post(f"/lists/{taste_list.pk}/report/", {"reason": "spam", "details": "Ads"})
    again = client.post(f"/lists/{taste_list.pk}/report/", {"reason": "spam"}, follow=True)
    assert "You have already reported this list" in again.content.decode()
    report = TastemakerListReport.objects.get()
    assert (report.reason, report.details, report.status) == ("spam", "Ads", "open")

    admin = signed_in(admin_user)
    admin.post(
        reverse("admin:shops_tastemakerlistreport_changelist"),
        {"action": "hide_lists", "_selected_action": [report.pk]},
    )
    report.refresh_from_db()
    assert report.status == "hidden"
    assert Client().get(f"/lists/{taste_list.pk}/").status_code == 404
    owner_page = signed_in(author).get(f"/lists/{taste_list.pk}/").content.decode()
    assert "Our team hid this list after a report" in owner_page


def test_the_author_cannot_report_their_own_list(author, products):
    taste_list = make_list(author, products[:3])
    response = signed_in(author).post(f"/lists/{taste_list.pk}/report/", {"reason": "spam"})
    assert response.status_code == 400
    assert not TastemakerListReport.objects.exists()


def test_staff_feature_lists_from_admin(author, products, admin_user):
    taste_list = make_list(author, products[:3])
    signed_in(admin_user).post(
        reverse("admin:shops_tastemakerlist_changelist"),
        {"action": "feature", "_selected_action": [taste_list.pk]},
    )
    taste_list.refresh_from_db()
    assert taste_list.is_featured
    assert "Kitchen favourites" in Client().get("/").content.decode()
    assert admin_site.is_registered(TastemakerList)


# --- Rate limits ---------------------------------------------------------------------------


def test_making_lists_and_adding_items_are_rate_limited(author):
    client = signed_in(author)
    for n in range(10):
        assert client.post("/lists/new/", {"title": f"List {n}"}).status_code == 302
    limited = client.post("/lists/new/", {"title": "One too many"})
    assert limited.status_code == 429
    assert TastemakerList.objects.count() == 10

    taste_list = TastemakerList.objects.first()
    product_ids = [p.pk for p in ProductFactory.create_batch(61)]
    statuses = [
        client.post("/lists/add/", {"product": pk, "taste_list": taste_list.pk}).status_code
        for pk in product_ids
    ]
    assert statuses.count(429) == 1 and statuses[-1] == 429


# --- Your lists, query budgets ---------------------------------------------------------------


def test_your_lists_shows_which_are_public(author, products):
    make_list(author, products[:3], title="Three things")
    make_list(author, products[:1], title="Just started")
    page = signed_in(author).get("/account/lists/").content.decode()
    assert "Three things" in page and "Just started" in page
    assert "Private until 3 products" in page and ">Public<" in page


@pytest.mark.parametrize("size", [3, 50])
def test_the_list_page_costs_the_same_however_many_items(
    author, size, django_assert_max_num_queries
):
    taste_list = make_list(author, ProductFactory.create_batch(size))
    for item in taste_list.items.all()[:10]:
        ProductImageFactory(product=item.product)
    viewer = signed_in(UserFactory())
    # The viewer, the list (author and visible count joined), its visible items
    # (products, shops, creators), their images, "does the viewer follow it", the
    # header's bell. Adding one? Say why here.
    with django_assert_max_num_queries(6):
        response = viewer.get(f"/lists/{taste_list.pk}/")
    assert response.status_code == 200
    assert response.content.decode().count('class="list-item"') == size


@pytest.mark.parametrize("size", [1, 40])
def test_your_lists_costs_the_same_however_many_lists(
    author, products, size, django_assert_max_num_queries
):
    for n in range(size):
        make_list(author, products[:3], title=f"List {n}")
        lists.list_follow(user=author, taste_list=make_list(UserFactory(), products[:3]))
    client = signed_in(author)
    # The fan, two paginated lists (count + page each, visible counts as a subquery),
    # the header's bell. Adding one? Say why here.
    with django_assert_max_num_queries(6):
        response = client.get("/account/lists/")
    assert response.status_code == 200


def test_the_add_page_has_no_duplicate_field_ids(author, products):
    import re

    make_list(author, products[:1])
    page = signed_in(author).get(f"/lists/add/?product={products[1].pk}").content.decode()
    ids = re.findall(r'\bid="([^"]+)"', page)
    assert len(ids) == len(set(ids))


# --- Lists on the author's public profile ------------------------------------------------


def test_a_public_authors_lists_show_on_their_profile_and_link_back(author, products):
    from tests.factories import FanProfileFactory

    profile = FanProfileFactory(user=author)
    public = make_list(author, products[:3], title="Pour-over kit")
    make_list(author, products[:2], title="Half done")  # two items: still private
    page = Client().get(profile.get_absolute_url()).content.decode()
    assert "Lists they made" in page and "Pour-over kit" in page and "Half done" not in page
    detail = Client().get(public.get_absolute_url()).content.decode()
    assert f'<a href="{profile.get_absolute_url()}">Tess Taste</a>' in detail
    ranking = Client().get(reverse("shops:lists_discover")).content.decode()
    assert f'<a href="{profile.get_absolute_url()}">Tess Taste</a>' in ranking


def test_a_private_authors_name_links_nowhere(author, products):
    from tests.factories import FanProfileFactory

    profile = FanProfileFactory(user=author, is_public=False)
    public = make_list(author, products[:3])
    detail = Client().get(public.get_absolute_url()).content.decode()
    ranking = Client().get(reverse("shops:lists_discover")).content.decode()
    for page in (detail, ranking):
        assert "Tess Taste" in page and profile.public_id not in page


def test_followers_of_a_tastemaker_see_their_new_lists_in_the_feed(author, products):
    from tests.factories import FanFollowFactory, FanProfileFactory

    FanProfileFactory(user=author)
    follower = UserFactory()
    FanFollowFactory(follower=follower, followed=author)
    make_list(author, products[:3], title="Pour-over kit")
    page = signed_in(follower).get(reverse("creators:feed")).content.decode()
    assert "From people you follow" in page
    assert "Tess Taste</a> made the list" in page and "Pour-over kit" in page
