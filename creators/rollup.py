"""Roll engagement events up into `CreatorMetricsDay` and `FanRelationship` rows.

Everything is computed from `EngagementEvent` alone (order events carry amount and
buyer in their payload), so creators/ never imports shops/ and any day can be rebuilt.
Each metric is one aggregate query grouped by creator (and day) that runs the same on
PostgreSQL and SQLite; Python only adds up per-day totals into running gauges and
combines per-pair aggregates.

Days are the creator's days: events are stored in UTC and each creator's rows are
grouped by the date in the creator's time zone (`CreatorProfile.time_zone`). Creators
are grouped by time zone and every query runs once per zone in use, with the zone's
`TruncDate` and day boundaries; windows (48 h, 30 and 90 days) stay durations or counts
of the creator's days.

Re-running a day replaces its row (upsert on creator+date), so a run is idempotent.
The hourly run (`rollup_incremental`) recomputes only what changed since the watermark:
the creators with new events (from the oldest day an event of theirs belongs to, late
events included, through their today), the creators whose comments' 48 h ran out since
the last run, today's row of every creator whose day has turned, and the fan–creator
pairs that appear in new events; docs/metrics.md ("Roll-up") says why that equals a full
recompute.
"""

from __future__ import annotations

import logging
import statistics
import uuid
from collections import defaultdict
from collections.abc import Iterable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from decimal import Decimal
from time import monotonic, sleep
from types import SimpleNamespace
from zoneinfo import ZoneInfo

from django.core.cache import cache
from django.db import connection, models, transaction
from django.db.models import Count, Exists, F, Max, Min, OuterRef, Q, Subquery, Sum, Value, Window
from django.db.models.fields.json import KeyTextTransform
from django.db.models.functions import Cast, Coalesce, RowNumber, TruncDate
from django.utils import timezone

from core.tasks import enqueue_on_commit
from creators import metrics, time_zones
from creators.models import (
    CreatorMetricsDay,
    CreatorProfile,
    EngagementEvent,
    EventKind,
    FanRelationship,
    MetricsRecompute,
    MetricsWatermark,
    RelationshipStage,
    User,
)

logger = logging.getLogger(__name__)

K = EventKind
WATERMARK = "relationship_metrics"
FIRST_DAY_DEFAULT = 90  # days the first incremental run covers
MAX_INCREMENTAL_DAYS = 400  # older late events are left to the backfill command
# Events are found by id (a late event has an old time and a new id); an event whose
# transaction commits after a run has read a higher id would be missed, so every run
# also looks again at the events created since shortly before the previous run.
LATE_COMMIT_MARGIN = timedelta(minutes=15)
REPLY_WINDOW = timedelta(hours=metrics.REPLY_WITHIN_HOURS)
COMMENT_KINDS = [K.COMMENT, K.QUESTION]
# What counts as a fan interacting with a creator (follows are audience, not interaction).
INTERACTION_KINDS = [K.COMMENT, K.QUESTION, K.REPLY, K.REACTION, K.REVIEW, K.ORDER_PLACED]
RELATIONSHIP_KINDS = [*INTERACTION_KINDS, K.FOLLOW, K.UNFOLLOW]
# Every kind a metric reads (docs/metrics.md): events of other kinds change nothing, and
# the hourly run does not look at them — a metric that starts reading a kind adds it here.
ROLLUP_KINDS = sorted(
    {
        *RELATIONSHIP_KINDS,
        K.CREATOR_REPLY,
        K.POST_PUBLISHED,
        K.REVIEW_RESPONSE,
        K.ORDER_PAID,
        K.ORDER_CANCELLED,
        K.SHARE_VISIT,
        K.REFERRAL_PURCHASE,
    }
)
MONEY = models.DecimalField(max_digits=14, decimal_places=2)
LOCK_KEY = "metrics-rollup-lock"
LOCK_SECONDS = 15 * 60
RELATIONSHIP_CHUNK = 2000  # fans per query when updating relationships
CREATORS_PER_BATCH = 250  # creators whose rows are computed (and held in memory) at once
# Columns a day's row carries into the next day (the gauges the running sums start from).
GAUGES = [
    "followers",
    "unanswered",
    "buyers_total",
    "repeat_buyers_total",
    "follows_90d",
    "converted_90d",
]


def payload_int(key: str):
    return Cast(KeyTextTransform(key, "payload"), models.BigIntegerField())


def payload_money(key: str):
    return Cast(KeyTextTransform(key, "payload"), MONEY)


def day_start(day: date, tz: ZoneInfo) -> datetime:
    """The first instant of `day` in `tz` (a day can be 23 or 25 hours long)."""
    return datetime.combine(day, time.min, tzinfo=tz)


def local_date(moment: datetime, tz: ZoneInfo) -> date:
    return moment.astimezone(tz).date()


def _days(start: date, end: date) -> list[date]:
    return [start + timedelta(days=n) for n in range((end - start).days + 1)]


def _fan_events():
    """Events a fan caused towards a creator (the creator's own actions excluded)."""
    return EngagementEvent.objects.filter(creator__isnull=False).exclude(
        actor_id=F("creator__user_id")
    )


def _as_date(value) -> date:
    return value if isinstance(value, date) else date.fromisoformat(str(value))


def _upsert(model, objects, *, unique: list[str]) -> None:
    """INSERT … ON CONFLICT DO UPDATE of every other column: re-running replaces rows."""
    model.objects.bulk_create(
        objects,
        batch_size=1000,
        update_conflicts=True,
        unique_fields=unique,
        update_fields=[
            f.name for f in model._meta.concrete_fields if f.name not in ("id", *unique)
        ],
    )


class RollupBusy(Exception):
    """Another roll-up holds the lock."""


@contextmanager
def _rollup_session() -> Iterator[None]:
    """PostgreSQL settings for the roll-up's connection, put back afterwards. JIT off:
    PostgreSQL compiles a query to machine code when its estimated cost is high, and for
    the roll-up's many short, index-driven queries compiling took longer than running
    (40 ms of a 60 ms query, measured). More memory per sort, so grouping a few hundred
    thousand events by pair or creator sorts in memory instead of spilling to disk."""
    if connection.vendor != "postgresql":
        yield
        return
    with connection.cursor() as cursor:
        cursor.execute("SET jit = off")
        cursor.execute("SET work_mem = '64MB'")
    try:
        yield
    finally:
        with connection.cursor() as cursor:
            cursor.execute("RESET jit")
            cursor.execute("RESET work_mem")


