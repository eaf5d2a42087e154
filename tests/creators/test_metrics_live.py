"""Live metrics: a creator's rows brought up to date after their events, between hourly
runs — and always exactly what a full recompute gives at that moment.

`rollup.rollup_live` reuses the hourly run's planning (`_plan`, restricted to one creator)
and writing (`_rows_write`, `relationships_update`) and leaves the watermark alone, so the
hourly run recomputes the creator again and stays the source of truth. These tests hold
it to that: after every live run, the creator's `CreatorMetricsDay` and `FanRelationship`
rows equal those of a recompute from scratch at the same moment — for random histories in
four time zones, for a table of events around local midnight, and between hourly runs.
They also cover the debounce (one run per creator per window), the lock shared with the
hourly run, and the dashboard's freshness line.
"""

import random
import time
from datetime import UTC, date, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
from django.core.cache import cache

from creators import dashboard, rollup, tasks
from creators.models import CreatorMetricsDay, EngagementEvent, EventKind, MetricsWatermark
from tests.creators.metrics_events import comment, creator_reply, event, follow, order, review
from tests.creators.test_metrics_incremental import (
    ZONES,
    History,
    _assert_same,
    _full_recompute,
    _snapshot,
)
from tests.factories import CreatorProfileFactory, UserFactory

pytestmark = pytest.mark.django_db
K = EventKind
# 03:40 UTC on 7 March 2026: 22:40 the evening before in New York, 16:40 in Auckland,
# 09:10 in Kolkata. Steps of minutes to an hour go past midnight in New York (05:00 UTC)
# and, with the US clocks going forward on the 8th, across the daylight-saving change.
FIRST_RUN = datetime(2026, 3, 7, 3, 40, tzinfo=UTC)


def _only(snapshot, creator_ids):
    days, relationships = snapshot
    return (
        {key: row for key, row in days.items() if key[0] in creator_ids},
        {key: row for key, row in relationships.items() if key[0] in creator_ids},
    )


def _live_equals_full(creator_ids, *, start, now, label):
    full = _only(_full_recompute(start=start, now=now), creator_ids)
    _assert_same(_only(_snapshot(), creator_ids), full, label)


@pytest.mark.parametrize("seed", [3, 16, 2027])
def test_live_runs_equal_a_full_recompute(seed, monkeypatch):
    # Given: four creators in four time zones, ten fans, 40 days of history rolled up by
    # an hourly run (the first run covers 30 days here, 90 in production).
    monkeypatch.setattr(rollup, "FIRST_DAY_DEFAULT", 30)
    rng = random.Random(seed)
    creators = [CreatorProfileFactory(time_zone=zone) for zone in ZONES]
    fans = UserFactory.create_batch(10)
    history = History(rng, creators, fans)
    history.between(FIRST_RUN - timedelta(days=40), FIRST_RUN, 180)
    for hours in (47.8, 47.2):  # unanswered comments whose 48 h run out during the steps
        history.add(FIRST_RUN - timedelta(hours=hours), kinds="comment")
    rollup.rollup_incremental(now=FIRST_RUN)
    first_day = FIRST_RUN.date() - timedelta(days=rollup.FIRST_DAY_DEFAULT - 1)
    watermark = MetricsWatermark.objects.get().last_event_id

    # When: events of every kind a few minutes apart, each creator's live run after
    # theirs (as the debounced trigger does), and an hourly run now and then.
    now = FIRST_RUN
    for step in range(16):
        previous, now = now, now + timedelta(minutes=rng.choice([2, 9, 25, 41, 55]))
        last = _last_event_id()
        history.between(previous, now - timedelta(seconds=1), rng.randint(1, 6))
        if step % 5 == 3:
            # A late event: an old one dispatched only now (the sweeper after an outage).
            history.add(now - timedelta(days=2, hours=rng.randint(0, 20)), kinds="order")
        touched = sorted(_event_creators_since(last))
        touched = touched or [rng.choice(creators).pk]  # a run with nothing new: only time
        for creator_id in touched:
            assert rollup.rollup_live(creator_id=creator_id, now=now) is not None

        # Then: each of them has exactly the rows a recompute from scratch gives now.
        _live_equals_full(set(touched), start=first_day, now=now, label=f"step {step}")
        if step % 6 == 5:
            rollup.rollup_incremental(now=now)
            _live_equals_full(
                {c.pk for c in creators}, start=first_day, now=now, label=f"hourly {step}"
            )

    # Live runs never move the watermark: the next hourly run recomputes them all again.
    assert MetricsWatermark.objects.get().last_event_id >= watermark


def _last_event_id() -> int:
    return EngagementEvent.objects.order_by("-pk").values_list("pk", flat=True).first() or 0


