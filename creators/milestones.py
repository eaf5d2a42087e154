"""Milestones: a creator's follower counts (100, 1,000, 10,000 …) and fans' follow
anniversaries.

**Follower milestones** are checked after every new follow commits
(`follower_milestones_check_task`, enqueued by `follows.follow_create`): one COUNT over
the (followed, follower) index. Each threshold reached gets a `FollowerMilestone` row —
unique per creator and threshold, so it is told once ever: followers who leave and come
back, a rerun of the task or two checks racing tell nobody twice. When one check finds
several new thresholds (a creator who had followers before milestones existed), only the
highest is told. Two follows committing at the same instant may both count one short; the
next follow's check catches up.

**Anniversaries** are found by a daily beat task (`follow_anniversaries_task`): for each
number of years N, the follows that started N years before one of the last
`LOOKBACK_DAYS` days (so a day the beat missed is caught up), walked in keyset chunks on
(created_at, id) through `follow_created_idx` — never loading all follows. Each gets a
`FollowAnniversary` row (unique per fan, creator and N: at most once per follow-year, even
after an unfollow and a new follow) and a FOLLOW_ANNIVERSARY event telling the fan and the
creator. A follow made on 29 February is celebrated on 1 March in other years. Only
follows of creators count (not fans following fans), and only while both are active.
"""

import logging
from datetime import UTC, date, datetime, time, timedelta

from django.conf import settings
from django.db import transaction
from django.db.models import Exists, Min, OuterRef, Q
from django.utils import timezone

from creators.events import event_record
from creators.models import (
    CreatorProfile,
    EventKind,
    Follow,
    FollowAnniversary,
    FollowerMilestone,
)

logger = logging.getLogger(__name__)

FIRST_MILESTONE = 100
LOOKBACK_DAYS = 3


def milestones_up_to(followers: int) -> list[int]:
    """100, 1,000, 10,000 … no higher than `followers`."""
    found, step = [], FIRST_MILESTONE
    while step <= followers:
        found.append(step)
        step *= 10
    return found


def follower_milestones_check(*, creator_user_id: int) -> int | None:
    """Record the milestones the creator has reached and tell them about the highest new
    one; returns it (None when there is nothing new). Safe to run any number of times."""
    profile = CreatorProfile.objects.filter(user_id=creator_user_id).first()
    if profile is None:
        return None
    reached = milestones_up_to(Follow.objects.filter(followed_id=creator_user_id).count())
    if not reached:
        return None
    known = set(
        FollowerMilestone.objects.filter(creator=profile).values_list("followers", flat=True)
    )
    if known.issuperset(reached):
        return None
    with transaction.atomic():
        new = []
        for followers in reached:
            if followers in known:
                continue
            row, created = FollowerMilestone.objects.get_or_create(
                creator=profile, followers=followers
            )
            if created:
                new.append(row)
        if not new:
            return None
        top = max(new, key=lambda row: row.followers)
        event_record(
            kind=EventKind.FOLLOWER_MILESTONE,
            actor=None,
            creator=profile,
            target=top,
            payload={"followers": top.followers},
        )
    return top.followers


# --- Anniversaries ----------------------------------------------------------------------


def _years_before(day: date, years: int) -> date:
    try:
        return day.replace(year=day.year - years)
    except ValueError:  # 29 February in a year without one
        return day.replace(year=day.year - years, day=28)


def _start(day: date) -> datetime:
    return datetime.combine(day, time.min, tzinfo=UTC)


def anniversary_windows(*, today: date) -> list[tuple[int, datetime, datetime]]:
    """(years, from, to): follows made in [from, to) have their N-year anniversary on
    one of the last LOOKBACK_DAYS days up to `today`."""
    oldest = Follow.objects.aggregate(oldest=Min("created_at"))["oldest"]
    if oldest is None:
        return []
    first = today - timedelta(days=LOOKBACK_DAYS - 1)
    windows = []
    for years in range(1, today.year - oldest.astimezone(UTC).year + 1):
        start = _start(_years_before(first, years))
        end = _start(_years_before(today, years) + timedelta(days=1))
        windows.append((years, start, end))
    return windows


def _due(*, years: int, start: datetime, end: datetime):
    told = FollowAnniversary.objects.filter(
        fan_id=OuterRef("follower_id"), creator__user_id=OuterRef("followed_id"), years=years
    )
    return (
        Follow.objects.filter(
            created_at__gte=start,
            created_at__lt=end,
            followed__creator_profile__isnull=False,
            followed__is_active=True,
            follower__is_active=True,
        )
        .exclude(Exists(told))
        .select_related("follower", "followed__creator_profile")
        .order_by("created_at", "id")
    )


def _record(follow: Follow, years: int) -> bool:
    profile = follow.followed.creator_profile
    row, created = FollowAnniversary.objects.get_or_create(
        fan=follow.follower,
        creator=profile,
        years=years,
        defaults={"followed_at": follow.created_at},
    )
    if created:
        event_record(
            kind=EventKind.FOLLOW_ANNIVERSARY,
            actor=None,
            creator=profile,
            target=row,
            payload={
                "fan_id": follow.follower_id,
                "fan_name": follow.follower.name,
                "years": years,
            },
        )
    return created


def follow_anniversaries_record(*, today: date | None = None, chunk: int | None = None) -> int:
    """Tell every follow-year due in the lookback window, one chunk (its own transaction)
    at a time; returns how many were told. Idempotent."""
    today = today or timezone.now().astimezone(UTC).date()
    size = chunk or settings.FOLLOW_ANNIVERSARY_CHUNK
    told = 0
    for years, start, end in anniversary_windows(today=today):
        due = _due(years=years, start=start, end=end)
        cursor = None
        while True:
            page = due
            if cursor is not None:
                after, after_id = cursor
                page = due.filter(Q(created_at__gt=after) | Q(created_at=after, id__gt=after_id))
            follows = list(page[:size])
            if not follows:
                break
            with transaction.atomic():
                told += sum(_record(follow, years) for follow in follows)
            cursor = (follows[-1].created_at, follows[-1].pk)
    if told:
        logger.info("follow anniversaries: %s told", told)
    return told
