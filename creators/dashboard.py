"""Reads for the creator dashboard in the Studio: served from roll-up rows.

A constant number of queries whatever the data: the period's and the previous period's
daily rows (one query), the first-response times of both periods (one), top and fading
fans (three, plus one per kind of comment target for "open their latest comment"), the
relationship funnel (one aggregate) and the roll-up's status (one).

Days are the creator's days (`CreatorProfile.time_zone`), as in the roll-up: the period
ends with the creator's today, and the page shows dates and times in that zone.
"""

from __future__ import annotations

import csv
import statistics
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from decimal import Decimal

from django.conf import settings
from django.db.models import Count, Exists, OuterRef, Q, Subquery
from django.urls import reverse
from django.utils import timezone

from creators import charts, metrics, time_zones
from creators.models import (
    CreatorMetricsDay,
    CreatorProfile,
    EngagementEvent,
    EventKind,
    FanRelationship,
    MetricsRecompute,
    MetricsWatermark,
    RelationshipStage,
)
from creators.rollup import WATERMARK, day_start, local_date, payload_int

PERIODS = (7, 30, 90)
DEFAULT_PERIOD = 30
TOP_FANS = 5
FADING_FANS = 8


def period_from(value: str | None) -> int:
    try:
        days = int(value or DEFAULT_PERIOD)
    except ValueError:
        return DEFAULT_PERIOD
    return days if days in PERIODS else DEFAULT_PERIOD


@dataclass
class Card:
    label: str
    value: str
    help: str
    trend: str = ""  # "up", "down" or "flat"; empty when there is nothing to compare with
    trend_text: str = ""
    good: bool = True


@dataclass
class Dashboard:
    profile: CreatorProfile
    days: int
    start: date
    end: date
    has_data: bool
    current: metrics.PeriodSummary
    previous: metrics.PeriodSummary
    response_median: int | None
    cards: list[Card] = field(default_factory=list)
    charts: list[charts.Chart] = field(default_factory=list)
    funnel: charts.Chart | None = None
    top_by_interactions: list = field(default_factory=list)
    top_by_purchases: list = field(default_factory=list)
    fading: list = field(default_factory=list)
    currency: str = ""
    advocacy_note: bool = True
    bought_and_reviewed: int = 0
    ror_breakdown: list = field(default_factory=list)  # (component, points, weight)
    time_zone: str = "UTC"  # the creator's: days and times on the page are in it
    updated_at: datetime | None = None  # the numbers count every event up to then
    freshness: str = ""  # "updated 12 seconds ago", "as of 14:32"
    recompute_pending: bool = False  # the time zone changed; rows not rebuilt yet


def _money(amount: Decimal, currency: str) -> str:
    return f"{amount:,.2f} {currency}"


def _percent(value: float | None) -> str:
    return "—" if value is None else f"{100 * value:.1f} %"


def _duration(seconds: int | None) -> str:
    if seconds is None:
        return "—"
    if seconds < 3600:
        return f"{max(1, round(seconds / 60))} min"
    if seconds < 48 * 3600:
        return f"{seconds / 3600:.1f} h"
    return f"{seconds / 86400:.1f} days"


def _trend(now, before, *, days: int, lower_is_better=False) -> tuple[str, str, bool]:
    if now is None or before is None:
        return "", "", True
    if now == before:
        return "flat", f"no change vs the previous {days} days", True
    direction = "up" if now > before else "down"
    if before:
        change = f"{abs(float(now) - float(before)) / abs(float(before)) * 100:.0f} %"
    else:
        change = "from zero"
    good = (direction == "down") if lower_is_better else (direction == "up")
    return direction, f"{direction} {change} vs the previous {days} days", good


def _card(label, value, help, now, before, *, days, has_previous, lower_is_better=False):
    if not has_previous:
        return Card(label, value, help)
    trend, text, good = _trend(now, before, days=days, lower_is_better=lower_is_better)
    return Card(label, value, help, trend, text, good)


