"""Each relationship metric on a hand-built scenario, its expected value worked out by hand."""

from datetime import date, timedelta
from decimal import Decimal

import pytest

from creators import metrics, rollup
from creators.models import (
    CreatorMetricsDay,
    EventKind,
    FanRelationship,
    MetricsWatermark,
    RelationshipStage,
)
from tests.creators.metrics_events import (
    DAY,
    at,
    comment,
    creator_reply,
    event,
    follow,
    order,
    review,
    unfollow,
)
from tests.factories import CreatorProfileFactory, UserFactory

pytestmark = pytest.mark.django_db
K = EventKind
D0 = DAY.date()


@pytest.fixture
def creator():
    return CreatorProfileFactory()


@pytest.fixture
def fans():
    return UserFactory.create_batch(5)


def row(creator, day: date) -> CreatorMetricsDay:
    return CreatorMetricsDay.objects.get(creator=creator, date=day)


def run(start=D0, end=None, now=None):
    end = end or start + timedelta(days=3)
    return rollup.rollup_range(start=start, end=end, now=now or at(days=4))


def test_audience_followers_at_end_of_day_and_net_growth(creator, fans):
    # Given: 3 follows on day 0 (one at 23:59), 1 unfollow and 1 follow on day 1
    follow(creator, fans[0], at(hours=9))
    follow(creator, fans[1], at(hours=12))
    follow(creator, fans[2], at(hours=23, minutes=59))
    unfollow(creator, fans[0], at(days=1, hours=1))
    follow(creator, fans[3], at(days=1, hours=2))

    run()

    day0, day1, day2 = (row(creator, D0 + timedelta(days=n)) for n in range(3))
    assert (day0.followers, day0.follows, day0.unfollows) == (3, 3, 0)
    assert (day1.followers, day1.follows, day1.unfollows) == (3, 1, 1)
    assert (day2.followers, day2.follows) == (3, 0)
    summary = metrics.summarize([day0, day1, day2])
    assert (summary.followers_start, summary.followers, summary.net_growth) == (0, 3, 3)


def test_followers_before_the_range_are_carried_in(creator, fans):
    follow(creator, fans[0], at(days=-10))
    follow(creator, fans[1], at(days=-5))
    follow(creator, fans[2], at(hours=3))

    run()

    assert row(creator, D0).followers == 3


def test_reply_rate_counts_answers_within_48_hours(creator, fans):
    # 3 comments on day 0: one answered after 2 h, one after 47 h, one after 49 h.
    quick = comment(creator, fans[0], at(hours=10))
    just_in_time = comment(creator, fans[1], at(hours=11), kind=K.QUESTION)
    late = comment(creator, fans[2], at(hours=12))
    creator_reply(creator, quick, at(hours=12))
    creator_reply(creator, just_in_time, at(hours=11 + 47))
    creator_reply(creator, late, at(hours=12 + 49))

    run()

    day0 = row(creator, D0)
    assert (day0.comments, day0.answered_48h) == (3, 2)
    assert metrics.summarize([day0]).reply_rate == pytest.approx(2 / 3)  # 66.7 %


def test_median_first_response_and_unanswered_backlog(creator, fans):
    # Day 0: four comments. Day 1: the creator answers three of them, for the first time,
    # after 1 h, 3 h and 20 h (relative to each comment), and replies again to one.
    comments = [comment(creator, fans[n], at(hours=20 + n)) for n in range(4)]
    creator_reply(creator, comments[0], at(hours=21))  # 1 h, still day 0
    creator_reply(creator, comments[1], at(hours=24))  # 3 h, day 1
    creator_reply(creator, comments[2], at(hours=42))  # 20 h, day 1
    creator_reply(creator, comments[2], at(hours=43), first=False)

    run()

    day0, day1 = row(creator, D0), row(creator, D0 + timedelta(days=1))
    assert day0.response_median_seconds == 3600
    # Day 1's first responses: 3 h and 20 h → median of two = 11.5 h.
    assert day1.response_median_seconds == int(11.5 * 3600)
    assert (day1.creator_replies, day1.first_responses) == (3, 2)
    # Backlog: 4 comments - 1 answered on day 0 = 3; day 1 answers two more → 1.
    assert (day0.unanswered, day1.unanswered) == (3, 1)


def test_median_of_an_odd_count(creator, fans):
    comments = [comment(creator, fans[n], at(hours=n)) for n in range(3)]
    for parent, delay in zip(comments, (600, 60, 6000), strict=True):
        creator_reply(creator, parent, parent.created_at + timedelta(seconds=delay))
    run()
    assert row(creator, D0).response_median_seconds == 600


