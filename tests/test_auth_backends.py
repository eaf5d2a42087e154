"""The signed-in user loads with what every header shows, in one query."""

import pytest

from creators.selectors import creator_profile_of
from relcommerce.auth_backends import UserBackend
from shops.models import Cart, CartLine
from tests.factories import CreatorProfileFactory, ProductFactory, UserFactory

pytestmark = pytest.mark.django_db


def test_the_signed_in_user_loads_in_one_query_with_header_data(django_assert_num_queries):
    creator = CreatorProfileFactory()
    cart = Cart.objects.create(user=creator.user)
    CartLine.objects.create(cart=cart, product=ProductFactory(), quantity=2)
    CartLine.objects.create(cart=cart, product=ProductFactory(), quantity=3)
    backend = UserBackend()

    # The user, their creator profile (joined), cart units and unread count (subqueries).
    with django_assert_num_queries(1):
        user = backend.get_user(creator.user_id)
        assert user.creator_profile.handle == creator.handle
        assert user.cart_units == 5 and user.bell_unread == 0


def test_a_user_without_a_profile_or_cart(django_assert_num_queries):
    fan = UserFactory()
    with django_assert_num_queries(1):
        user = UserBackend().get_user(fan.pk)
        assert user == fan and user.cart_units == 0
        assert creator_profile_of(user) is None  # known from the same query
        assert not user.follows_fans
    assert not hasattr(user, "creator_profile")


def test_the_user_says_whether_they_follow_any_fan_and_how_many_notifications_wait():
    from creators.models import EngagementEvent, EventKind, Notification
    from tests.factories import FanFollowFactory

    fan = UserFactory()
    FanFollowFactory(follower=fan)
    for _ in range(2):
        event = EngagementEvent.objects.create(kind=EventKind.FOLLOW, actor=UserFactory())
        Notification.objects.create(recipient=fan, event=event, kind=event.kind)
    user = UserBackend().get_user(fan.pk)
    assert user.follows_fans and user.bell_unread == 2


def test_unknown_inactive_and_malformed_ids_give_no_user():
    backend = UserBackend()
    assert backend.get_user(10**9) is None
    assert backend.get_user("not a number") is None
    creator = CreatorProfileFactory()
    creator.user.is_active = False
    creator.user.save()
    assert backend.get_user(creator.user_id) is None


def test_the_user_and_profile_load_as_the_orm_loads_them():
    """Hand-written, but the same instances: every field's value and type, dates aware."""
    from creators.models import CreatorProfile, User

    creator = CreatorProfileFactory(avatar_variants={"thumb": "a.webp"})
    user = UserBackend().get_user(creator.user_id)
    expected_user = User.objects.get(pk=creator.user_id)
    expected_profile = CreatorProfile.objects.get(pk=creator.pk)
    for got, expected in ((user, expected_user), (user.creator_profile, expected_profile)):
        for field in type(expected)._meta.concrete_fields:
            value, wanted = getattr(got, field.attname), getattr(expected, field.attname)
            assert value == wanted and type(value) is type(wanted), field.attname
    assert user.creator_profile.created_at.tzinfo is not None
    assert user.creator_profile.avatar_variants == {"thumb": "a.webp"}
    assert user.get_deferred_fields() == set()
    assert user.creator_profile.user is user