LIVE_PREFIX = "live:"  # a live run's lock token (`rollup_live`)
WANTED_KEY = "metrics-rollup-wanted"  # a full or hourly run waits: live runs hold back
LIVE_GRACE = 60.0  # seconds an hourly run waits for live runs to finish before skipping


@contextmanager
def _exclusive(*, wait: float, live: bool = False) -> Iterator[None]:
    """One roll-up at a time (a lock in the cache, Redis on the real stack): two runs
    would compute the same rows twice, a run that read a creator's old time zone could
    write its days over the recompute that the new zone asked for, and a live run could
    write a creator's rows newer than those an hourly run computed before it and writes
    after it (the dashboard would step back until the next event).

    Live runs (`live`) are short (one creator's last days) and give way: one never waits,
    and none starts while a full or hourly run waits for the lock (`WANTED_KEY`). Those
    wait `wait` seconds for each other, and at least `LIVE_GRACE` for live runs to end."""
    token = (LIVE_PREFIX if live else "run:") + uuid.uuid4().hex
    started = monotonic()
    while True:
        if live and cache.get(WANTED_KEY):
            raise RollupBusy
        if cache.add(LOCK_KEY, token, timeout=LOCK_SECONDS):
            break
        if live:
            raise RollupBusy
        holder = cache.get(LOCK_KEY) or ""
        waited = monotonic() - started
        if waited >= wait and not (holder.startswith(LIVE_PREFIX) and waited < LIVE_GRACE):
            cache.delete(WANTED_KEY)
            raise RollupBusy
        cache.set(WANTED_KEY, token, timeout=10)  # renewed while waiting
        sleep(0.05 if holder.startswith(LIVE_PREFIX) else 0.5)
    if not live:
        cache.delete(WANTED_KEY)
    try:
        yield
    finally:
        if cache.get(LOCK_KEY) == token:
            cache.delete(LOCK_KEY)


# --- Daily rows ------------------------------------------------------------------------


@dataclass(frozen=True)
class Span:
    """The days of one creator to (re)compute, in the creator's time zone."""

    creator_id: int
    start: date
    end: date


@dataclass
class RollupResult:
    start: date
    end: date
    days: int
    rows: int
    relationships: int
    seconds: float
    creators: int = 0