def test_engaged_fans_in_trailing_30_days_and_engagement_rate(creator, fans):
    for fan in fans[:4]:
        follow(creator, fan, at(days=-40))
    event(K.REACTION, creator=creator, actor=fans[0], when=at(days=-31))  # too old
    event(K.REACTION, creator=creator, actor=fans[1], when=at(days=-29))  # counts
    comment(creator, fans[2], at(hours=5))
    comment(creator, fans[2], at(hours=6))  # the same fan counts once
    # The creator's own actions are not fan engagement.
    event(K.POST_PUBLISHED, creator=creator, actor=creator.user, when=at(hours=1))
    event(K.REACTION, creator=creator, actor=creator.user, when=at(hours=2))

    run()

    day0 = row(creator, D0)
    assert day0.engaged_fans == 2
    assert metrics.summarize([day0]).engagement_rate == pytest.approx(2 / 4)


def test_reactions_per_post_leave_out_helpful_votes_on_reviews(creator, fans):
    event(K.POST_PUBLISHED, creator=creator, actor=creator.user, when=at(hours=1))
    event(K.POST_PUBLISHED, creator=creator, actor=creator.user, when=at(hours=2))
    for fan in fans[:3]:
        event(K.REACTION, creator=creator, actor=fan, when=at(hours=3))
    event(K.REACTION, creator=creator, actor=fans[4], when=at(hours=3), target="review")

    run()

    day0 = row(creator, D0)
    assert (day0.posts, day0.reactions) == (2, 3)
    assert metrics.summarize([day0]).reactions_per_post == pytest.approx(1.5)


def test_revenue_split_between_followers_and_non_followers_with_refunds(creator, fans):
    follower, stranger, former = fans[0], fans[1], fans[2]
    follow(creator, follower, at(days=-3))
    follow(creator, former, at(days=-3))
    unfollow(creator, former, at(days=-1))
    order(creator, follower, at(hours=10), "30.00")
    order(creator, stranger, at(hours=11), "12.50")
    order(creator, former, at(hours=12), "7.25")
    order(creator, stranger, at(hours=13), "99.00", paid=False)  # placed, never paid
    refunded = order(creator, follower, at(hours=14), "20.00")
    event(
        K.ORDER_CANCELLED,
        creator=creator,
        actor=creator.user,
        when=at(days=1, hours=9),
        order=refunded,
        amount="20.00",
        currency="EUR",
        buyer_id=follower.pk,
    )
    # An unpaid order cancelled is no refund.
    event(
        K.ORDER_CANCELLED,
        creator=creator,
        actor=stranger,
        when=at(days=1, hours=10),
        order="R-unpaid",
        amount="99.00",
        currency="EUR",
        buyer_id=stranger.pk,
    )

    run()

    day0, day1 = row(creator, D0), row(creator, D0 + timedelta(days=1))
    assert day0.orders == 5
    assert day0.revenue == Decimal("69.75")  # 30 + 12.50 + 7.25 + 20
    assert day0.revenue_followers == Decimal("50.00")  # 30 + 20 (former had unfollowed)
    assert day0.buyers == 3
    assert (day1.revenue, day1.revenue_followers) == (Decimal("-20.00"), Decimal("-20.00"))
    summary = metrics.summarize([day0, day1])
    assert summary.revenue == Decimal("49.75")
    assert summary.revenue_others == Decimal("19.75")
    assert summary.follower_revenue_share == pytest.approx(30 / 49.75)


def test_follower_to_buyer_conversion_within_90_days(creator, fans):
    # Day 0 is the day measured; its 90-day window starts 89 days earlier.
    follow(creator, fans[0], at(days=-100))  # outside the window: not in the cohort
    follow(creator, fans[1], at(days=-80))  # bought 10 days after following: converts
    order(creator, fans[1], at(days=-70), "10.00")
    follow(creator, fans[2], at(days=-10))  # bought before following: does not convert
    order(creator, fans[2], at(days=-20), "10.00")
    follow(creator, fans[3], at(days=-5))  # never bought
    follow(creator, fans[4], at(days=-2))  # bought today: converts
    order(creator, fans[4], at(hours=8), "10.00")

    run()

    day0 = row(creator, D0)
    assert (day0.follows_90d, day0.converted_90d) == (4, 2)
    assert metrics.summarize([day0]).conversion == pytest.approx(0.5)


