"""Relationship metrics over a period, and the Return-on-Relationship (ROR) score.

Pure functions over `CreatorMetricsDay` rows, shared by the roll-up (each day's ROR over
its trailing 30 days) and the dashboard (any 7/30/90-day period), so both agree on
every formula. Definitions and the reasons behind the weights are in docs/metrics.md.
"""

from dataclasses import dataclass, field
from decimal import Decimal

ROR_WINDOW_DAYS = 30
ENGAGED_WINDOW_DAYS = 30  # an engaged fan interacted in the trailing 30 days
FADING_AFTER_DAYS = 30  # an engaged fan with no interaction this long is fading
CONVERSION_WINDOW_DAYS = 90  # a follower "converts" by paying within 90 days of following
REPLY_WITHIN_HOURS = 48

# (weight, target): a component scores 1 at or above its target, linearly below it.
ROR_WEIGHTS = {
    "reply_rate": (25, 1.0),
    "engagement_rate": (20, 0.25),
    "growth": (15, 0.05),  # net follower growth per 30 days, as a share of followers
    "conversion": (15, 0.10),
    "repeat_rate": (10, 0.30),
    "advocacy": (15, 1.0),
}


# Orders brought by fans' share links, as a share of orders, that scores the advocacy
# component's referral part 1 (see docs/metrics.md).
REFERRAL_SHARE_TARGET = 0.10


def _ratio(numerator, denominator) -> float | None:
    return float(numerator) / float(denominator) if denominator else None


@dataclass
class PeriodSummary:
    days: int = 0
    followers: int = 0
    followers_start: int = 0
    follows: int = 0
    unfollows: int = 0
    comments: int = 0
    answered_48h: int = 0
    comments_open: int = 0
    creator_replies: int = 0
    unanswered: int = 0
    engaged_fans: int = 0
    posts: int = 0
    reactions: int = 0
    orders: int = 0
    revenue: Decimal = Decimal("0.00")
    revenue_followers: Decimal = Decimal("0.00")
    buyers_total: int = 0
    repeat_buyers_total: int = 0
    new_buyers: int = 0
    follows_90d: int = 0
    converted_90d: int = 0
    reviews: int = 0
    rating_sum: int = 0
    review_responses: int = 0
    share_visits: int = 0
    referral_purchases: int = 0
    ror_parts: dict = field(default_factory=dict)

    @property
    def net_growth(self) -> int:
        return self.follows - self.unfollows

    @property
    def reply_rate(self) -> float | None:
        """Answered within 48 h, of the comments whose 48 h are over or that are answered."""
        return _ratio(self.answered_48h, self.comments - self.comments_open)

    @property
    def engagement_rate(self) -> float | None:
        return _ratio(self.engaged_fans, self.followers)

    @property
    def reactions_per_post(self) -> float | None:
        return _ratio(self.reactions, self.posts)

    @property
    def revenue_others(self) -> Decimal:
        return self.revenue - self.revenue_followers

    @property
    def follower_revenue_share(self) -> float | None:
        return _ratio(self.revenue_followers, self.revenue) if self.revenue > 0 else None

    @property
    def conversion(self) -> float | None:
        return _ratio(self.converted_90d, self.follows_90d)

    @property
    def repeat_rate(self) -> float | None:
        return _ratio(self.repeat_buyers_total, self.buyers_total)

    @property
    def average_rating(self) -> float | None:
        return _ratio(self.rating_sum, self.reviews)

    @property
    def review_response_rate(self) -> float | None:
        rate = _ratio(self.review_responses, self.reviews)
        return min(rate, 1.0) if rate is not None else None

    @property
    def monthly_growth(self) -> float | None:
        if not self.days or not (self.followers_start or self.follows):
            return None
        return self.net_growth / max(self.followers_start, 1) * 30 / self.days

    @property
    def referral_share(self) -> float | None:
        """Orders fans' share links brought, as a share of all orders; only while fans
        share at all (visits or credited purchases), so a creator nobody shares yet is
        not scored on it."""
        if not (self.share_visits or self.referral_purchases) or not self.orders:
            return None
        return min(_ratio(self.referral_purchases, self.orders), 1.0)

    @property
    def advocacy(self) -> float | None:
        """Mean of the parts with data: reviews (rating and answered) and referrals."""
        parts = []
        if self.reviews:
            parts += [(self.average_rating - 1) / 4, self.review_response_rate or 0.0]
        if self.referral_share is not None:
            parts.append(min(self.referral_share / REFERRAL_SHARE_TARGET, 1.0))
        return sum(parts) / len(parts) if parts else None

    @property
    def ror(self) -> int | None:
        return ror_score(self)


# The daily columns a period adds up (flows) and takes from its last day (gauges).
FLOW_COLUMNS = (
    "follows",
    "unfollows",
    "comments",
    "answered_48h",
    "comments_open",
    "creator_replies",
    "posts",
    "reactions",
    "orders",
    "revenue",
    "revenue_followers",
    "reviews",
    "rating_sum",
    "review_responses",
    "share_visits",
    "referral_purchases",
)
GAUGE_COLUMNS = (
    "followers",
    "unanswered",
    "engaged_fans",
    "buyers_total",
    "repeat_buyers_total",
    "follows_90d",
    "converted_90d",
)
# Every column `summarize` reads.
SUMMARY_COLUMNS = (*FLOW_COLUMNS, *GAUGE_COLUMNS, "new_buyers")


def summarize(rows: list) -> PeriodSummary:
    """Sum the flows of `rows` (one creator, ascending dates) and take the last gauges."""
    summary = PeriodSummary(days=len(rows))
    if not rows:
        return summary
    first, last = rows[0], rows[-1]
    for name in FLOW_COLUMNS:
        setattr(summary, name, sum((getattr(row, name) for row in rows), getattr(summary, name)))
    for name in GAUGE_COLUMNS:
        setattr(summary, name, getattr(last, name))
    summary.followers_start = first.followers - first.follows + first.unfollows
    # Buyers already counted on the day before the period began.
    summary.new_buyers = last.buyers_total - (first.buyers_total - first.new_buyers)
    return summary


def ror_score(summary: PeriodSummary) -> int | None:
    """0-100: the weighted mean of the components that have data (see docs/metrics.md).

    A component without data (no comment to answer, no review yet) is left out and the
    others are re-weighted, so a creator is neither punished nor flattered by silence.
    """
    values = {
        "reply_rate": summary.reply_rate,
        "engagement_rate": summary.engagement_rate,
        "growth": summary.monthly_growth,
        "conversion": summary.conversion,
        "repeat_rate": summary.repeat_rate,
        "advocacy": summary.advocacy,
    }
    total = weights = 0.0
    parts = {}
    for name, value in values.items():
        if value is None:
            continue
        weight, target = ROR_WEIGHTS[name]
        scored = max(0.0, min(value / target, 1.0))
        parts[name] = round(weight * scored, 1)
        total += weight * scored
        weights += weight
    summary.ror_parts = parts
    if not weights:
        return None
    return round(100 * total / weights)
