"""PreparedQuery: the same answers as the ORM, compiled once, on SQLite and PostgreSQL."""

import pytest
from django.db import connection
from django.db.models import Count, OuterRef, Q, Subquery

from creators.models import Follow, User
from creators.prepared import PreparedQuery
from relcommerce.auth_backends import UserBackend
from tests.factories import CreatorProfileFactory, UserFactory


def _followers_of(user_id):
    followers = Follow.objects.filter(followed_id=OuterRef("pk")).order_by()
    count = followers.values("followed_id").annotate(n=Count("pk")).values("n")
    return (
        User.objects.select_related("creator_profile")
        .annotate(followers=Subquery(count))
        .filter(pk=user_id)
    )


users_with_followers = PreparedQuery(_followers_of)
follows = PreparedQuery(
    lambda follower_id, followed_id: Follow.objects.filter(
        follower_id=follower_id, followed_id=followed_id
    ),
    arity=2,
)


@pytest.mark.django_db
def test_instances_match_the_orm_with_joined_objects_and_annotations():
    creator, fan = CreatorProfileFactory(), UserFactory()
    Follow.objects.create(follower=fan, followed=creator.user)

    for user in (creator.user, fan):
        [prepared] = users_with_followers(user.pk)
        [orm] = _followers_of(user.pk)
        assert prepared == orm
        assert prepared.email == orm.email
        assert prepared.date_joined == orm.date_joined  # converters applied (SQLite)
        assert prepared.followers == orm.followers
    [with_profile] = users_with_followers(creator.user.pk)
    assert with_profile.creator_profile.handle == creator.handle  # select_related filled
    [without] = users_with_followers(fan.pk)
    assert not hasattr(without, "creator_profile") or without.creator_profile is None


@pytest.mark.django_db
def test_each_call_runs_with_its_own_values_in_one_query(django_assert_num_queries):
    creator, fan, other = CreatorProfileFactory(), UserFactory(), UserFactory()
    Follow.objects.create(follower=fan, followed=creator.user)
    # The first call compiles (count and exists watch Django run them once).
    assert follows.exists(fan.pk, creator.user_id)
    assert follows.count(fan.pk, creator.user_id) == 1

    with django_assert_num_queries(1):
        assert follows.exists(fan.pk, creator.user_id) is True
    with django_assert_num_queries(1):
        assert follows.exists(other.pk, creator.user_id) is False
    with django_assert_num_queries(1):
        assert follows.count(fan.pk, creator.user_id) == 1
    assert follows.count(other.pk, creator.user_id) == 0
    assert users_with_followers(10**9) == []


@pytest.mark.django_db
def test_an_argument_used_twice_is_filled_everywhere():
    creator, fan, other = CreatorProfileFactory(), UserFactory(), UserFactory()
    Follow.objects.create(follower=fan, followed=creator.user)
    either_side = PreparedQuery(
        lambda user_id: Follow.objects.filter(Q(follower_id=user_id) | Q(followed_id=user_id))
    )
    assert either_side.count(fan.pk) == 1
    assert either_side.count(creator.user_id) == 1
    assert either_side.count(other.pk) == 0


@pytest.mark.django_db
def test_queries_that_cannot_be_prepared_fail_at_first_use():
    prefetching = PreparedQuery(lambda pk: User.objects.filter(pk=pk).prefetch_related("follows"))
    with pytest.raises(ValueError, match="prefetch"):
        prefetching(1)
    ignoring = PreparedQuery(lambda pk: User.objects.all())
    with pytest.raises(ValueError, match="not a parameter"):
        ignoring(1)
    with pytest.raises(TypeError):
        follows.exists(1)


@pytest.mark.django_db
def test_the_signed_in_user_loads_in_one_query_with_header_data(django_assert_num_queries):
    creator = CreatorProfileFactory()
    backend = UserBackend()
    backend.get_user(creator.user_id)
    with django_assert_num_queries(1):
        user = backend.get_user(creator.user_id)
        assert user.creator_profile.handle == creator.handle
        assert user.cart_units == 0 and user.bell_unread == 0
    assert backend.get_user(10**9) is None
    assert backend.get_user("not a number") is None
    creator.user.is_active = False
    creator.user.save()
    assert backend.get_user(creator.user_id) is None


@pytest.mark.django_db(transaction=True)
@pytest.mark.skipif(connection.vendor != "postgresql", reason="server-side statements")
def test_postgresql_prepares_once_per_session_and_again_after_a_reconnect():
    fan, creator = UserFactory(), CreatorProfileFactory()
    Follow.objects.create(follower=fan, followed=creator.user)
    assert follows.exists(fan.pk, creator.user_id)
    with connection.cursor() as cursor:
        cursor.execute("SELECT count(*) FROM pg_prepared_statements WHERE name LIKE 'rc_%%'")
        before = cursor.fetchone()[0]
    assert before >= 1
    assert follows.exists(fan.pk, creator.user_id)
    with connection.cursor() as cursor:
        cursor.execute("SELECT count(*) FROM pg_prepared_statements WHERE name LIKE 'rc_%%'")
        assert cursor.fetchone()[0] == before  # reused, not prepared again

    connection.close()  # a new session knows none of them: prepared again, transparently
    connection.connect()
    assert follows.exists(fan.pk, creator.user_id)
