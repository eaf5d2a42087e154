"""Losing a race on a unique constraint gives the normal outcome (reviews' writes).

SQLite serialises writers, so the race is lost on purpose: the other request's row is
already there, and this request's first read for it misses (`tests.races.reads_miss`).
The live-server versions are in tests/test_real_stack_races.py.
"""

import pytest

from creators.models import EngagementEvent, EventKind
from reviews import services
from reviews.models import HelpfulVote, Review, ReviewEmailOptOut, ReviewReport, ReviewResponse
from reviews.services import ReviewInput
from tests.factories import UserFactory
from tests.races import reads_miss

pytestmark = pytest.mark.django_db


def _write(buyer, mug, rating):
    return services.review_write(author=buyer, product=mug, data=ReviewInput(rating=rating))


def test_a_review_that_lost_the_race_edits_the_one_written_first(buyer, mug):
    _write(buyer, mug, 5)
    with reads_miss(Review, "first"):
        review, created = _write(buyer, mug, 3)
    assert created is False
    assert Review.objects.get() == review and review.rating == 3
    mug.refresh_from_db()
    assert (mug.rating_count, mug.rating_sum) == (1, 3)  # counted once, at its new rating


def test_a_helpful_mark_that_lost_the_race_is_kept_and_counted_once(buyer, mug):
    review, _ = _write(buyer, mug, 5)
    fan = UserFactory()
    services.review_helpful_toggle(user=fan, review=review)
    # The second click's "already marked?" (the delete of the mark) ran before the first
    # committed: it tries to mark again, and is told the review is marked.
    with reads_miss(HelpfulVote, "delete"):
        review, voted = services.review_helpful_toggle(user=fan, review=review)
    assert voted is True
    assert review.helpful_count == 1 == HelpfulVote.objects.count()
    assert EngagementEvent.objects.filter(kind=EventKind.REACTION).count() == 1


def test_a_report_response_and_opt_out_that_lost_the_race(buyer, mug, creator):
    review, _ = _write(buyer, mug, 2)
    fan = UserFactory()
    services.review_report(reporter=fan, review=review, reason="spam")
    with reads_miss(ReviewReport, "get"):
        assert services.review_report(reporter=fan, review=review, reason="spam") is False
    assert ReviewReport.objects.count() == 1

    services.review_respond(creator_user=creator.user, review=review, body="Sorry!")
    with reads_miss(ReviewResponse, "get"):
        services.review_respond(creator_user=creator.user, review=review, body="So sorry!")
    assert ReviewResponse.objects.get().body == "So sorry!"

    services.review_requests_set_enabled(user=fan, enabled=False)
    with reads_miss(ReviewEmailOptOut, "get"):
        services.review_requests_set_enabled(user=fan, enabled=False)
    assert ReviewEmailOptOut.objects.count() == 1