class _ZoneBatch:
    """The rows of the creators of one time zone, each over its own span of days.

    Every query filters on the creators' spans (one `created_at` range per distinct
    span) and groups by the zone's date, so it reads only the events it needs. With
    `trust_stored`, a creator whose row for the day before its span is stored starts
    its running gauges from that row (the incremental run); otherwise from aggregates
    over all earlier events (the backfill, a first run, a rebuild).
    """

    def __init__(self, zone_name: str, spans: list[Span], *, now: datetime, trust_stored: bool):
        self.tz = time_zones.zone(zone_name)
        self.now = now
        self.spans = {span.creator_id: span for span in spans}
        self.ids = sorted(self.spans)
        self.rows: dict[tuple[int, date], CreatorMetricsDay] = {}
        for span in spans:
            for day in _days(span.start, span.end):
                self.rows[(span.creator_id, day)] = CreatorMetricsDay(
                    creator_id=span.creator_id, date=day, computed_at=now
                )
        self.trust_stored = trust_stored

    # Ranges ----------------------------------------------------------------------------

    def _groups(self, ids: Iterable[int] | None = None) -> dict[tuple[date, date], list[int]]:
        groups = defaultdict(list)
        for creator_id in self.ids if ids is None else sorted(ids):
            span = self.spans[creator_id]
            groups[(span.start, span.end)].append(creator_id)
        return groups

    def _window(self, ids=None, *, before: int = 0, until_start: bool = False) -> Q:
        """Events of each creator (of `ids`, or all) from `before` days before its span's
        first day to the end of its last — or, with `until_start`, all before its span."""
        condition = Q(pk__in=[])
        for (start, end), group in self._groups(ids).items():
            if until_start:
                bounds = {"created_at__lt": day_start(start, self.tz)}
            else:
                bounds = {
                    "created_at__gte": day_start(start - timedelta(days=before), self.tz),
                    "created_at__lt": day_start(end + timedelta(days=1), self.tz),
                }
            condition |= Q(creator_id__in=group, **bounds)
        return condition

    def _day(self, field="created_at"):
        return TruncDate(field, tzinfo=self.tz)

    def _by_day(self, qs):
        return qs.annotate(day=self._day()).values("creator_id", "day")

    def _add(self, results, **renames) -> None:
        for item in results:
            row = self.rows.get((item["creator_id"], _as_date(item["day"])))
            if row is None:
                continue
            for column, key in renames.items():
                setattr(row, column, item[key] if item[key] is not None else 0)

    # The computation --------------------------------------------------------------------

    def compute(self) -> list[CreatorMetricsDay]:
        if not self.rows:
            return []
        events = EngagementEvent.objects.filter(self._window())
        flow_results, flow_columns = _flow_counts(self._by_day(events))
        self._add(flow_results, **flow_columns)
        self._add(
            self._by_day(_comments_answered(events, now=self.now)).annotate(
                answered=Count("id", filter=Q(answered_in_time=True)),
                open=Count(
                    "id", filter=Q(answered_in_time=False, created_at__gt=self.now - REPLY_WINDOW)
                ),
            ),
            answered_48h="answered",
            comments_open="open",
        )
        self._add(
            self._by_day(_money_events(events)).annotate(
                revenue=Sum("signed"),
                revenue_followers=Sum("signed", filter=Q(follow_state=K.FOLLOW)),
            ),
            revenue="revenue",
            revenue_followers="revenue_followers",
        )
        repeat_new = self._first_and_second_purchases()
        self._medians(events)
        bases = self._bases()
        self._running_gauges(bases, repeat_new)
        self._engaged_fans()
        self._conversion(bases)
        self._ror()
        return list(self.rows.values())

    def _first_and_second_purchases(self) -> dict[tuple[int, date], int]:
        """Each buyer's first paid order with a creator counts as a new buyer on its day
        (into the rows); returns the second ones, repeat buyers, per day. Ranked among
        the paid orders of only the (creator, buyer) pairs with a paid order inside the
        spans: whole partitions, so the ranks are those of all their orders."""
        paid = EngagementEvent.objects.filter(kind=K.ORDER_PAID).annotate(
            buyer=payload_int("buyer_id")
        )
        in_spans = paid.filter(
            self._window(), creator_id=OuterRef("creator_id"), buyer=OuterRef("buyer")
        )
        pairs = paid.filter(creator_id__in=self.ids).filter(Exists(in_spans))
        counts = {}
        for nth in (1, 2):
            nth_in_spans = EngagementEvent.objects.filter(
                self._window(), pk__in=_ranked_purchases(pairs, nth)
            )
            counts[nth] = self._by_day(nth_in_spans).annotate(n=Count("id"))
        self._add(counts[1], new_buyers="n")
        return {(item["creator_id"], _as_date(item["day"])): item["n"] for item in counts[2]}

    def _medians(self, events) -> None:
        """Median first-response time per creator and day: only the one or two middle
        replies of each day come back from the database (ranked by a window function)."""
        seconds = payload_int("response_seconds")
        partition = [F("creator_id"), self._day()]
        middle = (
            events.filter(kind=K.CREATOR_REPLY, payload__has_key="response_seconds")
            .annotate(
                seconds=seconds,
                day=self._day(),
                rank=Window(RowNumber(), partition_by=partition, order_by=[seconds.asc(), F("id")]),
                count=Window(Count("id"), partition_by=partition),
            )
            .filter(rank__gte=F("count") / 2.0, rank__lte=F("count") / 2.0 + 1)
            .values_list("creator_id", "day", "seconds")
        )
        found = defaultdict(list)
        for creator_id, day, value in middle:
            found[(creator_id, _as_date(day))].append(value)
        for key, values in found.items():
            if key in self.rows:
                self.rows[key].response_median_seconds = round(statistics.median(values))

    def _bases(self) -> dict[int, SimpleNamespace]:
        """Each creator's gauges at the end of the day before its span."""
        bases: dict[int, SimpleNamespace] = {}
        if self.trust_stored:
            condition = Q(pk__in=[])
            for (start, _end), group in self._groups().items():
                condition |= Q(creator_id__in=group, date=start - timedelta(days=1))
            for item in CreatorMetricsDay.objects.filter(condition).values("creator_id", *GAUGES):
                bases[item.pop("creator_id")] = SimpleNamespace(**item, stored=True)
        missing = [creator_id for creator_id in self.ids if creator_id not in bases]
        if not missing:
            return bases
        before = EngagementEvent.objects.filter(self._window(missing, until_start=True))
        counts = {
            item["creator_id"]: item
            for item in before.values("creator_id").annotate(
                follows=Count("id", filter=Q(kind=K.FOLLOW)),
                unfollows=Count("id", filter=Q(kind=K.UNFOLLOW)),
                comments=Count("id", filter=Q(kind__in=COMMENT_KINDS)),
                answered=Count(
                    "id", filter=Q(kind=K.CREATOR_REPLY, payload__has_key="response_seconds")
                ),
            )
        }
        buyers = {}
        for nth in (1, 2):
            ranked = _ranked_purchases(
                EngagementEvent.objects.filter(kind=K.ORDER_PAID, creator_id__in=missing).annotate(
                    buyer=payload_int("buyer_id")
                ),
                nth,
            )
            for item in before.filter(pk__in=ranked).values("creator_id").annotate(n=Count("id")):
                buyers[(item["creator_id"], nth)] = item["n"]
        for creator_id in missing:
            item = counts.get(creator_id, {})
            bases[creator_id] = SimpleNamespace(
                followers=item.get("follows", 0) - item.get("unfollows", 0),
                unanswered=item.get("comments", 0) - item.get("answered", 0),
                buyers_total=buyers.get((creator_id, 1), 0),
                repeat_buyers_total=buyers.get((creator_id, 2), 0),
                stored=False,
            )
        return bases

    def _running_gauges(self, bases, repeat_new) -> None:
        """Followers, unanswered backlog, buyers and repeat buyers at the end of each day:
        what stood before the span, plus the span's daily changes."""
        for creator_id in self.ids:
            span, base = self.spans[creator_id], bases[creator_id]
            followers, backlog = base.followers, base.unanswered
            buyers, repeaters = base.buyers_total, base.repeat_buyers_total
            for day in _days(span.start, span.end):
                row = self.rows[(creator_id, day)]
                followers += row.follows - row.unfollows
                backlog += row.comments - row.first_responses
                buyers += row.new_buyers
                repeaters += repeat_new.get((creator_id, day), 0)
                # Never below zero (an unfollow always follows a follow in the log).
                row.followers = max(followers, 0)
                row.unanswered = max(backlog, 0)
                row.buyers_total = buyers
                row.repeat_buyers_total = repeaters

    def _engaged_fans(self) -> None:
        """Distinct fans with an interaction in the 30 days ending with each day: one
        grouped query per day, over the creators whose span has that day."""
        by_day = defaultdict(list)
        for creator_id in self.ids:
            span = self.spans[creator_id]
            for day in _days(span.start, span.end):
                by_day[day].append(creator_id)
        for day, ids in sorted(by_day.items()):
            window_start = day - timedelta(days=metrics.ENGAGED_WINDOW_DAYS - 1)
            engaged = (
                _fan_events()
                .filter(
                    kind__in=INTERACTION_KINDS,
                    creator_id__in=ids,
                    created_at__gte=day_start(window_start, self.tz),
                    created_at__lt=day_start(day + timedelta(days=1), self.tz),
                )
                .values("creator_id")
                .annotate(n=Count("actor_id", distinct=True))
            )
            for item in engaged:
                self.rows[(item["creator_id"], day)].engaged_fans = item["n"]

    def _follow_cohorts(self, condition: Q):
        """Follows matching `condition`, grouped by (creator, day followed, day of the
        fan's first paid order in the 90 days after following — or None)."""
        window = timedelta(days=metrics.CONVERSION_WINDOW_DAYS)
        first_purchase = (
            EngagementEvent.objects.annotate(buyer=payload_int("buyer_id"))
            .filter(
                kind=K.ORDER_PAID,
                creator_id=OuterRef("creator_id"),
                buyer=OuterRef("actor_id"),
                created_at__gte=OuterRef("created_at"),
                created_at__lt=OuterRef("created_at") + Value(window),
            )
            .order_by("created_at")
            .values("created_at")[:1]
        )
        groups = (
            EngagementEvent.objects.filter(condition, kind=K.FOLLOW)
            .annotate(bought_at=Subquery(first_purchase))
            .annotate(day=self._day(), bought_day=self._day("bought_at"))
            .values("creator_id", "day", "bought_day")
            .annotate(n=Count("id"))
        )
        cohorts = defaultdict(list)
        for item in groups:
            bought = item["bought_day"]
            cohorts[item["creator_id"]].append(
                (_as_date(item["day"]), _as_date(bought) if bought else None, item["n"])
            )
        return cohorts

    def _conversion(self, bases) -> None:
        """Follows in the trailing 90 days and how many of them bought within 90 days.

        From a stored base row, day by day: follows_90d gains the day's follows and
        loses those of 90 days before; converted_90d gains the follows (of the last 90
        days) whose first purchase is that day and loses the follows of 90 days before
        that had converted by the day before. Only those two kinds of follows are read.
        Without a base, every follow that can fall in one of the span's windows is
        annotated once and each day adds up the groups inside its window.
        """
        days90 = metrics.CONVERSION_WINDOW_DAYS
        stored = [c for c in self.ids if bases[c].stored]
        history = [c for c in self.ids if not bases[c].stored]
        if history:
            cohorts = self._follow_cohorts(self._window(history, before=days90 - 1))
            for creator_id in history:
                span, cohort = self.spans[creator_id], cohorts.get(creator_id, [])
                for day in _days(span.start, span.end):
                    since = day - timedelta(days=days90 - 1)
                    inside = [
                        (bought, n) for followed, bought, n in cohort if since <= followed <= day
                    ]
                    row = self.rows[(creator_id, day)]
                    row.follows_90d = sum(n for _, n in inside)
                    row.converted_90d = sum(n for bought, n in inside if bought and bought <= day)
        if not stored:
            return
        # Follows 90 days before each day of the span (they leave the window) and follows
        # of the buyers who paid inside the spans, in the 90 days before (they may convert).
        leaving = Q(pk__in=[])
        for (start, end), group in self._groups(stored).items():
            leaving |= Q(
                creator_id__in=group,
                created_at__gte=day_start(start - timedelta(days=days90), self.tz),
                created_at__lt=day_start(end - timedelta(days=days90 - 1), self.tz),
            )
        buyers = (
            EngagementEvent.objects.filter(self._window(stored), kind=K.ORDER_PAID)
            .annotate(buyer=payload_int("buyer_id"))
            .values("buyer")
        )
        converting = self._window(stored, before=days90) & Q(actor_id__in=Subquery(buyers))
        cohorts = self._follow_cohorts(leaving | converting)
        for creator_id in stored:
            span, base, cohort = (
                self.spans[creator_id],
                bases[creator_id],
                cohorts.get(creator_id, []),
            )
            follows_90d, converted = base.follows_90d, base.converted_90d
            for day in _days(span.start, span.end):
                gone = day - timedelta(days=days90)
                row = self.rows[(creator_id, day)]
                follows_90d += row.follows
                for followed, bought, n in cohort:
                    if followed == gone:
                        follows_90d -= n
                        if bought is not None and bought < day:
                            converted -= n
                    if bought == day and followed > gone:
                        converted += n
                row.follows_90d, row.converted_90d = follows_90d, converted

    def _ror(self) -> None:
        """Each day's ROR over its trailing 30 days, reading the stored days before the
        span (light objects: only the columns the score needs)."""
        condition = Q(pk__in=[])
        for (start, _end), group in self._groups().items():
            condition |= Q(
                creator_id__in=group,
                date__gte=start - timedelta(days=metrics.ROR_WINDOW_DAYS - 1),
                date__lt=start,
            )
        earlier = defaultdict(list)
        for item in (
            CreatorMetricsDay.objects.filter(condition)
            .order_by("creator_id", "date")
            .values("creator_id", *metrics.SUMMARY_COLUMNS)
        ):
            earlier[item.pop("creator_id")].append(SimpleNamespace(**item))
        for creator_id in self.ids:
            span = self.spans[creator_id]
            series = earlier[creator_id] + [
                self.rows[(creator_id, day)] for day in _days(span.start, span.end)
            ]
            offset = len(earlier[creator_id])
            for index in range(offset, len(series)):
                window = series[max(0, index - metrics.ROR_WINDOW_DAYS + 1) : index + 1]
                series[index].ror_score = metrics.summarize(window).ror


