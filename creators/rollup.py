"""Roll engagement events up into `CreatorMetricsDay` and `FanRelationship` rows.

Everything is computed from `EngagementEvent` alone (order events carry amount and
buyer in their payload), so creators/ never imports shops/ and any day can be rebuilt.
Each metric is one aggregate query grouped by creator (and day) that runs the same on
PostgreSQL and SQLite; Python only adds up per-day totals into running gauges and
combines per-pair aggregates. Days are UTC days.

Re-running a day replaces its row (upsert on creator+date), so a run is idempotent. The
watermark is the id of the last event counted: a run recomputes from the oldest day any
new event belongs to (a late event for an old day included) and never less than
`LOOKBACK_DAYS`, because a creator's reply today changes the 48 h reply rate of a
comment made two days ago.
"""

import logging
import statistics
from collections import defaultdict
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from decimal import Decimal

from django.db import models, transaction
from django.db.models import Count, Exists, F, Max, Min, OuterRef, Q, Subquery, Sum, Value, Window
from django.db.models.fields.json import KeyTextTransform
from django.db.models.functions import Cast, Coalesce, RowNumber, TruncDate
from django.utils import timezone

from creators import metrics
from creators.models import (
    CreatorMetricsDay,
    CreatorProfile,
    EngagementEvent,
    EventKind,
    FanRelationship,
    MetricsWatermark,
    RelationshipStage,
    User,
)

logger = logging.getLogger(__name__)

K = EventKind
WATERMARK = "relationship_metrics"
LOOKBACK_DAYS = 3  # 48 h reply window + the day boundary
FIRST_DAY_DEFAULT = 90  # days the first incremental run covers
MAX_INCREMENTAL_DAYS = 400  # older late events are left to the backfill command
COMMENT_KINDS = [K.COMMENT, K.QUESTION]
# What counts as a fan interacting with a creator (follows are audience, not interaction).
INTERACTION_KINDS = [K.COMMENT, K.QUESTION, K.REPLY, K.REACTION, K.REVIEW, K.ORDER_PLACED]
MONEY = models.DecimalField(max_digits=14, decimal_places=2)


def payload_int(key: str):
    return Cast(KeyTextTransform(key, "payload"), models.BigIntegerField())


def payload_money(key: str):
    return Cast(KeyTextTransform(key, "payload"), MONEY)


def _day_start(day: date) -> datetime:
    return datetime.combine(day, time.min, tzinfo=UTC)


def _days(start: date, end: date) -> list[date]:
    return [start + timedelta(days=n) for n in range((end - start).days + 1)]


def _fan_events():
    """Events a fan caused towards a creator (the creator's own actions excluded)."""
    return EngagementEvent.objects.filter(creator__isnull=False).exclude(
        actor_id=F("creator__user_id")
    )


def _by_day(qs):
    return qs.annotate(day=TruncDate("created_at", tzinfo=UTC)).values("creator_id", "day")


def _as_date(value) -> date:
    return value if isinstance(value, date) else date.fromisoformat(str(value))


def _upsert(model, objects, *, unique: list[str]) -> None:
    """INSERT … ON CONFLICT DO UPDATE of every other column: re-running replaces rows."""
    with transaction.atomic():
        model.objects.bulk_create(
            objects,
            batch_size=1000,
            update_conflicts=True,
            unique_fields=unique,
            update_fields=[
                f.name for f in model._meta.concrete_fields if f.name not in ("id", *unique)
            ],
        )


# --- Daily rows ------------------------------------------------------------------------


@dataclass
class RollupResult:
    start: date
    end: date
    days: int
    rows: int
    relationships: int
    seconds: float


def rollup_range(*, start: date, end: date, now: datetime | None = None) -> RollupResult:
    """Recompute every creator's rows for the UTC days start..end (inclusive), then the
    fan relationships. Idempotent: the same events give the same rows."""
    if end < start:
        raise ValueError("The end date is before the start date.")
    started = timezone.now()
    now = now or started
    t0, t1 = _day_start(start), _day_start(end + timedelta(days=1))
    days = _days(start, end)
    creator_ids = list(CreatorProfile.objects.values_list("pk", flat=True))
    rows = {(c, d): CreatorMetricsDay(creator_id=c, date=d) for c in creator_ids for d in days}

    def add(results, **renames):
        for item in results:
            row = rows.get((item["creator_id"], _as_date(item["day"])))
            if row is None:
                continue
            for column, key in renames.items():
                setattr(row, column, item[key] if item[key] is not None else 0)

    events = EngagementEvent.objects.filter(
        creator__isnull=False, created_at__gte=t0, created_at__lt=t1
    )
    flow_results, flow_columns = _flow_counts(events)
    add(flow_results, **flow_columns)
    add(_answered_within_48h(events, now=now), answered_48h="answered", comments_open="open")
    add(_revenue(events), revenue="revenue", revenue_followers="revenue_followers")
    add(_nth_purchases(t0, t1, 1), new_buyers="n")
    _medians_into(rows, events)
    _running_gauges(rows, creator_ids, days, t0)
    for day in days:
        _engaged_fans(rows, day)
    _conversion_gauges(rows, days)
    _ror_into(rows, creator_ids, start)

    _upsert(CreatorMetricsDay, rows.values(), unique=["creator", "date"])
    relationships = relationships_rebuild(now=now)
    seconds = (timezone.now() - started).total_seconds()
    logger.info("metrics roll-up %s..%s: %s rows in %.1f s", start, end, len(rows), seconds)
    return RollupResult(start, end, len(days), len(rows), relationships, seconds)


