"""Recognition limits under real concurrency (PostgreSQL): racing requests never feature
more than six items, never send more thank-you notes than the caps allow, and never
tell a follower milestone twice."""

from datetime import timedelta

import pytest
from django.core.exceptions import ValidationError
from django.utils import timezone

from creators import featuring, milestones, thanks
from creators.models import (
    FEATURED_MAX,
    EngagementEvent,
    EventKind,
    FeaturedItem,
    Follow,
    FollowerMilestone,
    ThankYouNote,
)
from creators.posts import PostAction, post_create
from tests.creators.metrics_events import comment
from tests.factories import CommentFactory, CreatorProfileFactory, UserFactory
from tests.races import race

pytestmark = [pytest.mark.real_stack, pytest.mark.django_db(transaction=True)]


def refused(action):
    def run():
        try:
            action()
        except ValidationError:
            pass  # the limit speaking: expected for the losers

    return run


def test_racing_features_fill_exactly_six_places():
    creator = CreatorProfileFactory()
    post = post_create(author=creator.user, body="Hello", action=PostAction.PUBLISH)
    comments = [CommentFactory(post=post) for _ in range(FEATURED_MAX + 3)]
    errors = race(
        [
            refused(
                lambda c=c: featuring.comment_feature(
                    creator_user=creator.user, comment=c, feature=True
                )
            )
            for c in comments
        ]
    )
    assert errors == []
    assert FeaturedItem.objects.filter(creator=creator).count() == FEATURED_MAX
    assert EngagementEvent.objects.filter(kind=EventKind.FEATURED).count() == FEATURED_MAX


def test_racing_thank_you_notes_respect_the_daily_cap_and_once_per_fan(settings):
    settings.THANK_YOU_DAILY_CAP = 3
    creator = CreatorProfileFactory()
    fans = UserFactory.create_batch(6)
    for fan in fans:
        comment(creator, fan, timezone.now() - timedelta(hours=1))
    # Six fans at once, and the first fan twice more: three notes, one per fan.
    targets = [*fans, fans[0], fans[0]]
    errors = race(
        [
            refused(lambda f=f: thanks.thank_you_send(creator=creator, fan=f, body="Thanks!"))
            for f in targets
        ]
    )
    assert errors == []
    notes = ThankYouNote.objects.filter(creator=creator)
    assert notes.count() == 3
    assert notes.values("fan").distinct().count() == 3


def test_racing_milestone_checks_tell_the_creator_once():
    creator = CreatorProfileFactory()
    fans = UserFactory.create_batch(100)
    Follow.objects.bulk_create([Follow(follower=f, followed=creator.user) for f in fans])
    check = lambda: milestones.follower_milestones_check(creator_user_id=creator.user_id)  # noqa: E731
    assert race([check] * 6) == []
    assert FollowerMilestone.objects.filter(creator=creator).count() == 1
    assert EngagementEvent.objects.filter(kind=EventKind.FOLLOWER_MILESTONE).count() == 1
