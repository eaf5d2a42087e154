"""The hourly roll-up touches only what changed, and must still equal a full recompute.

Random-ish histories (seeded) for creators in several time zones; then runs a few hours
apart — across the US daylight-saving change of 8 March 2026 and with relationships
turning 30 days old — each adding events of every kind, some of them late (for days
already rolled up). After every incremental run, every `CreatorMetricsDay` and
`FanRelationship` row must be what a recompute from scratch gives at the same moment.
"""

import random
from datetime import UTC, datetime, timedelta
from itertools import count

import pytest
from django.core.cache import cache
from django.db import transaction

from creators import rollup
from creators.models import (
    CreatorMetricsDay,
    EngagementEvent,
    EventKind,
    FanRelationship,
    MetricsRecompute,
    MetricsWatermark,
)
from creators.tasks import metrics_rollup_task
from tests.creators.metrics_events import creator_reply, event
from tests.factories import CreatorProfileFactory, UserFactory

pytestmark = pytest.mark.django_db
K = EventKind
ZONES = ["UTC", "America/New_York", "Asia/Kolkata", "Pacific/Auckland"]
FIRST_RUN = datetime(2026, 3, 6, 15, 20, tzinfo=UTC)
HISTORY_DAYS = 100  # before the first run: some follows leave the 90-day window later
_numbers = count(1)


def _snapshot():
    day_fields = [
        f.name
        for f in CreatorMetricsDay._meta.concrete_fields
        if f.name not in ("id", "computed_at")
    ]
    rel_fields = [
        f.attname
        for f in FanRelationship._meta.concrete_fields
        if f.name not in ("id", "updated_at")
    ]
    days = {
        (row["creator"], row["date"]): row for row in CreatorMetricsDay.objects.values(*day_fields)
    }
    relationships = {
        (row["creator_id"], row["fan_id"]): row
        for row in FanRelationship.objects.values(*rel_fields)
    }
    return days, relationships


def _full_recompute(*, start, now):
    """What a recompute from scratch gives (rolled back afterwards)."""
    with transaction.atomic():
        CreatorMetricsDay.objects.all().delete()
        FanRelationship.objects.all().delete()
        rollup.rollup_range(start=start, now=now)
        snapshot = _snapshot()
        transaction.set_rollback(True)
    return snapshot


def _assert_same(incremental, full, label):
    for name, got, want in zip(("day", "relationship"), incremental, full, strict=True):
        assert got.keys() == want.keys(), f"{label}: {name} rows differ in keys"
        for key in sorted(want):
            assert got[key] == want[key], f"{label}: {name} {key}"


