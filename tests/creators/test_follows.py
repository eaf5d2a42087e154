"""Follow and unfollow (services, the htmx button and its plain-form fallback), counts,
the creator's follower list and the fan's following list."""

import pytest
from django.contrib.auth.models import AnonymousUser
from django.urls import reverse

from core.ratelimits import Rate
from creators import follows
from creators.follow_views import FOLLOW_RATE
from creators.models import EngagementEvent, EventKind, Follow
from tests.factories import CreatorProfileFactory, FollowFactory, UserFactory

pytestmark = pytest.mark.django_db
FOLLOW_URL = reverse("creators:follow", args=["ana_makes"])


def _events(kind):
    return EngagementEvent.objects.filter(kind=kind)


def test_following_twice_is_one_follow_and_one_event(fan, creator):
    assert follows.follow_create(follower=fan, followed=creator.user) is True
    assert follows.follow_create(follower=fan, followed=creator.user) is False
    assert Follow.objects.filter(follower=fan, followed=creator.user).count() == 1
    event = _events(EventKind.FOLLOW).get()
    assert event.actor == fan and event.creator == creator
    assert event.payload == {"followed_id": creator.user_id}


def test_unfollow_records_its_event_once(fan, creator):
    follows.follow_create(follower=fan, followed=creator.user)
    assert follows.follow_delete(follower=fan, followed=creator.user) is True
    assert follows.follow_delete(follower=fan, followed=creator.user) is False
    assert not Follow.objects.exists()
    assert _events(EventKind.UNFOLLOW).count() == 1


def test_following_yourself_is_refused(creator):
    with pytest.raises(Exception, match="can’t follow yourself"):
        follows.follow_create(follower=creator.user, followed=creator.user)
    assert not Follow.objects.exists() and not EngagementEvent.objects.exists()


def test_htmx_follow_swaps_the_button_without_a_reload(fan_client, fan, creator):
    response = fan_client.post(
        FOLLOW_URL, {"action": "follow", "next": "/@ana_makes/"}, HTTP_HX_REQUEST="true"
    )
    html = response.content.decode()
    assert response.status_code == 200
    assert "<html" not in html  # just the partial
    assert 'aria-pressed="true"' in html and "1 follower" in html
    assert 'value="unfollow"' in html
    response = fan_client.post(
        FOLLOW_URL, {"action": "unfollow", "next": "/@ana_makes/"}, HTTP_HX_REQUEST="true"
    )
    assert "0 followers" in response.content.decode()
    assert not Follow.objects.exists()


def test_plain_form_follow_redirects_back_with_a_message(fan_client, creator):
    response = fan_client.post(
        FOLLOW_URL, {"action": "follow", "next": "/@ana_makes/p/mug/"}, follow=False
    )
    assert response.status_code == 302 and response["Location"] == "/@ana_makes/p/mug/"
    page = fan_client.get("/@ana_makes/")
    assert "You follow" in page.content.decode()
    assert Follow.objects.count() == 1


def test_an_unsafe_next_is_ignored(fan_client, creator):
    response = fan_client.post(FOLLOW_URL, {"action": "follow", "next": "https://evil.example/"})
    assert response["Location"] == "/@ana_makes/"


def test_self_follow_through_the_view_shows_the_message(creator_client, creator):
    response = creator_client.post(FOLLOW_URL, {"action": "follow"}, HTTP_HX_REQUEST="true")
    assert "can’t follow yourself" in response.content.decode()
    response = creator_client.post(FOLLOW_URL, {"action": "follow"}, follow=True)
    assert "can’t follow yourself" in response.content.decode()
    assert not Follow.objects.exists()


def test_signed_out_follow_goes_to_sign_in(client, creator):
    response = client.post(FOLLOW_URL, {"action": "follow", "next": "/@ana_makes/"})
    assert response.status_code == 302
    assert response["Location"].startswith("/accounts/login/?next=%2F%40ana_makes%2F")
    response = client.post(FOLLOW_URL, {"action": "follow"}, HTTP_HX_REQUEST="true")
    assert response["HX-Redirect"].startswith("/accounts/login/")
    assert not Follow.objects.exists()


