"""Follows and scheduled publishing under real concurrency (PostgreSQL): racing requests
make one follow and one event; racing scheduler runs publish a post once."""

import threading
from datetime import timedelta

import pytest
from django.db import connection
from django.utils import timezone

from creators import follows, posts
from creators.models import EngagementEvent, EventKind, Follow, PostStatus
from tests.factories import CreatorProfileFactory, PostFactory, UserFactory

pytestmark = [pytest.mark.real_stack, pytest.mark.django_db(transaction=True)]
RACERS = 6


def _race(action) -> list[str]:
    barrier = threading.Barrier(RACERS)
    outcomes = []

    def run():
        try:
            barrier.wait(timeout=10)
            outcomes.append(repr(action()))
        except Exception as exc:  # a deadlock or crash must fail the test, not hang it
            outcomes.append(f"crash: {exc!r}")
        finally:
            connection.close()

    threads = [threading.Thread(target=run) for _ in range(RACERS)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=30)
    return outcomes


def test_a_double_clicked_follow_is_one_follow_and_one_event():
    fan, creator = UserFactory(), CreatorProfileFactory()
    outcomes = _race(lambda: follows.follow_create(follower=fan, followed=creator.user))
    assert sorted(outcomes) == ["False"] * (RACERS - 1) + ["True"]
    assert Follow.objects.filter(follower=fan, followed=creator.user).count() == 1
    assert EngagementEvent.objects.filter(kind=EventKind.FOLLOW).count() == 1


def test_racing_scheduler_runs_publish_a_post_once():
    post = PostFactory(
        status=PostStatus.SCHEDULED,
        published_at=None,
        publish_at=timezone.now() - timedelta(seconds=1),
    )
    outcomes = _race(lambda: posts.posts_publish_due())
    assert sorted(outcomes) == ["0"] * (RACERS - 1) + ["1"]
    post.refresh_from_db()
    assert post.status == PostStatus.PUBLISHED
    assert EngagementEvent.objects.filter(kind=EventKind.POST_PUBLISHED).count() == 1