class History:
    """Events of every kind the roll-up reads, consistent like the services record them."""

    def __init__(self, rng, creators, fans):
        self.rng, self.creators, self.fans = rng, creators, fans
        self.following = {c.pk: set() for c in creators}
        self.comments = {c.pk: [] for c in creators}  # (event, answered)
        self.paid = {c.pk: [] for c in creators}  # payloads of paid orders
        self.unpaid = {c.pk: [] for c in creators}

    def add(self, when, *, kinds=None):
        rng = self.rng
        creator, fan = rng.choice(self.creators), rng.choice(self.fans)
        kind = kinds or rng.choices(
            [
                "follow",
                "comment",
                "reply",
                "reaction",
                "order",
                "pay",
                "cancel",
                "review",
                "share",
                "other",
            ],
            weights=[5, 5, 4, 6, 4, 2, 1, 2, 2, 2],
        )
        kind = kind[0] if isinstance(kind, list) else kind
        if kind == "follow":
            if fan.pk in self.following[creator.pk] and rng.random() < 0.5:
                self.following[creator.pk].discard(fan.pk)
                event(K.UNFOLLOW, creator=creator, actor=fan, when=when)
            else:
                self.following[creator.pk].add(fan.pk)
                event(K.FOLLOW, creator=creator, actor=fan, when=when)
        elif kind == "comment":
            made = event(
                rng.choice([K.COMMENT, K.QUESTION]),
                creator=creator,
                actor=fan,
                when=when,
                target_id=next(_numbers),
            )
            self.comments[creator.pk].append([made, False])
        elif kind == "reply":
            earlier = [c for c in self.comments[creator.pk] if c[0].created_at <= when]
            if not earlier:
                return
            # Mostly recent comments (the 48 h matter), sometimes an old one.
            pick = earlier[-1] if rng.random() < 0.6 else rng.choice(earlier)
            creator_reply(creator, pick[0], when, first=not pick[1])
            pick[1] = True
        elif kind == "reaction":
            extra = {"target": "review"} if rng.random() < 0.2 else {}
            event(K.REACTION, creator=creator, actor=fan, when=when, **extra)
        elif kind == "order":
            number, amount = f"T{next(_numbers)}", f"{rng.randint(5, 90)}.{rng.randint(0, 99):02d}"
            payload = {"order": number, "amount": amount, "currency": "EUR", "buyer_id": fan.pk}
            event(K.ORDER_PLACED, creator=creator, actor=fan, when=when, **payload)
            if rng.random() < 0.6:  # paid online by the fan at once
                event(K.ORDER_PAID, creator=creator, actor=fan, when=when, **payload)
                self.paid[creator.pk].append(payload)
            else:  # a bank transfer: the creator marks it paid later
                self.unpaid[creator.pk].append(payload)
        elif kind == "pay":
            if self.unpaid[creator.pk]:
                payload = self.unpaid[creator.pk].pop(0)
                event(K.ORDER_PAID, creator=creator, actor=creator.user, when=when, **payload)
                self.paid[creator.pk].append(payload)
        elif kind == "cancel":
            if self.paid[creator.pk]:
                payload = self.paid[creator.pk].pop(rng.randrange(len(self.paid[creator.pk])))
                event(K.ORDER_CANCELLED, creator=creator, actor=creator.user, when=when, **payload)
        elif kind == "review":
            event(
                K.REVIEW,
                creator=creator,
                actor=fan,
                when=when,
                target_id=next(_numbers),
                rating=rng.randint(1, 5),
                edited=rng.random() < 0.2,
            )
        elif kind == "share":
            # A visit through the fan's share link, sometimes a purchase credited to them
            # (the sharer is the actor: it can make them an advocate without buying).
            event(K.SHARE_VISIT, creator=creator, actor=fan, when=when)
            if rng.random() < 0.4:
                payload = {"order": f"R{next(_numbers)}", "amount": "12.00", "sharer_id": fan.pk}
                event(K.REFERRAL_PURCHASE, creator=creator, actor=fan, when=when, **payload)
        else:
            # An order shipped is read by no metric: it must change nothing.
            other = rng.choice([K.POST_PUBLISHED, K.REVIEW_RESPONSE, K.REPLY, K.ORDER_SHIPPED])
            actor = fan if other == K.REPLY else creator.user
            event(other, creator=creator, actor=actor, when=when, edited=rng.random() < 0.2)

    def between(self, start, end, n):
        for _ in range(n):
            self.add(start + (end - start) * self.rng.random())


@pytest.mark.parametrize("seed", [7, 2026])
def test_incremental_runs_equal_a_full_recompute(seed, monkeypatch):
    # Given: four creators in different time zones, twelve fans, 100 days of history, of
    # which the first run rolls up the last 30 (90 in production: only slower here).
    monkeypatch.setattr(rollup, "FIRST_DAY_DEFAULT", 30)
    rng = random.Random(seed)
    creators = [CreatorProfileFactory(time_zone=zone) for zone in ZONES]
    fans = UserFactory.create_batch(12)
    history = History(rng, creators, fans)
    history.between(FIRST_RUN - timedelta(days=HISTORY_DAYS), FIRST_RUN, 260)
    # Comments just under 48 h old at the first run, unanswered: their time runs out later.
    for hours in (47, 46.5, 40):
        history.add(FIRST_RUN - timedelta(hours=hours), kinds="comment")
    # Two fans engaged once, 29½ days before the first run: they start fading in a run
    # with no event of theirs (one still follows: engaged → follower; the other visitor).
    quiet_follower, quiet_visitor, slow_buyer = UserFactory.create_batch(3)
    in_utc = creators[0]
    event(K.FOLLOW, creator=in_utc, actor=quiet_follower, when=FIRST_RUN - timedelta(days=40))
    for fan in (quiet_follower, quiet_visitor):
        event(K.REACTION, creator=in_utc, actor=fan, when=FIRST_RUN - timedelta(days=29.5))
    # A fan who follows at 00:30 on a day and first buys 89 days 23 h 40 min later, at
    # 00:10 on the 90th day after: converted within 90 days, on the day the follow leaves
    # the 90-day window.
    bought_at = datetime(2026, 3, 8, 0, 10, tzinfo=UTC)
    event(
        K.FOLLOW, creator=in_utc, actor=slow_buyer, when=bought_at - timedelta(days=90, minutes=-20)
    )
    rollup.rollup_incremental(now=FIRST_RUN)
    first_day = FIRST_RUN.date() - timedelta(days=rollup.FIRST_DAY_DEFAULT - 1)
    _assert_same(_snapshot(), _full_recompute(start=first_day, now=FIRST_RUN), "first run")

    # When: runs a few hours apart over eight days (the US clocks go forward on the 8th),
    # with new events between them and late ones for old days.
    now = FIRST_RUN
    for step in range(10):
        previous, now = now, now + timedelta(hours=rng.choice([1, 3, 7, 13, 22]))
        history.between(previous, now, rng.randint(0, 12))
        if previous < bought_at <= now:
            payload = {"order": "SLOW", "amount": "10.00", "currency": "EUR"}
            event(
                K.ORDER_PAID,
                creator=in_utc,
                actor=slow_buyer,
                when=bought_at,
                **payload,
                buyer_id=slow_buyer.pk,
            )
        if step in (2, 6):
            # Late events: days already rolled up change, and every day after them.
            history.add(now - timedelta(days=10, hours=rng.randint(0, 23)), kinds="follow")
            history.add(now - timedelta(days=20), kinds="order")
            history.add(now - timedelta(days=3, hours=5), kinds="comment")
            history.add(now - timedelta(days=1, hours=2), kinds="reply")
        if step == 4:
            # A run with nothing new: only time acts (48 h windows, fading, new days).
            pass

        rollup.rollup_incremental(now=now)

        # Then: the same rows as a full recompute at that moment.
        _assert_same(_snapshot(), _full_recompute(start=first_day, now=now), f"step {step}")

    fading = FanRelationship.objects.filter(creator=in_utc, is_fading=True)
    assert {quiet_follower.pk, quiet_visitor.pk} <= set(fading.values_list("fan_id", flat=True))
    slow = CreatorMetricsDay.objects.get(creator=in_utc, date=bought_at.date())
    assert slow.converted_90d <= slow.follows_90d
    # Re-running changes nothing.
    before = _snapshot()
    rollup.rollup_incremental(now=now)
    _assert_same(_snapshot(), before, "re-run")
    assert MetricsWatermark.objects.get().last_event_id == EngagementEvent.objects.latest("id").pk