def _response_medians(profile, start, split, end) -> tuple[int | None, int | None]:
    """Exact medians of the creator's first responses in each period (one query)."""
    rows = (
        EngagementEvent.objects.filter(
            creator=profile,
            kind=EventKind.CREATOR_REPLY,
            payload__has_key="response_seconds",
            created_at__gte=start,
            created_at__lt=end,
        )
        .annotate(seconds=payload_int("response_seconds"))
        .values_list("created_at", "seconds")
    )
    before, now = [], []
    for created_at, seconds in rows:
        (now if created_at >= split else before).append(seconds)
    return (
        round(statistics.median(now)) if now else None,
        round(statistics.median(before)) if before else None,
    )


def _reach_out(rel: FanRelationship, profile: CreatorProfile) -> tuple[str, str]:
    """Where "reach out" goes: their latest comment if it has a page, else a thank-you note."""
    event = rel.last_comment_event
    target = event.target if event is not None else None
    if target is not None and hasattr(target, "get_absolute_url"):
        return target.get_absolute_url(), "Open their latest comment"
    # The in-app note (creators/thanks.py): it reaches the fan through notifications.
    return reverse("creators:thank_fan", args=[rel.fan_id]), "Send a thank-you note"


def _rollup_status(profile: CreatorProfile) -> tuple[datetime | None, bool]:
    """As of when the creator's numbers count every event, and whether the rows wait for a
    rebuild (one query). The hourly run counted everyone's events up to its time (the
    watermark); a live run counted this creator's up to its own — it wrote their latest
    row (every run that touches a creator writes through its today)."""
    status = (
        CreatorProfile.objects.filter(pk=profile.pk)
        .annotate(
            rolled_up_to=Subquery(
                MetricsWatermark.objects.filter(name=WATERMARK).values("rolled_up_to")[:1]
            ),
            computed_at=Subquery(
                CreatorMetricsDay.objects.filter(creator=OuterRef("pk"))
                .order_by("-date")
                .values("computed_at")[:1]
            ),
            pending=Exists(MetricsRecompute.objects.filter(creator=OuterRef("pk"))),
        )
        .values_list("rolled_up_to", "computed_at", "pending")
        .first()
    )
    if status is None:
        return None, False
    rolled_up_to, computed_at, pending = status
    moments = [moment for moment in (rolled_up_to, computed_at) if moment is not None]
    return (max(moments) if moments else None), pending


def freshness(as_of: datetime | None, *, now: datetime, tz) -> str:
    """How fresh the numbers are, as the dashboard says it: "updated 12 seconds ago",
    "updated 5 minutes ago", "as of 14:32" (today), "as of 3 Dec, 14:32"."""
    if as_of is None:
        return ""
    seconds = max(0, int((now - as_of).total_seconds()))
    if seconds < 60:
        return f"updated {seconds} second{'' if seconds == 1 else 's'} ago"
    if seconds < 3600:
        minutes = seconds // 60
        return f"updated {minutes} minute{'' if minutes == 1 else 's'} ago"
    local = as_of.astimezone(tz)
    if local.date() == now.astimezone(tz).date():
        return f"as of {local:%H:%M}"
    return f"as of {local.day} {local:%b, %H:%M}"