def _event_creators_since(pk: int) -> set[int]:
    return set(EngagementEvent.objects.filter(pk__gt=pk).values_list("creator_id", flat=True))


NEW_YORK = ZoneInfo("America/New_York")
AUCKLAND = ZoneInfo("Pacific/Auckland")


def _local(zone, *args):
    return datetime(*args, tzinfo=zone).astimezone(UTC)


# Events around a creator's local midnight; after each, a live run for that creator at
# the given local time; every row must then equal a full recompute.
MIDNIGHT = [
    # (zone, event, local time of the event, local time of the live run)
    (NEW_YORK, "follow", (2026, 3, 9, 23, 58, 30), (2026, 3, 9, 23, 59, 0)),
    (NEW_YORK, "comment", (2026, 3, 9, 23, 59, 40), (2026, 3, 10, 0, 0, 10)),
    (NEW_YORK, "order", (2026, 3, 10, 0, 0, 20), (2026, 3, 10, 0, 0, 40)),
    (NEW_YORK, "reply", (2026, 3, 10, 0, 1, 0), (2026, 3, 10, 0, 1, 20)),
    (NEW_YORK, "review", (2026, 3, 10, 0, 2, 0), (2026, 3, 10, 0, 2, 30)),
    (NEW_YORK, "unfollow", (2026, 3, 10, 0, 3, 0), (2026, 3, 10, 0, 3, 30)),
    # Auckland's midnight is 11:00 UTC: the UTC date and the creator's differ all day.
    (AUCKLAND, "follow", (2026, 3, 10, 23, 59, 50), (2026, 3, 11, 0, 0, 5)),
    (AUCKLAND, "comment", (2026, 3, 11, 0, 0, 30), (2026, 3, 11, 0, 1, 0)),
    (AUCKLAND, "reply", (2026, 3, 11, 0, 1, 30), (2026, 3, 11, 0, 2, 0)),
    (AUCKLAND, "order", (2026, 3, 11, 0, 2, 30), (2026, 3, 11, 0, 3, 0)),
]


def test_live_runs_around_local_midnight_equal_a_full_recompute():
    creators = {zone: CreatorProfileFactory(time_zone=zone.key) for zone in (NEW_YORK, AUCKLAND)}
    fan, other = UserFactory.create_batch(2)
    for creator in creators.values():  # history, and an hourly run before the table
        follow(creator, other, datetime(2026, 3, 1, 12, tzinfo=UTC))
        order(creator, other, datetime(2026, 3, 3, 12, tzinfo=UTC), "30.00")
    start = datetime(2026, 3, 9, 20, tzinfo=UTC)
    rollup.rollup_incremental(now=start)
    first_day = rollup.local_date(start, UTC) - timedelta(days=rollup.FIRST_DAY_DEFAULT - 1)
    comments = {}
    for zone, kind, at, run_at in MIDNIGHT:
        creator, when, now = creators[zone], _local(zone, *at), _local(zone, *run_at)
        if kind == "follow":
            follow(creator, fan, when)
        elif kind == "unfollow":
            event(K.UNFOLLOW, creator=creator, actor=fan, when=when)
        elif kind == "comment":
            comments[zone] = comment(creator, fan, when)
        elif kind == "reply":
            creator_reply(creator, comments[zone], when)
        elif kind == "order":
            order(creator, fan, when, "19.50")
        elif kind == "review":
            review(creator, fan, when, 5)
        rollup.rollup_live(creator_id=creator.pk, now=now)
        label = f"{kind} at {at} in {zone.key}"
        _live_equals_full({creator.pk}, start=first_day, now=now, label=label)
        today = rollup.local_date(now, zone)
        assert CreatorMetricsDay.objects.filter(creator=creator, date=today).exists(), label

    # The New York creator's follow counted on the 9th, the order on the 10th (local).
    ny = {row.date: row for row in CreatorMetricsDay.objects.filter(creator=creators[NEW_YORK])}
    assert ny[date(2026, 3, 9)].follows == 1
    assert ny[date(2026, 3, 10)].orders == 1
    assert ny[date(2026, 3, 10)].unfollows == 1