def test_buyers_and_repeat_buyers(creator, fans):
    order(creator, fans[0], at(days=-5), "10.00")  # first purchase before the range
    order(creator, fans[0], at(hours=1), "10.00")  # repeat, day 0
    order(creator, fans[1], at(hours=2), "10.00")
    order(creator, fans[1], at(days=1), "10.00")  # repeat, day 1
    order(creator, fans[2], at(days=1), "10.00")
    order(creator, fans[3], at(days=1), "10.00", paid=False)  # unpaid: not a buyer

    run()

    day0, day1 = row(creator, D0), row(creator, D0 + timedelta(days=1))
    assert (day0.new_buyers, day0.buyers_total, day0.repeat_buyers_total) == (1, 2, 1)
    assert (day1.new_buyers, day1.buyers_total, day1.repeat_buyers_total) == (1, 3, 2)
    summary = metrics.summarize([day0, day1])
    assert summary.new_buyers == 2  # fans 1 and 2 bought for the first time in the period
    assert summary.repeat_rate == pytest.approx(2 / 3)


def test_reviews_average_rating_and_response_rate(creator, fans):
    review(creator, fans[0], at(hours=1), 5)
    review(creator, fans[1], at(hours=2), 2)
    review(creator, fans[1], at(hours=3), 4, edited=True)  # an edit is not a new review
    event(K.REVIEW_RESPONSE, creator=creator, actor=creator.user, when=at(hours=4), review_id=1)
    event(
        K.REVIEW_RESPONSE,
        creator=creator,
        actor=creator.user,
        when=at(hours=5),
        review_id=1,
        edited=True,
    )  # an edited response is not a second one

    run()

    day0 = row(creator, D0)
    assert (day0.reviews, day0.rating_sum, day0.review_responses) == (2, 7, 1)
    summary = metrics.summarize([day0])
    assert summary.average_rating == pytest.approx(3.5)
    assert summary.review_response_rate == pytest.approx(0.5)


def test_ror_score_weights_present_components_only():
    summary = metrics.PeriodSummary(days=30, comments=4, answered_48h=3)
    # Only the reply rate has data: 75 % of its target → 75.
    assert metrics.ror_score(summary) == 75
    summary.followers, summary.engaged_fans = 100, 50  # engagement 50 % ≥ 25 % target → 1
    # (25 * 0.75 + 20 * 1) / 45 = 86.1 %
    assert metrics.ror_score(summary) == 86
    assert metrics.ror_score(metrics.PeriodSummary()) is None


def test_advocacy_counts_referrals_only_while_fans_share():
    # 2 reviews averaging 4 ★ (0.75), one answered (0.5), no sharing: (0.75 + 0.5) / 2.
    summary = metrics.PeriodSummary(days=30, reviews=2, rating_sum=8, review_responses=1)
    summary.orders = 20
    assert summary.referral_share is None
    assert summary.advocacy == pytest.approx(0.625)
    # Fans start sharing: 1 of 20 orders came through a link = 5 %, half the 10 % target.
    summary.share_visits, summary.referral_purchases = 40, 1
    assert summary.referral_share == pytest.approx(0.05)
    assert summary.advocacy == pytest.approx((0.75 + 0.5 + 0.5) / 3)
    # Sharing without reviews still counts; without orders there is nothing to share of.
    only_shares = metrics.PeriodSummary(days=30, orders=4, share_visits=9, referral_purchases=2)
    assert only_shares.advocacy == pytest.approx(1.0)  # 50 % ≥ 10 % target
    assert metrics.PeriodSummary(days=30, share_visits=9).advocacy is None


def test_stages_and_fading(creator, fans):
    now = at(days=4)
    visitor, follower, engaged, buyer, repeat = fans
    advocate = UserFactory()
    comment(creator, visitor, now - timedelta(days=60))  # commented once, long ago
    follow(creator, follower, now - timedelta(days=50))
    follow(creator, engaged, now - timedelta(days=50))
    comment(creator, engaged, now - timedelta(days=3))
    order(creator, buyer, now - timedelta(days=40), "5.00")
    order(creator, repeat, now - timedelta(days=20), "5.00")
    order(creator, repeat, now - timedelta(days=10), "5.00")
    order(creator, advocate, now - timedelta(days=9), "5.00")
    review(creator, advocate, now - timedelta(days=2), 5)

    rollup.relationships_rebuild(now=now)

    stages = dict(FanRelationship.objects.filter(creator=creator).values_list("fan_id", "stage"))
    S = RelationshipStage
    assert stages == {
        visitor.pk: S.VISITOR,
        follower.pk: S.FOLLOWER,
        engaged.pk: S.ENGAGED,
        buyer.pk: S.BUYER,
        repeat.pk: S.REPEAT_BUYER,
        advocate.pk: S.ADVOCATE,
    }
    fading = set(
        FanRelationship.objects.filter(creator=creator, is_fading=True).values_list(
            "fan_id", flat=True
        )
    )
    # Interacted once and then nothing for 30 days; a follow alone is no interaction.
    assert fading == {visitor.pk, buyer.pk}
    rel = FanRelationship.objects.get(creator=creator, fan=repeat)
    assert (rel.purchases, rel.spent) == (2, Decimal("10.00"))


