"""Reads for advocacy: a fan's share links and what they brought, a creator's advocates.

Both pages cost a fixed number of queries however many links, visits or fans there are.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from decimal import Decimal

from django.db.models import Count, Max, Q, QuerySet, Sum
from django.db.models.functions import Coalesce

from creators.models import CreatorProfile, EngagementEvent, EventKind, User
from creators.rollup import payload_money
from shops.models import ShareLink


def share_links_of(*, sharer: User) -> QuerySet[ShareLink]:
    """The fan's links, newest first, with what each points at (one query per page)."""
    return ShareLink.objects.filter(sharer=sharer).select_related(
        "product__shop__creator__user", "post__creator__creator_profile", "creator"
    )


@dataclass(frozen=True)
class ShareTotals:
    links: int
    visits: int
    purchases: int


def share_totals_of(*, sharer: User) -> ShareTotals:
    totals = ShareLink.objects.filter(sharer=sharer).aggregate(
        links=Count("id"),
        visits=Coalesce(Sum("visits"), 0),
        purchases=Coalesce(Sum("purchases"), 0),
    )
    return ShareTotals(**totals)


@dataclass
class Advocate:
    fan: User | None
    fan_id: int
    purchases: int
    visits: int
    amount: Decimal
    last_at: datetime


def advocates_of(*, creator: CreatorProfile, since: datetime | None = None) -> QuerySet:
    """Fans whose share links brought this creator purchases and visits, best first:
    most referral purchases, then most visits. Read from the creator's own events
    (`share_visit` and `referral_purchase` are recorded with the sharer as actor), so the
    `(creator, kind, created_at)` index serves it; the creator's own links are left out."""
    events = EngagementEvent.objects.filter(
        creator=creator,
        kind__in=[EventKind.SHARE_VISIT, EventKind.REFERRAL_PURCHASE],
        actor__isnull=False,
    ).exclude(actor_id=creator.user_id)
    if since is not None:
        events = events.filter(created_at__gte=since)
    return (
        events.values("actor_id")
        .annotate(
            purchases=Count("id", filter=Q(kind=EventKind.REFERRAL_PURCHASE)),
            visits=Count("id", filter=Q(kind=EventKind.SHARE_VISIT)),
            amount=Coalesce(
                Sum(payload_money("amount"), filter=Q(kind=EventKind.REFERRAL_PURCHASE)),
                Decimal("0.00"),
            ),
            last_at=Max("created_at"),
        )
        .order_by("-purchases", "-visits", "actor_id")
    )


def advocates_page_rows(rows) -> list[Advocate]:
    """One page of `advocates_of` with the fans loaded (one query)."""
    rows = list(rows)
    fans = User.objects.in_bulk([row["actor_id"] for row in rows])
    return [
        Advocate(
            fan=fans.get(row["actor_id"]),
            fan_id=row["actor_id"],
            purchases=row["purchases"],
            visits=row["visits"],
            amount=row["amount"],
            last_at=row["last_at"],
        )
        for row in rows
    ]
