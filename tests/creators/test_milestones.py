"""Follower milestones and follow anniversaries: each told once, whatever happens after."""

from datetime import UTC, date, datetime, timedelta

import pytest
from celery import current_app
from django.conf import settings as django_settings

from creators import milestones
from creators.follows import follow_create, follow_delete
from creators.models import (
    EngagementEvent,
    EventKind,
    Follow,
    FollowAnniversary,
    FollowerMilestone,
    Notification,
    NotificationChannel,
)
from creators.tasks import follow_anniversaries_task
from tests.factories import CreatorProfileFactory, UserFactory

pytestmark = pytest.mark.django_db


def bell(user, kind):
    return Notification.objects.filter(
        recipient=user, channel=NotificationChannel.IN_APP, kind=kind
    )


@pytest.fixture
def committed(django_capture_on_commit_callbacks):
    def run(use_case, *args, **kwargs):
        with django_capture_on_commit_callbacks(execute=True):
            return use_case(*args, **kwargs)

    return run


def followers(creator, n):
    fans = UserFactory.create_batch(n)
    Follow.objects.bulk_create([Follow(follower=fan, followed=creator.user) for fan in fans])
    return fans


# --- Follower milestones -----------------------------------------------------------------


def test_milestones_are_powers_of_ten_from_one_hundred():
    assert milestones.milestones_up_to(99) == []
    assert milestones.milestones_up_to(100) == [100]
    assert milestones.milestones_up_to(25_000) == [100, 1_000, 10_000]


def test_crossing_one_hundred_twice_tells_the_creator_once(creator, committed):
    followers(creator, 99)
    fan = UserFactory()
    committed(follow_create, follower=fan, followed=creator.user)  # the 100th
    told = bell(creator.user, EventKind.FOLLOWER_MILESTONE)
    assert told.count() == 1
    assert told.get().event.payload == {"followers": 100}
    # Down to 99 and back to 100: nothing new.
    committed(follow_delete, follower=fan, followed=creator.user)
    committed(follow_create, follower=fan, followed=creator.user)
    other = UserFactory()
    committed(follow_create, follower=other, followed=creator.user)  # 101
    assert told.count() == 1
    assert list(FollowerMilestone.objects.values_list("followers", flat=True)) == [100]
    assert milestones.follower_milestones_check(creator_user_id=creator.user_id) is None


def test_the_notification_reads_as_a_milestone(creator, committed, client):
    followers(creator, 99)
    committed(follow_create, follower=UserFactory(), followed=creator.user)
    client.force_login(creator.user)
    page = client.get("/notifications/").content.decode()
    assert "You passed 100 followers. Congratulations, and thank your fans!" in page


def test_several_thresholds_at_once_record_all_and_tell_only_the_highest(creator, committed):
    followers(creator, 1_000)
    assert milestones.follower_milestones_check(creator_user_id=creator.user_id) == 1_000
    assert set(FollowerMilestone.objects.values_list("followers", flat=True)) == {100, 1_000}
    assert list(
        EngagementEvent.objects.filter(kind=EventKind.FOLLOWER_MILESTONE).values_list(
            "payload__followers", flat=True
        )
    ) == [1_000]


def test_following_a_fan_is_no_milestone_and_below_one_hundred_is_none(committed):
    plain = UserFactory()  # no creator profile: a fan followed by fans
    fans = UserFactory.create_batch(100)
    Follow.objects.bulk_create([Follow(follower=f, followed=plain) for f in fans])
    assert milestones.follower_milestones_check(creator_user_id=plain.pk) is None
    small = CreatorProfileFactory()
    committed(follow_create, follower=UserFactory(), followed=small.user)
    assert not FollowerMilestone.objects.exists()


# --- Anniversaries -----------------------------------------------------------------------

TODAY = date(2027, 6, 15)