def dashboard_for(*, profile: CreatorProfile, days: int, today: date | None = None) -> Dashboard:
    tz = time_zones.zone(profile.time_zone)
    today = today or local_date(timezone.now(), tz)
    start = today - timedelta(days=days - 1)
    previous_start = start - timedelta(days=days)
    rows = list(
        CreatorMetricsDay.objects.filter(
            creator=profile, date__gte=previous_start, date__lte=today
        ).order_by("date")
    )
    current_rows = [row for row in rows if row.date >= start]
    previous_rows = [row for row in rows if row.date < start]
    current, previous = metrics.summarize(current_rows), metrics.summarize(previous_rows)
    has_previous = len(previous_rows) == days
    to_dt = lambda d: day_start(d, tz)  # noqa: E731
    median_now, median_before = _response_medians(
        profile, to_dt(previous_start), to_dt(start), to_dt(today + timedelta(days=1))
    )
    board = Dashboard(
        profile=profile,
        days=days,
        start=start,
        end=today,
        has_data=bool(current_rows),
        current=current,
        previous=previous,
        response_median=median_now,
        currency=settings.SHOP_DEFAULT_CURRENCY,
        time_zone=tz.key,
    )
    board.updated_at, board.recompute_pending = _rollup_status(profile)
    board.freshness = freshness(board.updated_at, now=timezone.now(), tz=tz)
    board.advocacy_note = not (current.share_visits or current.referral_purchases)
    _fans_into(board, profile)
    c, p, money = current, previous, lambda v: _money(v, board.currency)

    def card(*args, **kwargs):
        return _card(*args, days=days, has_previous=has_previous, **kwargs)

    board.cards = [
        card(
            "Return on Relationship",
            "—" if c.ror is None else f"{c.ror} / 100",
            "A 0–100 score of replies, engagement, growth, conversion, repeat buying, "
            "reviews and fans’ shares.",
            c.ror,
            p.ror,
        ),
        card(
            "Followers",
            f"{c.followers:,}",
            f"{c.net_growth:+,} net ({c.follows:,} new, {c.unfollows:,} unfollowed).",
            c.followers,
            p.followers,
        ),
        card(
            "Reply rate",
            _percent(c.reply_rate),
            f"Fan comments and questions you answered within 48 h ({c.answered_48h:,} "
            f"of {c.comments - c.comments_open:,}"
            + (
                f"; {c.comments_open:,} newer "
                + ("one still has" if c.comments_open == 1 else "ones still have")
                + " time"
                if c.comments_open
                else ""
            )
            + ").",
            c.reply_rate,
            p.reply_rate,
        ),
        card(
            "Median first response",
            _duration(median_now),
            "Half of your first replies came faster than this.",
            median_now,
            median_before,
            lower_is_better=True,
        ),
        card(
            "Engaged fans",
            f"{c.engaged_fans:,}",
            f"Fans who interacted in the last 30 days: {_percent(c.engagement_rate)} of followers.",
            c.engaged_fans,
            p.engaged_fans,
        ),
        card(
            "Revenue",
            money(c.revenue),
            f"{c.orders:,} orders; {_percent(c.follower_revenue_share)} from followers.",
            c.revenue,
            p.revenue,
        ),
        card(
            "Follower → buyer",
            _percent(c.conversion),
            f"Of {c.follows_90d:,} follows in the last 90 days, {c.converted_90d:,} "
            "bought within 90 days.",
            c.conversion,
            p.conversion,
        ),
        card(
            "Repeat buyers",
            _percent(c.repeat_rate),
            f"{c.repeat_buyers_total:,} of {c.buyers_total:,} buyers bought again; "
            f"{c.new_buyers:,} new buyers in this period.",
            c.repeat_rate,
            p.repeat_rate,
        ),
        card(
            "Reviews",
            f"{c.reviews:,}",
            (
                f"Average {c.average_rating:.1f} ★, {_percent(c.review_response_rate)} answered."
                if c.reviews
                else "No review in this period."
            )
            + f" {board.bought_and_reviewed:,} fans have bought and reviewed.",
            c.reviews,
            p.reviews,
        ),
        card(
            "Fans’ shares",
            f"{c.share_visits:,} visits",
            f"Visits through fans’ share links and lists; {c.referral_purchases:,} "
            f"purchase{'' if c.referral_purchases == 1 else 's'} came through them.",
            c.share_visits,
            p.share_visits,
        ),
    ]
    board.charts = _charts(current_rows, board)
    labels = {
        "reply_rate": "Replies within 48 h",
        "engagement_rate": "Engaged followers",
        "growth": "Audience growth",
        "conversion": "Follower → buyer",
        "repeat_rate": "Repeat buyers",
        "advocacy": "Reviews, answers and fans’ shares",
    }
    parts = c.ror_parts if c.ror is not None else {}
    board.ror_breakdown = [
        (labels[name], parts.get(name), weight)
        for name, (weight, _target) in metrics.ROR_WEIGHTS.items()
    ]
    return board


