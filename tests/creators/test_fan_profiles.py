"""Fans' public profiles (private by default) and fans following fans (tastemakers)."""

import pytest
from django.core.exceptions import ValidationError
from django.urls import reverse

from creators import fans, selectors
from creators.models import EventKind, FanFollow, FanProfile, Notification, NotificationChannel
from tests.factories import (
    FanFollowFactory,
    FanProfileFactory,
    FollowFactory,
    ProductFactory,
    UserFactory,
    paid_order_of,
)

pytestmark = pytest.mark.django_db


def profile_url(fan_profile):
    return reverse("creators:fan_profile", args=[fan_profile.public_id])


def follow_url(fan_profile):
    return reverse("creators:fan_follow", args=[fan_profile.public_id])


@pytest.fixture
def ana():
    return FanProfileFactory(user__name="Ana Ribeiro", user__email="ana@example.com").user


# Settings -----------------------------------------------------------------------------------


def test_a_profile_is_private_until_the_fan_makes_it_public(fan_client, fan):
    page = fan_client.get(reverse("creators:account_profile")).content.decode()
    assert "Your profile is <strong>private</strong>" in page
    assert "What a public profile shows" in page and "Never shown: your email address" in page
    assert not FanProfile.objects.filter(user=fan).exists()  # a GET writes nothing

    response = fan_client.post(
        reverse("creators:account_profile"),
        {"name": "Lena K.", "is_public": "on", "bio": "Mugs & linen."},
        follow=True,
    )
    assert "Saved: your profile is public." in response.content.decode()
    profile = FanProfile.objects.get(user=fan)
    assert profile.is_public and profile.bio == "Mugs & linen." and profile.made_public_at
    fan.refresh_from_db()
    assert fan.name == "Lena K."
    # The address is random, stable and says nothing about the email.
    assert len(profile.public_id) == 10 and "fan" not in profile.public_id
    first_id = profile.public_id
    fan_client.post(reverse("creators:account_profile"), {"name": "Lena K."})
    fan_client.post(reverse("creators:account_profile"), {"name": "Lena K.", "is_public": "on"})
    profile.refresh_from_db()
    assert profile.public_id == first_id and profile.is_public


def test_a_public_profile_needs_a_name_and_bad_input_changes_nothing(fan_client, fan):
    fan.name = ""
    fan.save()
    response = fan_client.post(reverse("creators:account_profile"), {"is_public": "on"})
    assert response.status_code == 200
    assert fans.NAME_NEEDED in response.content.decode()
    assert not FanProfile.objects.filter(user=fan, is_public=True).exists()
    too_long = fan_client.post(
        reverse("creators:account_profile"), {"name": "Li", "is_public": "on", "bio": "x" * 301}
    )
    assert "at most 300 characters" in too_long.content.decode()
    assert not FanProfile.objects.filter(user=fan, is_public=True).exists()


def test_settings_need_sign_in_and_csrf(client):
    assert client.get(reverse("creators:account_profile")).status_code == 302
    from django.test import Client

    csrf_client = Client(enforce_csrf_checks=True)
    csrf_client.force_login(UserFactory())
    response = csrf_client.post(
        reverse("creators:account_profile"), {"name": "X", "is_public": "on"}
    )
    assert response.status_code == 403


# The profile page ---------------------------------------------------------------------------


def test_a_public_profile_shows_name_bio_and_shown_purchases_only(client, ana):
    profile = ana.fan_profile
    profile.bio = "I collect <b>mugs</b>"
    profile.save()
    shown = ProductFactory(title="Speckled mug")
    hidden = ProductFactory(title="Secret teapot")
    paid_order_of(buyer=ana, product=shown, show_on_profile=True)
    paid_order_of(buyer=ana, product=hidden)  # not shown
    paid_order_of(buyer=ana, product=ProductFactory(title="Cancelled cup"), status="cancelled",
                  show_on_profile=True)  # fmt: skip
    page = client.get(profile_url(profile)).content.decode()
    assert "Ana Ribeiro" in page and "I collect &lt;b&gt;mugs&lt;/b&gt;" in page
    assert "Speckled mug" in page
    assert "Secret teapot" not in page and "Cancelled cup" not in page
    assert "ana@example.com" not in page


def test_a_private_profile_is_404_except_a_preview_for_its_owner(client, ana):
    profile = ana.fan_profile
    profile.is_public = False
    profile.save()
    assert client.get(profile_url(profile)).status_code == 404
    client.force_login(UserFactory())
    assert client.get(profile_url(profile)).status_code == 404
    client.force_login(ana)
    page = client.get(profile_url(profile)).content.decode()
    assert "Your profile is private: only you can see this page." in page