def test_a_run_touches_only_the_creators_with_something_new():
    quiet, busy = CreatorProfileFactory(), CreatorProfileFactory()
    fan = UserFactory()
    event(K.FOLLOW, creator=quiet, actor=fan, when=FIRST_RUN - timedelta(days=5))
    event(K.FOLLOW, creator=busy, actor=fan, when=FIRST_RUN - timedelta(days=5))
    rollup.rollup_incremental(now=FIRST_RUN)
    quiet_rows = {
        row.date: row.computed_at for row in CreatorMetricsDay.objects.filter(creator=quiet)
    }

    later = FIRST_RUN + timedelta(hours=1)  # the same day
    event(K.REACTION, creator=busy, actor=fan, when=later - timedelta(minutes=30))
    result = rollup.rollup_incremental(now=later)

    assert result.creators == 1
    assert result.rows == 1  # today's row of the busy creator
    assert result.relationships == 1  # the busy creator and the fan
    assert {
        row.date: row.computed_at for row in CreatorMetricsDay.objects.filter(creator=quiet)
    } == quiet_rows
    assert CreatorMetricsDay.objects.get(creator=busy, date=later.date()).engaged_fans == 1

    # The next day, every creator gets its new day.
    result = rollup.rollup_incremental(now=FIRST_RUN + timedelta(days=1))
    assert (result.creators, result.rows) == (2, 2)


def test_a_run_that_finds_another_running_leaves_the_work_to_the_next():
    creator, fan = CreatorProfileFactory(), UserFactory()
    event(K.FOLLOW, creator=creator, actor=fan, when=FIRST_RUN - timedelta(hours=2))
    cache.add(rollup.LOCK_KEY, "another run", 60)
    try:
        assert rollup.rollup_incremental(now=FIRST_RUN) is None
        assert metrics_rollup_task() == 0
        assert not MetricsWatermark.objects.exists()
        assert not CreatorMetricsDay.objects.exists()
    finally:
        cache.delete(rollup.LOCK_KEY)
    assert rollup.rollup_incremental(now=FIRST_RUN).rows == rollup.FIRST_DAY_DEFAULT


def test_a_time_zone_recompute_that_finds_another_run_retries_a_minute_later(monkeypatch):
    creator = CreatorProfileFactory()
    rollup.metrics_recompute_request(creator=creator)
    retries = []

    def retry(**options):
        retries.append(options)
        return RuntimeError("retried")

    monkeypatch.setattr(metrics_rollup_task, "retry", retry)
    cache.add(rollup.LOCK_KEY, "another run", 60)
    try:
        with pytest.raises(RuntimeError, match="retried"):
            metrics_rollup_task()
    finally:
        cache.delete(rollup.LOCK_KEY)
    assert retries == [{"countdown": 60}]
    assert MetricsRecompute.objects.filter(creator=creator).exists()