def _flow_counts(by_day):
    def kind(*kinds, **extra):
        return Count("id", filter=Q(kind__in=kinds, **extra))

    counts = by_day.annotate(
        follows=kind(K.FOLLOW),
        unfollows=kind(K.UNFOLLOW),
        comments=kind(*COMMENT_KINDS),
        creator_replies=kind(K.CREATOR_REPLY),
        first_responses=kind(K.CREATOR_REPLY, payload__has_key="response_seconds"),
        posts=kind(K.POST_PUBLISHED),
        all_reactions=kind(K.REACTION),
        helpful_votes=kind(K.REACTION, payload__target="review"),
        orders=kind(K.ORDER_PLACED),
        buyers=Count(payload_int("buyer_id"), distinct=True, filter=Q(kind=K.ORDER_PAID)),
        all_reviews=kind(K.REVIEW),
        edits=kind(K.REVIEW, payload__edited=True),
        all_ratings=Sum(payload_int("rating"), filter=Q(kind=K.REVIEW)),
        edit_ratings=Sum(payload_int("rating"), filter=Q(kind=K.REVIEW, payload__edited=True)),
        all_responses=kind(K.REVIEW_RESPONSE),
        edited_responses=kind(K.REVIEW_RESPONSE, payload__edited=True),
        share_visits=kind(K.SHARE_VISIT),
        referral_purchases=kind(K.REFERRAL_PURCHASE),
    )
    results = []
    for item in counts:
        # A helpful vote on a review is not a reaction to content; an edit is not a new review.
        item["reactions"] = item["all_reactions"] - item["helpful_votes"]
        item["reviews"] = item["all_reviews"] - item["edits"]
        item["rating_sum"] = (item["all_ratings"] or 0) - (item["edit_ratings"] or 0)
        item["review_responses"] = item["all_responses"] - item["edited_responses"]
        results.append(item)
    columns = (
        "follows unfollows comments creator_replies first_responses posts reactions orders "
        "buyers reviews rating_sum review_responses share_visits referral_purchases"
    ).split()
    return results, {name: name for name in columns}