def _charts(rows, board: Dashboard) -> list[charts.Chart]:
    if not rows:
        return []
    days = [row.date for row in rows]
    currency = board.currency
    answered = [row.answered_48h for row in rows]
    return [
        charts.line_chart(
            id="chart-followers",
            title="Followers",
            description=(
                f"Followers at the end of each day, from {rows[0].followers:,} to "
                f"{rows[-1].followers:,}."
            ),
            days=days,
            values=[row.followers for row in rows],
            fmt=lambda v: f"{v:,}",
        ),
        charts.stacked_bars(
            id="chart-conversation",
            title="Conversation",
            description=(
                "Fan comments and questions received each day, split into those you "
                "answered within 48 hours and the rest."
            ),
            days=days,
            series=[
                ("bar--answered", "Answered within 48 h", answered),
                (
                    "bar--open",
                    "Not answered in time",
                    [row.comments - a for row, a in zip(rows, answered, strict=True)],
                ),
            ],
            extra_columns=[
                (
                    "Reply rate",
                    [
                        _percent(a / row.comments if row.comments else None)
                        for row, a in zip(rows, answered, strict=True)
                    ],
                )
            ],
        ),
        charts.stacked_bars(
            id="chart-revenue",
            title="Revenue",
            description=(
                f"Revenue each day in {currency}, split between buyers who followed you "
                "when they paid and buyers who did not."
            ),
            days=days,
            series=[
                ("bar--followers", "From followers", [row.revenue_followers for row in rows]),
                (
                    "bar--others",
                    "From non-followers",
                    [row.revenue - row.revenue_followers for row in rows],
                ),
            ],
            fmt=lambda v: f"{v:,.2f}",
            tick_fmt=lambda v: f"{v:,.0f}",
        ),
    ]


def _fans_into(board: Dashboard, profile: CreatorProfile) -> None:
    S = RelationshipStage
    relationships = FanRelationship.objects.filter(creator=profile).select_related("fan")
    board.top_by_interactions = list(
        relationships.filter(interactions__gt=0).order_by("-interactions", "-last_interaction_at")[
            :TOP_FANS
        ]
    )
    board.top_by_purchases = list(
        relationships.filter(purchases__gt=0).order_by("-spent", "-purchases")[:TOP_FANS]
    )
    board.fading = list(
        relationships.filter(is_fading=True)
        .select_related("last_comment_event")
        # The latest comment and what its link needs: the post's creator for a comment
        # on a post, the product's shop and creator for a question (a fixed number of
        # queries, one per step, however many fans are listed).
        .prefetch_related(
            "last_comment_event__target__post__creator__creator_profile",
            "last_comment_event__target__target__shop__creator",
        )
        .order_by("-interactions", "last_interaction_at")[:FADING_FANS]
    )
    for rel in board.fading:
        rel.reach_out_url, rel.reach_out_label = _reach_out(rel, profile)
    counts = relationships.aggregate(
        **{f"s{stage.value}": Count("id", filter=Q(stage__gte=stage.value)) for stage in S},
        bought_and_reviewed=Count("id", filter=Q(reviewed=True, purchases__gt=0)),
    )
    board.bought_and_reviewed = counts["bought_and_reviewed"]
    names = {
        S.VISITOR: "Visitors",
        S.FOLLOWER: "Followers",
        S.ENGAGED: "Engaged",
        S.BUYER: "Buyers",
        S.REPEAT_BUYER: "Repeat buyers",
        S.ADVOCATE: "Advocates",
    }
    board.funnel = charts.funnel(
        id="chart-funnel",
        title="Relationship funnel",
        description=(
            "Fans who have reached each stage with you, or gone beyond it: every fan who "
            "interacted, then followers, engaged fans, buyers, repeat buyers and advocates."
        ),
        steps=[(names[stage], counts[f"s{stage.value}"]) for stage in S],
    )


CSV_COLUMNS = [
    f.name
    for f in CreatorMetricsDay._meta.concrete_fields
    if f.name not in ("id", "creator", "computed_at")
]


def metrics_csv_write(*, profile: CreatorProfile, out) -> None:
    """Every daily row of the creator, oldest first (streamed from one query)."""
    writer = csv.writer(out)
    writer.writerow(CSV_COLUMNS)
    rows = CreatorMetricsDay.objects.filter(creator=profile).order_by("date")
    for values in rows.values_list(*CSV_COLUMNS).iterator(chunk_size=500):
        writer.writerow(values)