def test_a_live_run_touches_one_creator_and_leaves_the_watermark():
    busy, quiet = CreatorProfileFactory(), CreatorProfileFactory()
    fan = UserFactory()
    follow(quiet, fan, FIRST_RUN - timedelta(days=3))
    rollup.rollup_incremental(now=FIRST_RUN)
    mark = MetricsWatermark.objects.get()
    quiet_rows = {r.date: r.computed_at for r in CreatorMetricsDay.objects.filter(creator=quiet)}

    later = FIRST_RUN + timedelta(minutes=5)
    follow(busy, fan, later - timedelta(seconds=30))
    follow(quiet, UserFactory(), later - timedelta(seconds=20))  # not this run's creator
    result = rollup.rollup_live(creator_id=busy.pk, now=later)

    assert (result.creators, result.rows, result.relationships) == (1, 1, 1)
    assert CreatorMetricsDay.objects.get(creator=busy, date=later.date()).followers == 1
    assert {
        r.date: r.computed_at for r in CreatorMetricsDay.objects.filter(creator=quiet)
    } == quiet_rows
    assert MetricsWatermark.objects.get() == mark
    assert (MetricsWatermark.objects.get().rolled_up_to, mark.last_event_id) == (
        mark.rolled_up_to,
        MetricsWatermark.objects.get().last_event_id,
    )


def test_before_the_first_hourly_run_a_live_run_is_that_first_run():
    creator, fan = CreatorProfileFactory(), UserFactory()
    follow(creator, fan, FIRST_RUN - timedelta(minutes=1))
    assert not MetricsWatermark.objects.exists()
    result = rollup.rollup_live(creator_id=creator.pk, now=FIRST_RUN)
    assert result.rows == rollup.FIRST_DAY_DEFAULT
    assert MetricsWatermark.objects.exists()


def test_a_creator_waiting_for_a_time_zone_rebuild_is_left_to_it():
    creator, fan = CreatorProfileFactory(), UserFactory()
    follow(creator, fan, FIRST_RUN - timedelta(days=1))
    rollup.rollup_incremental(now=FIRST_RUN)
    creator.time_zone = "Asia/Tokyo"
    creator.save()
    rollup.metrics_recompute_request(creator=creator)
    before = _snapshot()
    follow(creator, UserFactory(), FIRST_RUN + timedelta(minutes=1))
    result = rollup.rollup_live(creator_id=creator.pk, now=FIRST_RUN + timedelta(minutes=2))
    assert result.rows == 0
    assert _snapshot() == before  # no day written in the old zone over the rebuild


# --- The lock shared with the hourly run ------------------------------------------------


def test_a_live_run_gives_way_to_any_other_run():
    creator = CreatorProfileFactory()
    cache.add(rollup.LOCK_KEY, "run:hourly", 60)
    try:
        assert rollup.rollup_live(creator_id=creator.pk, now=FIRST_RUN) is None
    finally:
        cache.delete(rollup.LOCK_KEY)
    cache.set(rollup.WANTED_KEY, "run:waiting", 60)  # an hourly run waits for the lock
    try:
        assert rollup.rollup_live(creator_id=creator.pk, now=FIRST_RUN) is None
    finally:
        cache.delete(rollup.WANTED_KEY)
    assert rollup.rollup_live(creator_id=creator.pk, now=FIRST_RUN) is not None


def test_the_hourly_run_waits_for_a_live_run_and_holds_new_ones_back(monkeypatch):
    creator = CreatorProfileFactory()
    cache.add(rollup.LOCK_KEY, rollup.LIVE_PREFIX + "running", 60)
    sleeps = []

    def sleep(seconds):
        # While the hourly run waits, no live run may start; then the live run ends.
        sleeps.append(seconds)
        assert rollup.rollup_live(creator_id=creator.pk, now=FIRST_RUN) is None
        cache.delete(rollup.LOCK_KEY)

    monkeypatch.setattr(rollup, "sleep", sleep)
    assert rollup.rollup_incremental(now=FIRST_RUN) is not None
    assert sleeps == [0.05]
    assert cache.get(rollup.WANTED_KEY) is None and cache.get(rollup.LOCK_KEY) is None


def test_the_hourly_run_gives_up_on_a_live_run_that_never_ends(monkeypatch):
    cache.add(rollup.LOCK_KEY, rollup.LIVE_PREFIX + "stuck", 60)
    clock = iter(range(0, 1000, 30))
    monkeypatch.setattr(rollup, "monotonic", lambda: next(clock))
    monkeypatch.setattr(rollup, "sleep", lambda seconds: None)
    try:
        assert rollup.rollup_incremental(now=FIRST_RUN) is None
    finally:
        cache.delete(rollup.LOCK_KEY)
    assert cache.get(rollup.WANTED_KEY) is None


# --- The trigger: after dispatch, debounced --------------------------------------------


@pytest.fixture
def queued(monkeypatch):
    """Tasks published for later instead of run in-process: (args, countdown) each."""
    from relcommerce.celery import app

    calls = []
    monkeypatch.setattr(
        tasks.metrics_live_rollup_task,
        "apply_async",
        lambda args, countdown: calls.append((args, countdown)),
    )
    app.conf.task_always_eager = False
    yield calls
    app.conf.task_always_eager = True