def _creator_replies_to(comment_ref: str = "target_id"):
    """The creator's replies to the outer comment (payload parent_id = its target id)."""
    return EngagementEvent.objects.annotate(parent=payload_int("parent_id")).filter(
        kind=K.CREATOR_REPLY,
        creator_id=OuterRef("creator_id"),
        parent=OuterRef(comment_ref),
    )


def _comments_answered(events, *, now: datetime):
    """Fan comments and questions, each annotated with whether the creator answered it
    within 48 h (and by `now`)."""
    within = (
        _creator_replies_to()
        .filter(created_at__lte=OuterRef("created_at") + Value(REPLY_WINDOW))
        .filter(created_at__lte=now)
    )
    return events.filter(kind__in=COMMENT_KINDS).annotate(answered_in_time=Exists(within))


def _money_events(events):
    """Paid amounts (positive) and refunds — a paid order cancelled — (negative), each
    with the buyer's follow state at that moment."""
    paid_before = (
        EngagementEvent.objects.annotate(number=KeyTextTransform("order", "payload"))
        .filter(kind=K.ORDER_PAID, creator_id=OuterRef("creator_id"), number=OuterRef("number"))
        .filter(created_at__lte=OuterRef("created_at"))
    )
    follow_state = (
        EngagementEvent.objects.filter(
            creator_id=OuterRef("creator_id"),
            actor_id=OuterRef("buyer"),
            kind__in=[K.FOLLOW, K.UNFOLLOW],
            created_at__lte=OuterRef("created_at"),
        )
        .order_by("-created_at", "-id")
        .values("kind")[:1]
    )
    return (
        events.annotate(number=KeyTextTransform("order", "payload"), buyer=payload_int("buyer_id"))
        .filter(Q(kind=K.ORDER_PAID) | Q(Q(kind=K.ORDER_CANCELLED) & Q(Exists(paid_before))))
        .annotate(
            signed=models.Case(
                models.When(kind=K.ORDER_PAID, then=payload_money("amount")),
                default=-payload_money("amount"),
                output_field=MONEY,
            ),
            follow_state=Subquery(follow_state),
        )
    )


def _ranked_purchases(paid, nth: int):
    """Ids of each buyer's `nth` paid order with a creator, among `paid` (which must
    hold every paid order of the buyers and creators it includes)."""
    return (
        paid.annotate(
            rank=Window(
                RowNumber(),
                partition_by=[F("creator_id"), F("buyer")],
                order_by=[F("created_at").asc(), F("id").asc()],
            )
        )
        .filter(rank=nth)
        .values("pk")
    )


def _rows_write(
    spans_by_zone: dict[str, list[Span]], *, now, trust_stored: bool, replace: bool = False
) -> int:
    """Compute and upsert the rows of the spans, zone by zone and `CREATORS_PER_BATCH`
    creators at a time (memory follows the batch, not the number of creators). With
    `replace`, each batch's creators lose their other rows in the same transaction."""
    written = 0
    for zone_name, spans in sorted(spans_by_zone.items()):
        spans = sorted(spans, key=lambda span: span.creator_id)
        for first in range(0, len(spans), CREATORS_PER_BATCH):
            batch = spans[first : first + CREATORS_PER_BATCH]
            rows = _ZoneBatch(zone_name, batch, now=now, trust_stored=trust_stored).compute()
            rows.sort(key=lambda row: (row.creator_id, row.date))  # one lock order
            with transaction.atomic():
                if replace:
                    CreatorMetricsDay.objects.filter(
                        creator_id__in=[span.creator_id for span in batch]
                    ).delete()
                _upsert(CreatorMetricsDay, rows, unique=["creator", "date"])
            written += len(rows)
    return written


def _profiles(creator_ids: list[int] | None = None):
    """(id, time zone, pending recompute request) of every creator (or of those given),
    in one query."""
    profiles = CreatorProfile.objects.order_by("pk")
    if creator_ids is not None:
        profiles = profiles.filter(pk__in=creator_ids)
    return list(profiles.values_list("pk", "time_zone", "metrics_recompute__requested_at"))


def rollup_range(
    *, start: date, end: date | None = None, now: datetime | None = None
) -> RollupResult:
    """Recompute every creator's rows for its days start..end (inclusive; each creator's
    days in its time zone, never beyond its today; `end` defaults to today), then every
    fan relationship. Idempotent: the same events give the same rows."""
    if end is not None and end < start:
        raise ValueError("The end date is before the start date.")
    with _exclusive(wait=LOCK_SECONDS), _rollup_session():
        started = timezone.now()
        now = now or started
        spans = defaultdict(list)
        for creator_id, zone_name, _requested in _profiles():
            today = local_date(now, time_zones.zone(zone_name))
            last = min(end, today) if end is not None else today
            if last >= start:
                spans[zone_name].append(Span(creator_id, start, last))
        rows = _rows_write(spans, now=now, trust_stored=False)
        relationships = relationships_rebuild(now=now)
        seconds = (timezone.now() - started).total_seconds()
    logger.info("metrics roll-up %s..%s: %s rows in %.1f s", start, end, rows, seconds)
    all_spans = [span for group in spans.values() for span in group]
    last_day = max((span.end for span in all_spans), default=end or start)
    return RollupResult(
        start,
        last_day,
        (last_day - start).days + 1,
        rows,
        relationships,
        seconds,
        creators=len(all_spans),
    )