def test_get_is_not_allowed_and_unknown_creator_is_404(fan_client, creator):
    assert fan_client.get(FOLLOW_URL).status_code == 405
    assert fan_client.post("/@nobody_here/follow/", {"action": "follow"}).status_code == 404


def test_follow_is_rate_limited(fan_client, creator):
    limit = Rate.parse(FOLLOW_RATE).count
    for n in range(limit):
        action = "follow" if n % 2 == 0 else "unfollow"
        assert fan_client.post(FOLLOW_URL, {"action": action}).status_code == 302
    response = fan_client.post(FOLLOW_URL, {"action": "follow"})
    assert response.status_code == 429 and "Retry-After" in response
    response = fan_client.post(FOLLOW_URL, {"action": "follow"}, HTTP_HX_REQUEST="true")
    assert response.status_code == 200  # htmx swaps it: the message shows by the button
    assert "Too many follows and unfollows: please try again in" in response.content.decode()
    assert 'value="follow"' in response.content.decode()
    assert not Follow.objects.exists()  # the refused follows changed nothing


def test_the_button_is_on_the_creator_product_and_post_pages(fan_client, creator):
    from tests.factories import PostFactory, ProductFactory

    product = ProductFactory(shop=creator.shop)
    post = PostFactory(creator=creator.user)
    for url in (
        "/@ana_makes/",
        product.get_absolute_url(),
        reverse("creators:post", args=["ana_makes", post.pk]),
    ):
        html = fan_client.get(url).content.decode()
        assert f'action="{FOLLOW_URL}"' in html, url
        assert "hx-post" in html


def test_counts_on_the_creator_page(client, creator):
    FollowFactory.create_batch(3, followed=creator.user)
    FollowFactory(follower=creator.user, followed=CreatorProfileFactory().user)
    html = client.get("/@ana_makes/").content.decode()
    assert "3 followers" in html and "1 following" in html


def test_creator_sees_followers_paginated_and_searchable(creator_client, creator):
    FollowFactory(
        follower=UserFactory(name="Maria Lopez", email="maria@example.com"), followed=creator.user
    )
    FollowFactory(follower=CreatorProfileFactory(handle="kiln_bob").user, followed=creator.user)
    FollowFactory.create_batch(55, followed=creator.user)
    url = reverse("creators:studio_followers")
    page1 = creator_client.get(url).content.decode()
    assert "57 followers" in page1 and "Page 1 of 2" in page1
    assert "Maria Lopez" in creator_client.get(url, {"q": "maria"}).content.decode()
    assert "Maria Lopez" in creator_client.get(url, {"q": "MARIA@example.com"}).content.decode()
    assert "@kiln_bob" in creator_client.get(url, {"q": "@kiln"}).content.decode()
    assert "No follower matches" in creator_client.get(url, {"q": "zzz"}).content.decode()


def test_a_fan_sees_who_they_follow(fan_client, fan, creator):
    FollowFactory(follower=fan, followed=creator.user)
    html = fan_client.get(reverse("creators:account_following")).content.decode()
    assert creator.display_name in html and "1 creator" in html
    assert 'value="unfollow"' in html


def test_follower_list_query_count_is_constant(
    creator_client, creator, django_assert_max_num_queries
):
    FollowFactory.create_batch(40, followed=creator.user)
    # session, user, profile, counts, page count, page rows, + header context processors
    with django_assert_max_num_queries(9):
        assert creator_client.get(reverse("creators:studio_followers")).status_code == 200


def test_a_viewers_standing_with_a_creator_is_one_query_remembered_for_the_request(
    creator, fan, django_assert_num_queries
):
    from creators.moderation import block_create
    from creators.selectors import viewer_standing

    follows.follow_create(follower=fan, followed=creator.user)
    with django_assert_num_queries(1):
        first = viewer_standing(viewer=fan, creator_id=creator.user_id)
        again = viewer_standing(viewer=fan, creator_id=creator.user_id)
    assert first == again and first.follows and not first.blocked
    other = UserFactory()
    block_create(creator=creator.user, blocked=other)
    standing = viewer_standing(viewer=other, creator_id=creator.user_id)
    assert standing.blocked and not standing.follows
    assert not viewer_standing(viewer=AnonymousUser(), creator_id=creator.user_id).follows