def test_one_live_run_per_creator_per_window_however_many_events(queued, settings):
    settings.METRICS_LIVE_SECONDS = 1  # a real window: the cache (Redis too) expires it
    ana, bo = CreatorProfileFactory(), CreatorProfileFactory()
    fans = UserFactory.create_batch(3)
    for fan in fans:  # three follows of Ana and one of Bo within the window
        tasks.metrics_live_schedule(event_id=follow(ana, fan, FIRST_RUN).pk)
    tasks.metrics_live_schedule(event_id=follow(bo, fans[0], FIRST_RUN).pk)
    assert queued == [((ana.pk,), 1), ((bo.pk,), 1)]

    # The window has passed (the run is under way or done): the next event opens another.
    time.sleep(1.2)
    tasks.metrics_live_schedule(event_id=comment(ana, fans[1], FIRST_RUN).pk)
    assert queued[-1] == ((ana.pk,), 1) and len(queued) == 3


def test_kinds_no_metric_reads_and_events_without_a_creator_schedule_nothing(queued):
    creator, fan = CreatorProfileFactory(), UserFactory()
    shipped = event(K.ORDER_SHIPPED, creator=creator, actor=fan, when=FIRST_RUN)
    fan_follow = event(K.FAN_FOLLOW, creator=None, actor=fan, when=FIRST_RUN)
    for made in (shipped, fan_follow):
        tasks.metrics_live_schedule(event_id=made.pk)
    assert queued == []


def test_live_metrics_off(queued, settings):
    settings.METRICS_LIVE_SECONDS = 0
    tasks.metrics_live_schedule(
        event_id=follow(CreatorProfileFactory(), UserFactory(), FIRST_RUN).pk
    )
    assert queued == []


def test_a_failed_publish_frees_the_window(queued, monkeypatch):
    def broken(args, countdown):
        raise ConnectionError("broker down")

    monkeypatch.setattr(tasks.metrics_live_rollup_task, "apply_async", broken)
    creator = CreatorProfileFactory()
    tasks.metrics_live_schedule(event_id=follow(creator, UserFactory(), FIRST_RUN).pk)
    assert rollup.live_slot_take(creator_id=creator.pk, seconds=10)  # free again


def test_dispatching_an_event_brings_the_dashboard_up_to_date(
    creator_client, creator, fan, django_capture_on_commit_callbacks
):
    # In-process (tests, a lone runserver) the live run happens at once, at dispatch.
    from creators import follows

    rollup.rollup_incremental()  # an hourly run before: the watermark exists
    with django_capture_on_commit_callbacks(execute=True):
        follows.follow_create(follower=fan, followed=creator.user)
    page = creator_client.get("/studio/").content.decode()
    assert "No metrics yet." not in page
    assert (
        'metric-card__label">Followers</span>\n          <span class="metric-card__value">1<'
        in page
    )


# --- Freshness ---------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("ago", "text"),
    [
        (timedelta(seconds=0), "updated 0 seconds ago"),
        (timedelta(seconds=1), "updated 1 second ago"),
        (timedelta(seconds=12), "updated 12 seconds ago"),
        (timedelta(minutes=1, seconds=5), "updated 1 minute ago"),
        (timedelta(minutes=59), "updated 59 minutes ago"),
        (timedelta(hours=2), "as of 12:32"),  # the creator's clock (Paris, UTC+1)
        (timedelta(days=2), "as of 5 Mar, 14:32"),
    ],
)
def test_freshness_text(ago, text):
    now = datetime(2026, 3, 7, 13, 32, tzinfo=UTC)  # 14:32 in Paris
    assert dashboard.freshness(now - ago, now=now, tz=ZoneInfo("Europe/Paris")) == text
    assert dashboard.freshness(None, now=now, tz=ZoneInfo("Europe/Paris")) == ""


def test_the_dashboard_says_how_fresh_its_numbers_are(creator_client, creator, time_machine):
    time_machine.move_to(FIRST_RUN, tick=False)
    follow(creator, UserFactory(), FIRST_RUN - timedelta(hours=3))
    rollup.rollup_incremental(now=FIRST_RUN - timedelta(minutes=50))  # the hourly run
    page = creator_client.get("/studio/").content.decode()
    assert ">updated 50 minutes ago</time>" in page

    follow(creator, UserFactory(), FIRST_RUN - timedelta(seconds=30))
    rollup.rollup_live(creator_id=creator.pk, now=FIRST_RUN - timedelta(seconds=12))
    page = creator_client.get("/studio/").content.decode()
    assert ">updated 12 seconds ago</time>" in page
    assert 'datetime="2026-03-07T03:39:48+00:00"' in page