# --- Fan relationships -----------------------------------------------------------------


def _relationships(*, now: datetime, fans: list[int] | None = None, creators=None, pairs=None):
    """Fan–creator relationships from events: one aggregate per kind of fact
    (interactions, follow state, purchases), merged per pair. Restricted to `fans` and
    `creators` (and then to `pairs`) when given."""
    found: dict[tuple[int, int], FanRelationship] = {}
    top_ratings: dict[tuple[int, int], int] = {}

    def pair(creator_id, fan_id) -> FanRelationship | None:
        key = (creator_id, fan_id)
        if pairs is not None and key not in pairs:
            return None
        if key not in found:
            found[key] = FanRelationship(creator_id=creator_id, fan_id=fan_id, updated_at=now)
        return found[key]

    interactions = _fan_events().filter(actor__isnull=False, kind__in=RELATIONSHIP_KINDS)
    purchases = (
        EngagementEvent.objects.filter(kind=K.ORDER_PAID, creator__isnull=False)
        .annotate(buyer=payload_int("buyer_id"))
        # Buyers whose account is gone keep counting in the daily rows, not as relationships.
        .filter(Exists(User.objects.filter(pk=OuterRef("buyer"))))
    )
    if fans is not None:
        interactions = interactions.filter(actor_id__in=fans)
        purchases = purchases.filter(buyer__in=fans)
    if creators is not None:
        interactions = interactions.filter(creator_id__in=creators)
        purchases = purchases.filter(creator_id__in=creators)
    for item in interactions.values("creator_id", "actor_id").annotate(
        n=Count("id", filter=Q(kind__in=INTERACTION_KINDS)),
        first=Min("created_at", filter=Q(kind__in=INTERACTION_KINDS)),
        last=Max("created_at", filter=Q(kind__in=INTERACTION_KINDS)),
        last_comment=Max("id", filter=Q(kind__in=COMMENT_KINDS)),
        top_rating=Max(payload_int("rating"), filter=Q(kind=K.REVIEW)),
        followed=Max("created_at", filter=Q(kind=K.FOLLOW)),
        unfollowed=Max("created_at", filter=Q(kind=K.UNFOLLOW)),
    ):
        rel = pair(item["creator_id"], item["actor_id"])
        if rel is None:
            continue
        rel.interactions = item["n"]
        rel.first_interaction_at, rel.last_interaction_at = item["first"], item["last"]
        rel.last_comment_event_id = item["last_comment"]
        rel.reviewed = item["top_rating"] is not None
        top_ratings[(item["creator_id"], item["actor_id"])] = item["top_rating"] or 0
        followed, unfollowed = item["followed"], item["unfollowed"]
        rel.is_follower = followed is not None and (unfollowed is None or followed > unfollowed)
        rel.followed_at = followed if rel.is_follower else None

    for item in purchases.values("creator_id", "buyer").annotate(
        n=Count("id"), spent=Coalesce(Sum(payload_money("amount")), Decimal("0"))
    ):
        rel = pair(item["creator_id"], item["buyer"])
        if rel is None:
            continue
        rel.purchases, rel.spent = item["n"], item["spent"]

    referrals = _referral_purchases(fans=fans, creators=creators)
    for key in referrals:
        pair(*key)  # a fan who brought purchases has a relationship, bought or not

    fading_before = now - timedelta(days=metrics.FADING_AFTER_DAYS)
    for key, rel in found.items():
        rel.stage = relationship_stage(
            rel,
            top_rating=top_ratings.get(key, 0),
            engaged_since=fading_before,
            referrals=referrals.get(key, 0),
        )
        rel.is_fading = bool(rel.last_interaction_at) and rel.last_interaction_at < fading_before
    return [found[key] for key in sorted(found)]


def relationships_rebuild(*, now: datetime) -> int:
    """Rebuild every fan–creator relationship from events, `CREATORS_PER_BATCH`
    creators at a time."""
    written = 0
    ids = list(CreatorProfile.objects.order_by("pk").values_list("pk", flat=True))
    for first in range(0, len(ids), CREATORS_PER_BATCH):
        relationships = _relationships(now=now, creators=ids[first : first + CREATORS_PER_BATCH])
        with transaction.atomic():
            _upsert(FanRelationship, relationships, unique=["creator", "fan"])
        written += len(relationships)
    return written


def relationships_update(
    *, pairs: set[tuple[int, int]], now: datetime, creator_ids: list[int] | None = None
) -> int:
    """Recompute the (creator, fan) pairs given — those with new events — from all their
    events, then let time act on the others (of `creator_ids`, or every creator): an
    engaged fan whose last interaction has just become 30 days old is fading now, and no
    longer engaged."""
    written = 0
    by_fan = defaultdict(set)
    for creator_id, fan_id in pairs:
        by_fan[fan_id].add(creator_id)
    fans = sorted(by_fan)
    for first in range(0, len(fans), RELATIONSHIP_CHUNK):
        chunk = fans[first : first + RELATIONSHIP_CHUNK]
        creators = sorted(set().union(*(by_fan[fan] for fan in chunk)))
        relationships = _relationships(now=now, fans=chunk, creators=creators, pairs=pairs)
        with transaction.atomic():
            _upsert(FanRelationship, relationships, unique=["creator", "fan"])
        written += len(relationships)
    relationships_fade(now=now, creator_ids=creator_ids)
    return written


def relationships_fade(*, now: datetime, creator_ids: list[int] | None = None) -> int:
    """What the passing of time alone changes in a relationship (no event needed)."""
    S = RelationshipStage
    cutoff = now - timedelta(days=metrics.FADING_AFTER_DAYS)
    quiet = FanRelationship.objects.filter(is_fading=False, last_interaction_at__lt=cutoff)
    if creator_ids is not None:
        quiet = quiet.filter(creator_id__in=creator_ids)
    return quiet.update(
        is_fading=True,
        stage=models.Case(
            models.When(
                stage=S.ENGAGED,
                then=models.Case(
                    models.When(is_follower=True, then=Value(S.FOLLOWER)),
                    default=Value(S.VISITOR),
                ),
            ),
            default=F("stage"),
            output_field=models.PositiveSmallIntegerField(),
        ),
        updated_at=now,
    )