def followed_on(creator, day, *, fan=None, hour=12):
    fan = fan or UserFactory(name="Ana Fan")
    return Follow.objects.create(
        follower=fan,
        followed=creator.user,
        created_at=datetime(day.year, day.month, day.day, hour, tzinfo=UTC),
    )


def run(today, committed, **kwargs):
    return committed(milestones.follow_anniversaries_record, today=today, **kwargs)


def test_a_fan_and_the_creator_hear_about_a_one_year_follow_once(creator, committed, client):
    follow = followed_on(creator, date(2026, 6, 15))
    followed_on(creator, date(2026, 6, 16))  # tomorrow's anniversary
    followed_on(creator, date(2027, 1, 10))  # not a year yet
    assert run(TODAY, committed) == 1
    assert run(TODAY, committed) == 0  # a second run the same day
    assert run(TODAY + timedelta(days=1), committed) == 1  # the next day: only the next one
    fan = follow.follower
    assert bell(fan, EventKind.FOLLOW_ANNIVERSARY).count() == 1
    assert bell(creator.user, EventKind.FOLLOW_ANNIVERSARY).count() == 2
    client.force_login(fan)
    page = client.get("/notifications/").content.decode()
    assert f"You have followed {creator.display_name} for a year" in page
    client.force_login(creator.user)
    assert "Ana Fan has followed you for a year" in client.get("/notifications/").content.decode()


def test_a_day_the_beat_missed_is_caught_up_and_each_year_is_told_once(creator, committed):
    follow = followed_on(creator, date(2025, 6, 13))  # two years ago the day before yesterday
    assert run(TODAY, committed) == 1
    row = FollowAnniversary.objects.get()
    assert (row.fan, row.creator, row.years) == (follow.follower, creator, 2)
    # The first-year anniversary was never told (before this feature): it is not now.
    assert not FollowAnniversary.objects.filter(years=1).exists()


def test_unfollowing_and_following_again_does_not_repeat_a_year(creator, committed):
    fan = UserFactory()
    first = followed_on(creator, date(2026, 6, 15), fan=fan)
    assert run(TODAY, committed) == 1
    first.delete()
    followed_on(creator, date(2026, 6, 16), fan=fan)  # "re-followed" a day later
    assert run(TODAY + timedelta(days=1), committed) == 0
    assert FollowAnniversary.objects.count() == 1


def test_a_leap_day_follow_is_celebrated_on_the_first_of_march(creator, committed):
    followed_on(creator, date(2028, 2, 29))
    assert run(date(2029, 2, 28), committed) == 0
    assert run(date(2029, 3, 1), committed) == 1


def test_inactive_people_and_fans_following_fans_are_skipped(creator, committed):
    gone = followed_on(creator, date(2026, 6, 15)).follower
    gone.is_active = False
    gone.save()
    plain = UserFactory()
    Follow.objects.create(
        follower=UserFactory(), followed=plain, created_at=datetime(2026, 6, 15, tzinfo=UTC)
    )
    assert run(TODAY, committed) == 0


def test_many_anniversaries_are_walked_in_keyset_chunks(creator, committed, settings):
    settings.FOLLOW_ANNIVERSARY_CHUNK = 2
    for hour in (1, 5, 5, 9, 23):  # two at the same instant: the id breaks the tie
        followed_on(creator, date(2026, 6, 15), hour=hour)
    assert run(TODAY, committed) == 5
    assert FollowAnniversary.objects.count() == 5
    assert bell(creator.user, EventKind.FOLLOW_ANNIVERSARY).count() == 5


def test_the_daily_task_is_on_the_beat_schedule(creator, time_machine):
    entry = django_settings.CELERY_BEAT_SCHEDULE["follow-anniversaries"]
    assert entry["task"] in current_app.tasks
    time_machine.move_to(datetime(2027, 6, 15, 7, tzinfo=UTC), tick=False)
    followed_on(creator, date(2026, 6, 15))
    assert follow_anniversaries_task.delay().get() == 1