def test_a_deactivated_fan_has_no_profile_and_unknown_ids_are_404(client, ana):
    assert client.get(reverse("creators:fan_profile", args=["nope12345"])).status_code == 404
    ana.is_active = False
    ana.save()
    assert client.get(profile_url(ana.fan_profile)).status_code == 404


def test_profile_page_queries_are_constant(client, ana, django_assert_max_num_queries):
    def shares(n):
        for _ in range(n):
            paid_order_of(buyer=ana, product=ProductFactory(), show_on_profile=True)

    viewer = UserFactory()
    client.force_login(viewer)
    shares(2)
    # Queries: the viewer (with creator profile and cart units), the profile (user
    # joined), whether the viewer follows, the follower count, one page of shown purchases
    # (buyer, profile, product, shop, creator joined) and their covers, the bell's count.
    with django_assert_max_num_queries(8, info="fan profile: justify a new query"):
        assert client.get(profile_url(ana.fan_profile)).status_code == 200
    shares(30)
    with django_assert_max_num_queries(8, info="fan profile: justify a new query"):
        response = client.get(profile_url(ana.fan_profile))
    assert "Older" in response.content.decode()  # 32 purchases: more than one page


# Fans following fans --------------------------------------------------------------------------


def test_following_a_public_fan_is_one_follow_and_tells_them(
    fan, ana, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        assert fans.fan_follow_create(follower=fan, followed=ana) is True
        assert fans.fan_follow_create(follower=fan, followed=ana) is False
    assert FanFollow.objects.filter(follower=fan, followed=ana).count() == 1
    note = Notification.objects.get(recipient=ana, channel=NotificationChannel.IN_APP)
    assert note.kind == EventKind.FAN_FOLLOW
    assert fans.fan_follow_delete(follower=fan, followed=ana) is True
    assert fans.fan_follow_delete(follower=fan, followed=ana) is False


def test_fan_follows_are_not_creator_follows(fan, creator):
    FanProfileFactory(user=creator.user)  # a creator who also has a public fan profile
    fans.fan_follow_create(follower=fan, followed=creator.user)
    assert selectors.follow_counts(user_id=creator.user_id) == {"followers": 0, "following": 0}
    assert not selectors.follow_exists(follower=fan, followed_id=creator.user_id)
    from creators.models import EngagementEvent

    event = EngagementEvent.objects.get(kind=EventKind.FAN_FOLLOW)
    assert event.creator is None  # the relationship metrics read creators' events only


def test_following_a_private_profile_or_yourself_is_refused(fan, ana):
    profile = ana.fan_profile
    profile.is_public = False
    profile.save()
    with pytest.raises(ValidationError, match="This profile is private"):
        fans.fan_follow_create(follower=fan, followed=ana)
    with pytest.raises(ValidationError, match="yourself"):
        fans.fan_follow_create(follower=ana, followed=ana)
    no_profile = UserFactory()
    with pytest.raises(ValidationError, match="private"):
        fans.fan_follow_create(follower=fan, followed=no_profile)
    assert not FanFollow.objects.exists()


def test_htmx_follow_swaps_the_button(fan_client, fan, ana):
    response = fan_client.post(
        follow_url(ana.fan_profile), {"action": "follow"}, headers={"HX-Request": "true"}
    )
    html = response.content.decode()
    assert response.status_code == 200 and 'aria-pressed="true"' in html
    assert FanFollow.objects.filter(follower=fan, followed=ana).exists()
    response = fan_client.post(
        follow_url(ana.fan_profile), {"action": "unfollow"}, headers={"HX-Request": "true"}
    )
    assert 'aria-pressed="false"' in response.content.decode()
    assert not FanFollow.objects.exists()


def test_plain_follow_of_a_private_profile_shows_the_refusal(fan_client, ana):
    profile = ana.fan_profile
    profile.is_public = False
    profile.save()
    response = fan_client.post(follow_url(profile), {"action": "follow"}, follow=True)
    assert "This profile is private" in response.content.decode()
    assert not FanFollow.objects.exists()


def test_a_follower_can_unfollow_a_profile_that_went_private(fan_client, fan, ana):
    FanFollowFactory(follower=fan, followed=ana)
    profile = ana.fan_profile
    profile.is_public = False
    profile.save()
    response = fan_client.post(follow_url(profile), {"action": "unfollow"})
    assert response.status_code == 302
    assert not FanFollow.objects.exists()


def test_signed_out_follow_goes_to_sign_in_and_get_is_refused(client, ana):
    response = client.post(follow_url(ana.fan_profile), {"action": "follow"})
    assert response.status_code == 302 and reverse("account_login") in response["Location"]
    assert client.get(follow_url(ana.fan_profile)).status_code == 405


def test_fan_follows_are_rate_limited(fan_client, ana, settings):
    from creators import fan_views

    for _ in range(120):
        fan_client.post(follow_url(ana.fan_profile), {"action": "follow"})
    response = fan_client.post(follow_url(ana.fan_profile), {"action": "unfollow"})
    assert response.status_code == 429
    assert fan_views.FAN_FOLLOW_RATE == "120/h"
    htmx = fan_client.post(
        follow_url(ana.fan_profile), {"action": "unfollow"}, headers={"HX-Request": "true"}
    )
    assert "Too many follows" in htmx.content.decode()
    assert FanFollow.objects.count() == 1  # the refused unfollows changed nothing


def test_the_following_page_lists_public_fans_only(fan_client, fan, ana):
    FanFollowFactory(follower=fan, followed=ana)
    hidden = FanProfileFactory(user__name="Hidden Hana", is_public=False).user
    FanFollowFactory(follower=fan, followed=hidden)
    page = fan_client.get(reverse("creators:account_following")).content.decode()
    assert "People you follow" in page and "Ana Ribeiro" in page
    assert "Hidden Hana" not in page


# The feed ----------------------------------------------------------------------------------------


def test_followers_see_shown_purchases_in_their_feed_until_the_profile_goes_private(
    fan_client, fan, ana
):
    FanFollowFactory(follower=fan, followed=ana)
    paid_order_of(buyer=ana, product=ProductFactory(title="Linen apron"), show_on_profile=True)
    paid_order_of(buyer=ana, product=ProductFactory(title="Quiet kettle"))  # not shown
    page = fan_client.get(reverse("creators:feed")).content.decode()
    assert "From people you follow" in page
    assert "Ana Ribeiro</a> bought" in page and "Linen apron" in page
    assert "Quiet kettle" not in page

    profile = ana.fan_profile
    profile.is_public = False
    profile.save()
    page = fan_client.get(reverse("creators:feed")).content.decode()
    assert "From people you follow" not in page and "Linen apron" not in page
    people = fan_client.get(reverse("creators:feed_people", args=["purchases"]))
    assert "Linen apron" not in people.content.decode()


def test_creator_follows_alone_show_no_people_section(fan_client, fan, creator):
    FollowFactory(follower=fan, followed=creator.user)
    page = fan_client.get(reverse("creators:feed")).content.decode()
    assert "From people you follow" not in page


def test_the_people_page_pages_by_keyset_without_repeats(fan_client, fan, ana):
    from datetime import timedelta

    from django.utils import timezone

    FanFollowFactory(follower=fan, followed=ana)
    now = timezone.now()
    titles = []
    for n in range(25):
        title = f"Bowl {n:02d}"
        titles.append(title)
        # Some share a payment time: the item id breaks the tie.
        paid_order_of(buyer=ana, product=ProductFactory(title=title), show_on_profile=True,
                      paid_at=now - timedelta(minutes=n // 2))  # fmt: skip
    url = reverse("creators:feed_people", args=["purchases"])
    first = fan_client.get(url)
    page = first.context["page"]
    assert len(page.items) == 20 and page.next_cursor
    second = fan_client.get(url, {"cursor": page.next_cursor}).context["page"]
    seen = [p.product.title for p in page.items] + [p.product.title for p in second.items]
    assert sorted(seen) == sorted(titles) and len(set(seen)) == 25
    assert second.next_cursor is None
    damaged = fan_client.get(url, {"cursor": "%%%"})
    assert "That page link was damaged" in damaged.content.decode()
    assert fan_client.get(reverse("creators:feed_people", args=["nothing"])).status_code == 404


def test_the_feed_with_people_costs_a_constant_number_of_queries(
    fan_client, fan, django_assert_max_num_queries
):
    def people(n):
        for _ in range(n):
            person = FanProfileFactory().user
            FanFollowFactory(follower=fan, followed=person)
            paid_order_of(buyer=person, product=ProductFactory(), show_on_profile=True)

    people(2)
    with django_assert_max_num_queries(20) as few:
        assert "From people you follow" in fan_client.get(reverse("creators:feed")).content.decode()
    people(40)
    # The section adds three queries whatever the number of people: the followed public
    # fans' ids, their newest shown purchases (all joined), the purchases' covers.
    with django_assert_max_num_queries(len(few.captured_queries), info="justify a new query"):
        fan_client.get(reverse("creators:feed"))