def _referral_purchases(*, fans=None, creators=None) -> dict[tuple[int, int], int]:
    """(creator, fan) → purchases the fan's share links brought the creator
    (`referral_purchase` events have the sharer as actor), for these fans and creators."""
    found = _fan_events().filter(kind=K.REFERRAL_PURCHASE, actor__isnull=False)
    if fans is not None:
        found = found.filter(actor_id__in=fans)
    if creators is not None:
        found = found.filter(creator_id__in=creators)
    found = found.values("creator_id", "actor_id").annotate(n=Count("id"))
    return {(item["creator_id"], item["actor_id"]): item["n"] for item in found}


ADVOCATE_MIN_RATING = 4


def relationship_stage(
    rel: FanRelationship, *, top_rating: int, engaged_since: datetime, referrals: int = 0
) -> int:
    """The highest rung the fan holds now (docs/metrics.md, "Relationship stages")."""
    S = RelationshipStage
    if referrals:
        return S.ADVOCATE  # their share links brought the creator purchases
    if rel.purchases and top_rating >= ADVOCATE_MIN_RATING:
        return S.ADVOCATE
    if rel.purchases >= 2:
        return S.REPEAT_BUYER
    if rel.purchases:
        return S.BUYER
    if rel.last_interaction_at and rel.last_interaction_at >= engaged_since:
        return S.ENGAGED
    if rel.is_follower:
        return S.FOLLOWER
    return S.VISITOR


# --- Recompute requests ----------------------------------------------------------------


def metrics_recompute_request(*, creator: CreatorProfile) -> None:
    """Ask the roll-up to rebuild every row of `creator` (e.g. its days moved to another
    time zone). Call inside the transaction that made the change: the request is a row
    (the next roll-up finds it even if the broker is down), and a roll-up is enqueued on
    commit so that it happens within seconds rather than at the next hourly run."""
    MetricsRecompute.objects.update_or_create(
        creator=creator, defaults={"requested_at": timezone.now()}
    )
    # The backstop: the hourly run does the recompute.
    enqueue_on_commit("creators.tasks.metrics_rollup_task")


def metrics_recompute_waiting() -> bool:
    """Whether any creator waits for their rows to be rebuilt."""
    return MetricsRecompute.objects.exists()


# --- Incremental run -------------------------------------------------------------------


def rollup_incremental(*, now: datetime | None = None) -> RollupResult | None:
    """What beat runs. Recomputes only what changed since the watermark (see the module
    docstring), then moves the watermark to the newest event counted. Returns None when
    another roll-up is running (the next run does the work)."""
    try:
        with _exclusive(wait=0), _rollup_session():
            return _incremental(now=now or timezone.now())
    except RollupBusy:
        logger.info("metrics roll-up: another run holds the lock; skipped")
        return None


@dataclass
class _Plan:
    """What a run recomputes: per time zone, each creator's span of days."""

    spans: dict[str, list[Span]]
    replaced: set[int]  # creators rebuilt from history (a time-zone change)
    requests: list[tuple[int, datetime]]  # their recompute requests, deleted afterwards
    new: models.QuerySet  # the events new since the watermark (their fan–creator pairs)
    newest: int  # the highest id among them


def _plan(
    *, mark: MetricsWatermark | None, now: datetime, creator_ids: list[int] | None = None
) -> _Plan:
    """The spans an incremental run at `now` recomputes, from the watermark `mark`: for
    every creator, or only for `creator_ids` (a live run: the same spans for them)."""
    profiles = _profiles(creator_ids)
    events = EngagementEvent.objects.filter(creator__isnull=False, kind__in=ROLLUP_KINDS)
    stored_rows = CreatorMetricsDay.objects.order_by()
    if creator_ids is not None:
        events = events.filter(creator_id__in=creator_ids)
        stored_rows = stored_rows.filter(creator_id__in=creator_ids)
    if mark is None:
        new = events
    else:
        new = events.filter(
            Q(pk__gt=mark.last_event_id) | Q(created_at__gte=mark.rolled_up_to - LATE_COMMIT_MARGIN)
        )
    # Per creator, the earliest moment a new event changes: its own time, or for a
    # creator's reply the 48 h before it (the reply rate of the comment it answers).
    affected = {
        item["creator_id"]: item
        for item in new.values("creator_id").annotate(
            oldest=Min("created_at"),
            oldest_reply=Min("created_at", filter=Q(kind=K.CREATOR_REPLY)),
            newest=Max("pk"),
        )
    }
    newest = max((item["newest"] for item in affected.values()), default=0)
    expired = {}
    if mark is not None:
        # Comments whose 48 h ran out since the last run, unanswered: their day's
        # reply rate now counts them as missed.
        expired = dict(
            _comments_answered(
                events.filter(
                    kind__in=COMMENT_KINDS,
                    created_at__gt=mark.rolled_up_to - REPLY_WINDOW,
                    created_at__lte=now - REPLY_WINDOW,
                ),
                now=now,
            )
            .filter(answered_in_time=False)
            .values("creator_id")
            .annotate(oldest=Min("created_at"))
            .values_list("creator_id", "oldest")
        )
    stored = {
        item["creator_id"]: item
        for item in stored_rows.values("creator_id").annotate(first=Min("date"), last=Max("date"))
    }

    first_run_start = now.astimezone(UTC).date() - timedelta(days=FIRST_DAY_DEFAULT - 1)
    spans = defaultdict(list)
    replaced, requests = set(), []
    too_old = None
    for creator_id, zone_name, requested_at in profiles:
        tz = time_zones.zone(zone_name)
        today = local_date(now, tz)
        days = stored.get(creator_id)
        if requested_at is not None:
            # Rebuild every day the creator had, in its time zone now.
            requests.append((creator_id, requested_at))
            replaced.add(creator_id)
            start = min(days["first"] if days else today, today)
            if mark is None:
                start = min(start, first_run_start)
        elif mark is None:
            start = first_run_start
        else:
            starts = [days["last"] + timedelta(days=1) if days else today]
            if creator_id in affected:
                item = affected[creator_id]
                moments = [item["oldest"]]
                if item["oldest_reply"] is not None:
                    moments.append(item["oldest_reply"] - REPLY_WINDOW)
                starts.append(local_date(min(moments), tz))
            if creator_id in expired:
                starts.append(local_date(expired[creator_id], tz))
            start = min(starts)
            if start > today:
                continue
        earliest = today - timedelta(days=MAX_INCREMENTAL_DAYS - 1)
        if start < earliest:
            too_old = earliest
            start = earliest
        spans[zone_name].append(Span(creator_id, start, today))
    if too_old is not None:
        # Beyond this the task would outgrow its time limit: backfill older days with
        # `manage.py metrics_rollup --from … --to …` (docs/metrics.md).
        logger.warning("metrics roll-up: events before %s need a backfill", too_old)
    return _Plan(dict(spans), replaced, requests, new, newest)