def _flow_counts(events):
    def kind(*kinds, **extra):
        return Count("id", filter=Q(kind__in=kinds, **extra))

    counts = _by_day(events).annotate(
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


def _answered_within_48h(events, *, now: datetime):
    window = timedelta(hours=metrics.REPLY_WITHIN_HOURS)
    within = (
        _creator_replies_to()
        .filter(created_at__lte=OuterRef("created_at") + Value(window))
        .filter(created_at__lte=now)
    )
    comments = events.filter(kind__in=COMMENT_KINDS).annotate(answered_in_time=Exists(within))
    return _by_day(comments).annotate(
        answered=Count("id", filter=Q(answered_in_time=True)),
        open=Count("id", filter=Q(answered_in_time=False, created_at__gt=now - window)),
    )


def _revenue(events):
    """Paid amounts on the day paid, less refunds (a paid order cancelled) on their day;
    split by whether the buyer followed the creator at that moment."""
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
    money = (
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
    return _by_day(money).annotate(
        revenue=Sum("signed"), revenue_followers=Sum("signed", filter=Q(follow_state=K.FOLLOW))
    )


def _nth_purchases(t0: datetime, t1: datetime, nth: int, *, grouped: bool = True):
    """Each buyer's `nth` paid order with a creator, grouped by the day it happened."""
    ranked = (
        EngagementEvent.objects.filter(kind=K.ORDER_PAID, creator__isnull=False)
        .annotate(
            rank=Window(
                RowNumber(),
                partition_by=[F("creator_id"), payload_int("buyer_id")],
                order_by=[F("created_at").asc(), F("id").asc()],
            )
        )
        .filter(rank=nth)
        .values("pk")
    )
    nth_events = EngagementEvent.objects.filter(
        pk__in=ranked, created_at__gte=t0, created_at__lt=t1
    )
    if not grouped:
        return nth_events.values("creator_id").annotate(n=Count("id"))
    return _by_day(nth_events).annotate(n=Count("id"))


def _medians_into(rows, events) -> None:
    """Median first-response time per creator and day: only the one or two middle
    replies of each day come back from the database (ranked by a window function)."""
    seconds = payload_int("response_seconds")
    partition = [F("creator_id"), TruncDate("created_at", tzinfo=UTC)]
    middle = (
        events.filter(kind=K.CREATOR_REPLY, payload__has_key="response_seconds")
        .annotate(
            seconds=seconds,
            day=TruncDate("created_at", tzinfo=UTC),
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
        if key in rows:
            rows[key].response_median_seconds = round(statistics.median(values))


def _running_gauges(rows, creator_ids, days, t0) -> None:
    """Followers, unanswered backlog, buyers and repeat buyers at the end of each day:
    what stood before the range, plus the range's daily changes."""
    before = EngagementEvent.objects.filter(creator__isnull=False, created_at__lt=t0)
    base = {
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
    epoch = datetime(1970, 1, 1, tzinfo=UTC)
    buyers_before = {i["creator_id"]: i["n"] for i in _nth_purchases(epoch, t0, 1, grouped=False)}
    repeat_before = {i["creator_id"]: i["n"] for i in _nth_purchases(epoch, t0, 2, grouped=False)}
    t1 = _day_start(days[-1] + timedelta(days=1))
    repeat_new = {(i["creator_id"], _as_date(i["day"])): i["n"] for i in _nth_purchases(t0, t1, 2)}
    for creator_id in creator_ids:
        start = base.get(creator_id, {})
        followers = start.get("follows", 0) - start.get("unfollows", 0)
        backlog = start.get("comments", 0) - start.get("answered", 0)
        buyers = buyers_before.get(creator_id, 0)
        repeaters = repeat_before.get(creator_id, 0)
        for day in days:
            row = rows[(creator_id, day)]
            followers += row.follows - row.unfollows
            backlog += row.comments - row.first_responses
            buyers += row.new_buyers
            repeaters += repeat_new.get((creator_id, day), 0)
            row.followers = max(followers, 0)
            row.unanswered = max(backlog, 0)
            row.buyers_total = buyers
            row.repeat_buyers_total = repeaters


def _engaged_fans(rows, day: date) -> None:
    """Distinct fans with an interaction in the 30 days ending with `day`."""
    end = _day_start(day + timedelta(days=1))
    engaged = (
        _fan_events()
        .filter(
            kind__in=INTERACTION_KINDS,
            created_at__gte=end - timedelta(days=metrics.ENGAGED_WINDOW_DAYS),
            created_at__lt=end,
        )
        .values("creator_id")
        .annotate(n=Count("actor_id", distinct=True))
    )
    for item in engaged:
        rows[(item["creator_id"], day)].engaged_fans = item["n"]


def _conversion_gauges(rows, days: list[date]) -> None:
    """Follows in the trailing 90 days and how many of them bought within 90 days.

    Each follow that can fall in any of the range's windows is annotated once with the
    fan's first paid order in the 90 days after it; one grouped query then gives, per
    (follow day, conversion day), how many follows there are, and each day's gauge adds
    up the groups inside its window: follow day in the last 90 days, conversion day (the
    purchase) no later than the day itself.
    """
    window = timedelta(days=metrics.CONVERSION_WINDOW_DAYS)
    first = days[0] - timedelta(days=metrics.CONVERSION_WINDOW_DAYS - 1)
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
        EngagementEvent.objects.filter(
            kind=K.FOLLOW,
            creator__isnull=False,
            created_at__gte=_day_start(first),
            created_at__lt=_day_start(days[-1] + timedelta(days=1)),
        )
        .annotate(bought_at=Subquery(first_purchase))
        .annotate(
            day=TruncDate("created_at", tzinfo=UTC), bought_day=TruncDate("bought_at", tzinfo=UTC)
        )
        .values("creator_id", "day", "bought_day")
        .annotate(n=Count("id"))
    )
    by_creator = defaultdict(list)
    for item in groups:
        bought = item["bought_day"]
        by_creator[item["creator_id"]].append(
            (_as_date(item["day"]), _as_date(bought) if bought else None, item["n"])
        )
    for creator_id, cohort in by_creator.items():
        for day in days:
            since = day - timedelta(days=metrics.CONVERSION_WINDOW_DAYS - 1)
            row = rows.get((creator_id, day))
            if row is None:
                continue
            inside = [(bought, n) for followed, bought, n in cohort if since <= followed <= day]
            row.follows_90d = sum(n for _, n in inside)
            row.converted_90d = sum(n for bought, n in inside if bought and bought <= day)


def _ror_into(rows, creator_ids, start: date) -> None:
    """Each day's ROR over its trailing 30 days, reading the stored days before the range."""
    earlier = defaultdict(list)
    for row in CreatorMetricsDay.objects.filter(
        date__gte=start - timedelta(days=metrics.ROR_WINDOW_DAYS - 1), date__lt=start
    ).order_by("date"):
        earlier[row.creator_id].append(row)
    by_creator = defaultdict(list)
    for (creator_id, _day), row in sorted(rows.items(), key=lambda item: item[0][1]):
        by_creator[creator_id].append(row)
    for creator_id in creator_ids:
        series = earlier[creator_id] + by_creator[creator_id]
        offset = len(earlier[creator_id])
        for index in range(offset, len(series)):
            window = series[max(0, index - metrics.ROR_WINDOW_DAYS + 1) : index + 1]
            series[index].ror_score = metrics.summarize(window).ror


# --- Fan relationships -----------------------------------------------------------------


def relationships_rebuild(*, now: datetime) -> int:
    """Rebuild every fan–creator relationship from events: one aggregate per kind of
    fact (interactions, follow state, purchases), merged per pair and upserted."""
    pairs: dict[tuple[int, int], FanRelationship] = {}
    top_ratings: dict[tuple[int, int], int] = {}

    def pair(creator_id, fan_id) -> FanRelationship:
        key = (creator_id, fan_id)
        if key not in pairs:
            pairs[key] = FanRelationship(creator_id=creator_id, fan_id=fan_id, updated_at=now)
        return pairs[key]

    interactions = (
        _fan_events()
        .filter(actor__isnull=False, kind__in=[*INTERACTION_KINDS, K.FOLLOW, K.UNFOLLOW])
        .values("creator_id", "actor_id")
        .annotate(
            n=Count("id", filter=Q(kind__in=INTERACTION_KINDS)),
            first=Min("created_at", filter=Q(kind__in=INTERACTION_KINDS)),
            last=Max("created_at", filter=Q(kind__in=INTERACTION_KINDS)),
            last_comment=Max("id", filter=Q(kind__in=COMMENT_KINDS)),
            top_rating=Max(payload_int("rating"), filter=Q(kind=K.REVIEW)),
            followed=Max("created_at", filter=Q(kind=K.FOLLOW)),
            unfollowed=Max("created_at", filter=Q(kind=K.UNFOLLOW)),
        )
    )
    for item in interactions:
        rel = pair(item["creator_id"], item["actor_id"])
        rel.interactions = item["n"]
        rel.first_interaction_at, rel.last_interaction_at = item["first"], item["last"]
        rel.last_comment_event_id = item["last_comment"]
        rel.reviewed = item["top_rating"] is not None
        top_ratings[(item["creator_id"], item["actor_id"])] = item["top_rating"] or 0
        followed, unfollowed = item["followed"], item["unfollowed"]
        rel.is_follower = followed is not None and (unfollowed is None or followed > unfollowed)
        rel.followed_at = followed if rel.is_follower else None

    # Buyers whose account is gone keep counting in the daily rows, not as relationships.
    purchases = (
        EngagementEvent.objects.filter(kind=K.ORDER_PAID, creator__isnull=False)
        .annotate(buyer=payload_int("buyer_id"))
        .filter(Exists(User.objects.filter(pk=OuterRef("buyer"))))
        .values("creator_id", "buyer")
        .annotate(n=Count("id"), spent=Coalesce(Sum(payload_money("amount")), Decimal("0")))
    )
    for item in purchases:
        rel = pair(item["creator_id"], item["buyer"])
        rel.purchases, rel.spent = item["n"], item["spent"]

    referrals = _referral_purchases()
    for key in referrals:
        pair(*key)  # a fan who brought purchases has a relationship, bought or not

    fading_before = now - timedelta(days=metrics.FADING_AFTER_DAYS)
    for key, rel in pairs.items():
        rel.stage = relationship_stage(
            rel,
            top_rating=top_ratings.get(key, 0),
            engaged_since=fading_before,
            referrals=referrals.get(key, 0),
        )
        rel.is_fading = bool(rel.last_interaction_at) and rel.last_interaction_at < fading_before

    _upsert(FanRelationship, pairs.values(), unique=["creator", "fan"])
    return len(pairs)


def _referral_purchases() -> dict[tuple[int, int], int]:
    """(creator, fan) → purchases the fan's share links brought the creator
    (`referral_purchase` events have the sharer as actor)."""
    found = (
        _fan_events()
        .filter(kind=K.REFERRAL_PURCHASE, actor__isnull=False)
        .values("creator_id", "actor_id")
        .annotate(n=Count("id"))
    )
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


# --- Incremental run -------------------------------------------------------------------


def rollup_incremental(*, now: datetime | None = None) -> RollupResult | None:
    """What beat runs: recompute from the oldest day a new event belongs to (or the
    lookback), up to today, then move the watermark to the newest event counted."""
    now = now or timezone.now()
    mark = MetricsWatermark.objects.filter(name=WATERMARK).first()
    last_id = mark.last_event_id if mark else 0
    new = EngagementEvent.objects.filter(pk__gt=last_id, creator__isnull=False).aggregate(
        oldest=Min("created_at"), newest=Max("id")
    )
    today = now.astimezone(UTC).date()
    start = today - timedelta(days=LOOKBACK_DAYS - 1)
    if mark is None:
        # A first run covers the recent past; older history is the backfill's job.
        start = today - timedelta(days=FIRST_DAY_DEFAULT - 1)
    elif new["oldest"] is not None:
        start = min(start, new["oldest"].astimezone(UTC).date())
    earliest = today - timedelta(days=MAX_INCREMENTAL_DAYS - 1)
    if start < earliest:
        # Beyond this the task would outgrow its time limit: backfill older days with
        # `manage.py metrics_rollup --from … --to …` (docs/metrics.md).
        logger.warning("metrics roll-up: events before %s need a backfill", earliest)
        start = earliest
    result = rollup_range(start=start, end=today, now=now)
    MetricsWatermark.objects.update_or_create(
        name=WATERMARK,
        defaults={"rolled_up_to": now, "last_event_id": max(new["newest"] or 0, last_id)},
    )
    return result