def test_an_unfollow_ends_following(creator, fans):
    follow(creator, fans[0], at(days=-3))
    unfollow(creator, fans[0], at(days=-2))
    rollup.relationships_rebuild(now=at())
    rel = FanRelationship.objects.get(creator=creator, fan=fans[0])
    assert (rel.is_follower, rel.stage) == (False, RelationshipStage.VISITOR)


def _snapshot():
    fields = [
        f.name
        for f in CreatorMetricsDay._meta.concrete_fields
        if f.name not in ("id", "computed_at")
    ]
    return list(CreatorMetricsDay.objects.order_by("creator_id", "date").values(*fields))


def test_running_twice_gives_identical_rows(creator, fans):
    follow(creator, fans[0], at(hours=1))
    parent = comment(creator, fans[0], at(hours=2))
    creator_reply(creator, parent, at(hours=3))
    order(creator, fans[0], at(hours=4), "15.00")

    run()
    first, count = _snapshot(), CreatorMetricsDay.objects.count()
    run()

    assert _snapshot() == first
    assert CreatorMetricsDay.objects.count() == count == 4


def test_incremental_run_picks_up_late_events_for_an_old_day(creator, fans):
    now = at(days=20, hours=12)
    follow(creator, fans[0], at(hours=1))
    rollup.rollup_incremental(now=now)
    assert row(creator, D0).follows == 1
    mark = MetricsWatermark.objects.get()
    assert mark.rolled_up_to == now

    # An event for day 0 arrives late (imported, or a delayed write) after the roll-up.
    follow(creator, fans[1], at(hours=2))
    rollup.rollup_incremental(now=now + timedelta(hours=1))

    assert (row(creator, D0).follows, row(creator, D0).followers) == (2, 2)
    assert row(creator, D0 + timedelta(days=20)).followers == 2


def test_a_reply_today_updates_the_reply_rate_of_yesterdays_comment(creator, fans):
    parent = comment(creator, fans[0], at(hours=20))
    rollup.rollup_incremental(now=at(hours=22))
    assert row(creator, D0).answered_48h == 0

    creator_reply(creator, parent, at(days=1, hours=10))
    rollup.rollup_incremental(now=at(days=1, hours=11))

    assert row(creator, D0).answered_48h == 1


def test_a_comment_still_inside_its_48_hours_waits_before_counting_against_the_rate(creator, fans):
    answered = comment(creator, fans[0], at(hours=10))
    creator_reply(creator, answered, at(hours=12))
    comment(creator, fans[1], at(hours=20))  # unanswered

    run(end=D0, now=at(hours=30))  # the second comment has 38 h left
    day0 = row(creator, D0)
    assert (day0.comments, day0.answered_48h, day0.comments_open) == (2, 1, 1)
    assert metrics.summarize([day0]).reply_rate == pytest.approx(1.0)

    run(end=D0, now=at(days=3))  # its 48 h are over: it counts as missed
    day0 = row(creator, D0)
    assert day0.comments_open == 0
    assert metrics.summarize([day0]).reply_rate == pytest.approx(0.5)


def test_incremental_runs_leave_very_old_late_events_to_the_backfill(creator, fans, caplog):
    now = at(days=600)
    rollup.rollup_incremental(now=at(days=-10))  # a watermark exists
    follow(creator, fans[0], at())  # a late event, 600 days before the next run

    rollup.rollup_incremental(now=now)

    oldest = CreatorMetricsDay.objects.filter(date__gt=D0).order_by("date").first().date
    assert oldest == (now - timedelta(days=rollup.MAX_INCREMENTAL_DAYS - 1)).date()
    assert not CreatorMetricsDay.objects.filter(date=D0).exists()
    assert "need a backfill" in caplog.text
    # The backfill command's range reaches it.
    rollup.rollup_range(start=D0, end=D0, now=now)
    assert row(creator, D0).follows == 1


def test_conversion_window_slides_day_by_day(creator, fans):
    follow(creator, fans[0], at(days=-89, hours=1))  # in day 0's window, not day 1's
    order(creator, fans[0], at(days=-60), "10.00")
    follow(creator, fans[1], at(days=-1))
    order(creator, fans[1], at(days=1, hours=5), "10.00")  # converts on day 1
    follow(creator, fans[2], at(days=2))  # new on day 2, never buys

    run()

    gauges = [
        (r.follows_90d, r.converted_90d)
        for r in CreatorMetricsDay.objects.filter(creator=creator).order_by("date")
    ]
    assert gauges == [(2, 1), (1, 1), (2, 1), (2, 1)]