def _incremental(*, now: datetime) -> RollupResult:
    started = timezone.now()
    mark = MetricsWatermark.objects.filter(name=WATERMARK).first()
    plan = _plan(mark=mark, now=now)
    spans, replaced = plan.spans, plan.replaced

    # A full recompute on the first run and for rebuilt creators; otherwise each span's
    # gauges start from the stored row of the day before it.
    rows = _rows_write(
        {z: [s for s in group if s.creator_id not in replaced] for z, group in spans.items()},
        now=now,
        trust_stored=mark is not None,
    )
    rows += _rows_write(
        {z: [s for s in group if s.creator_id in replaced] for z, group in spans.items()},
        now=now,
        trust_stored=False,
        replace=True,
    )

    if mark is None:
        relationships = relationships_rebuild(now=now)
    else:
        relationships = relationships_update(pairs=_pairs_in(plan.new), now=now)

    for creator_id, requested_at in plan.requests:
        # Kept if the creator asked again meanwhile (the next run rebuilds again).
        MetricsRecompute.objects.filter(creator_id=creator_id, requested_at=requested_at).delete()
    MetricsWatermark.objects.update_or_create(
        name=WATERMARK,
        defaults={
            "rolled_up_to": now,
            "last_event_id": max(plan.newest, mark.last_event_id if mark else 0),
        },
    )
    result = _result(spans, now=now, rows=rows, relationships=relationships, started=started)
    logger.info(
        "metrics roll-up (incremental): %s creators, %s rows, %s relationships in %.1f s",
        result.creators,
        rows,
        relationships,
        result.seconds,
    )
    return result


def _result(spans, *, now, rows, relationships, started) -> RollupResult:
    all_spans = [span for group in spans.values() for span in group]
    first = min((span.start for span in all_spans), default=now.date())
    last = max((span.end for span in all_spans), default=now.date())
    return RollupResult(
        first,
        last,
        (last - first).days + 1,
        rows,
        relationships,
        (timezone.now() - started).total_seconds(),
        creators=len(all_spans),
    )


# --- Live run ---------------------------------------------------------------------------


def rollup_live(*, creator_id: int, now: datetime | None = None) -> RollupResult | None:
    """Bring one creator's rows and relationships up to date now — what the hourly run
    would write for them at this moment, with the same code (`_plan` restricted to the
    creator, `_rows_write`, `relationships_update`), leaving the watermark where it is:
    the next hourly run recomputes the creator again, and stays the source of truth.

    Runs after the creator's events are dispatched (creators/tasks.py, debounced by
    `live_slot_take`). Returns None when another roll-up holds the lock (the caller
    retries shortly); before the first hourly run (no watermark) it is that first run."""
    try:
        with _exclusive(wait=0, live=True), _rollup_session():
            now = now or timezone.now()
            mark = MetricsWatermark.objects.filter(name=WATERMARK).first()
            if mark is None:
                return _incremental(now=now)
            return _live(creator_id=creator_id, mark=mark, now=now)
    except RollupBusy:
        return None


def _live(*, creator_id: int, mark: MetricsWatermark, now: datetime) -> RollupResult:
    started = timezone.now()
    plan = _plan(mark=mark, now=now, creator_ids=[creator_id])
    if plan.replaced:
        # The creator's days moved to another time zone: the rebuild (already enqueued
        # by the change) rewrites every row; nothing to do here meanwhile.
        return _result({}, now=now, rows=0, relationships=0, started=started)
    rows = _rows_write(plan.spans, now=now, trust_stored=True)
    relationships = relationships_update(
        pairs=_pairs_in(plan.new), now=now, creator_ids=[creator_id]
    )
    return _result(plan.spans, now=now, rows=rows, relationships=relationships, started=started)


LIVE_KEY = "metrics-live:{}"


def live_slot_take(*, creator_id: int, seconds: float) -> bool:
    """Debounce: True for the first event of a creator in a window of `seconds` (its live
    run is then scheduled `seconds` later and counts every event of the window); False
    while that run is pending. Once the window has passed, the next event opens another,
    so an event that arrives while a run is under way is counted by the next run."""
    return cache.add(LIVE_KEY.format(creator_id), 1, timeout=seconds)


def live_slot_release(*, creator_id: int) -> None:
    """The live run could not be scheduled: let the next event try again."""
    cache.delete(LIVE_KEY.format(creator_id))


def live_creator_of(*, event_id: int) -> int | None:
    """The creator whose metrics the event changes (None for kinds no metric reads)."""
    return (
        EngagementEvent.objects.filter(pk=event_id, creator__isnull=False, kind__in=ROLLUP_KINDS)
        .values_list("creator_id", flat=True)
        .first()
    )


def _pairs_in(new) -> set[tuple[int, int]]:
    """The fan–creator pairs new events touch: the fan who acted (or whose share link
    brought a purchase), and the buyer of a paid order (whoever marked it paid)."""
    acted = (
        new.filter(actor__isnull=False, kind__in=[*RELATIONSHIP_KINDS, K.REFERRAL_PURCHASE])
        .exclude(actor_id=F("creator__user_id"))
        .values_list("creator_id", "actor_id")
        .distinct()
    )
    bought = (
        new.filter(kind=K.ORDER_PAID)
        .annotate(buyer=payload_int("buyer_id"))
        .filter(buyer__isnull=False)
        .values_list("creator_id", "buyer")
        .distinct()
    )
    return set(acted) | set(bought)
