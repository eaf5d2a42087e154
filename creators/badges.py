"""Per-creator fan badges, computed from engagement events (docs/metrics.md, "Fan badges").

- **First supporter**: one of the first `FAN_BADGE_FIRST_SUPPORTERS` (10) fans to pay for
  an order from the creator, in the order of their first paid order (event time, then
  event id). A refund does not undo a purchase, and a deleted account keeps its place.
- **Top fan**: the most active fans of the trailing `FAN_BADGE_TOP_FANS_DAYS` (90) days.
  Score = interactions (comment, question, reply, reaction, review, order placed — the
  roll-up's INTERACTION_KINDS) + paid orders. At most `FAN_BADGE_TOP_FANS` (10) fans and
  at most `FAN_BADGE_TOP_FANS_PERCENT` (5 %) of the fans active in the window (rounded up,
  so at least one), each with a score of at least `FAN_BADGE_TOP_FAN_MIN_SCORE` (3).
  Ties: the more recently active fan ranks first, then the lower user id.
- **Reviewer**: wrote at least one review of the creator's products.
- **Advocate**: brought at least one purchase through a share: a `referral_purchase`
  event of the creator whose `actor` is the sharer (the fan credited).

The creator's own actions never earn a badge. Badges are derived data in `FanBadge`,
rebuilt for every creator by `badges_rebuild` (a Celery task after each metrics roll-up):
set-based — a handful of grouped queries per chunk of creators, window functions for the
rankings — then only the rows that changed are written, and the pages of creators whose
visible badges changed are invalidated at commit.
"""

import logging
import math
from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime, timedelta

from django.conf import settings
from django.db import models, transaction
from django.db.models import Case, Count, F, Max, Q, When, Window
from django.db.models.functions import RowNumber
from django.utils import timezone

from core import pagecache
from creators.models import BadgeKind, CreatorProfile, EngagementEvent, EventKind, FanBadge, User
from creators.page_cache import creator_scope
from creators.rollup import INTERACTION_KINDS, payload_int

logger = logging.getLogger(__name__)

K = EventKind
B = BadgeKind
ORDER = [B.FIRST_SUPPORTER, B.TOP_FAN, B.ADVOCATE, B.REVIEWER]  # how they are shown
CHUNK = 200  # creators per set of queries

Key = tuple[int, int, str]  # (creator profile id, fan user id, badge kind)


@dataclass(frozen=True)
class Earned:
    rank: int | None = None
    count: int = 0


def _not_the_creator(qs, field: str):
    return qs.exclude(**{field: F("creator__user_id")})


# --- The rules --------------------------------------------------------------------------


def _first_supporters(creator_ids: list[int], places: int) -> dict[Key, Earned]:
    buyer = payload_int("buyer_id")
    firsts = (
        _not_the_creator(
            EngagementEvent.objects.filter(kind=K.ORDER_PAID, creator_id__in=creator_ids)
            .annotate(buyer=buyer)
            .filter(buyer__isnull=False),
            "buyer",
        )
        .annotate(
            nth=Window(
                RowNumber(),
                partition_by=[F("creator_id"), buyer],
                order_by=[F("created_at").asc(), F("id").asc()],
            )
        )
        .filter(nth=1)
        .values("pk")
    )
    placed = list(
        EngagementEvent.objects.filter(pk__in=firsts)
        .annotate(
            buyer=buyer,
            place=Window(
                RowNumber(),
                partition_by=[F("creator_id")],
                order_by=[F("created_at").asc(), F("id").asc()],
            ),
        )
        .filter(place__lte=places)
        .values_list("creator_id", "buyer", "place")
    )
    # A deleted account keeps its place (the badges do not shift) but holds no badge.
    alive = set(User.objects.filter(pk__in={b for _, b, _ in placed}).values_list("pk", flat=True))
    return {
        (creator_id, fan_id, B.FIRST_SUPPORTER): Earned(rank=place)
        for creator_id, fan_id, place in placed
        if fan_id in alive
    }


def top_fans_limit(active: int) -> int:
    """How many top fans a creator with `active` fans in the window has."""
    share = math.ceil(active * settings.FAN_BADGE_TOP_FANS_PERCENT / 100)
    return min(settings.FAN_BADGE_TOP_FANS, max(1, share)) if active else 0


def _top_fans(creator_ids: list[int], now: datetime) -> dict[Key, Earned]:
    since = now - timedelta(days=settings.FAN_BADGE_TOP_FANS_DAYS)
    fan = Case(
        When(kind=K.ORDER_PAID, then=payload_int("buyer_id")),
        default=F("actor_id"),
        output_field=models.BigIntegerField(),
    )
    scores = (
        _not_the_creator(
            EngagementEvent.objects.filter(
                creator_id__in=creator_ids,
                kind__in=[*INTERACTION_KINDS, K.ORDER_PAID],
                created_at__gte=since,
                created_at__lte=now,
            )
            .annotate(fan=fan)
            .filter(fan__isnull=False),
            "fan",
        )
        .order_by()  # no default ordering: it would join the GROUP BY
        .values("creator_id", "fan")
        .annotate(score=Count("id"), last=Max("created_at"))
        .annotate(
            place=Window(
                RowNumber(),
                partition_by=[F("creator_id")],
                order_by=[F("score").desc(), F("last").desc(), F("fan").asc()],
            ),
            active=Window(Count("*"), partition_by=[F("creator_id")]),
        )
        .filter(place__lte=settings.FAN_BADGE_TOP_FANS)
        .values_list("creator_id", "fan", "score", "place", "active")
    )
    rows = list(scores)
    alive = set(User.objects.filter(pk__in={r[1] for r in rows}).values_list("pk", flat=True))
    minimum = settings.FAN_BADGE_TOP_FAN_MIN_SCORE
    return {
        (creator_id, fan_id, B.TOP_FAN): Earned(rank=place, count=score)
        for creator_id, fan_id, score, place, active in rows
        if place <= top_fans_limit(active) and score >= minimum and fan_id in alive
    }


def _by_actor(creator_ids: list[int], kind: str, count) -> list[tuple[int, int, int]]:
    return list(
        _not_the_creator(
            EngagementEvent.objects.filter(
                creator_id__in=creator_ids, kind=kind, actor__isnull=False
            ),
            "actor_id",
        )
        .order_by()
        .values("creator_id", "actor_id")
        .annotate(n=count)
        .values_list("creator_id", "actor_id", "n")
    )


def _reviewers(creator_ids: list[int]) -> dict[Key, Earned]:
    written = Count("id") - Count("id", filter=Q(payload__edited=True))  # an edit is not new
    return {
        (creator_id, fan_id, B.REVIEWER): Earned(count=max(n, 1))
        for creator_id, fan_id, n in _by_actor(creator_ids, K.REVIEW, written)
    }


def _advocates(creator_ids: list[int]) -> dict[Key, Earned]:
    return {
        (creator_id, fan_id, B.ADVOCATE): Earned(count=n)
        for creator_id, fan_id, n in _by_actor(creator_ids, K.REFERRAL_PURCHASE, Count("id"))
    }


def badges_compute(*, creator_ids: Iterable[int], now: datetime | None = None) -> dict[Key, Earned]:
    """Every badge the fans of these creators hold now, by the rules above."""
    ids = list(creator_ids)
    now = now or timezone.now()
    return {
        **_first_supporters(ids, settings.FAN_BADGE_FIRST_SUPPORTERS),
        **_top_fans(ids, now),
        **_reviewers(ids),
        **_advocates(ids),
    }


# --- Rebuilding the table ---------------------------------------------------------------


def _shown(kind: str, earned: Earned) -> tuple:
    """What a page shows of a badge: a change here makes the creator's pages stale."""
    if kind == B.FIRST_SUPPORTER:
        return (kind, earned.rank)
    if kind == B.ADVOCATE:
        return (kind, earned.count)
    return (kind,)


@dataclass
class BadgeRebuild:
    creators: int = 0
    badges: int = 0
    changed_creators: int = 0


def _apply(creator_ids: list[int], wanted: dict[Key, Earned], now: datetime) -> set[int]:
    """Write the difference between the table and `wanted` for these creators; returns
    the creators whose visible badges changed."""
    changed: set[int] = set()
    with transaction.atomic():
        existing = {
            (c, f, k): (pk, Earned(rank=r, count=n))
            for pk, c, f, k, r, n in FanBadge.objects.filter(
                creator_id__in=creator_ids
            ).values_list("pk", "creator_id", "fan_id", "kind", "rank", "count")
        }
        gone = [pk for key, (pk, _) in existing.items() if key not in wanted]
        new, moved = [], []
        for key, earned in wanted.items():
            creator_id, fan_id, kind = key
            if key not in existing:
                new.append(
                    FanBadge(
                        creator_id=creator_id,
                        fan_id=fan_id,
                        kind=kind,
                        rank=earned.rank,
                        count=earned.count,
                        updated_at=now,
                    )
                )
                changed.add(creator_id)
                continue
            pk, had = existing[key]
            if had != earned:
                moved.append(FanBadge(pk=pk, rank=earned.rank, count=earned.count, updated_at=now))
                if _shown(kind, had) != _shown(kind, earned):
                    changed.add(creator_id)
        changed.update(key[0] for key, _ in existing.items() if key not in wanted)
        if gone:
            FanBadge.objects.filter(pk__in=gone).delete()
        FanBadge.objects.bulk_create(new, batch_size=1000, ignore_conflicts=True)
        FanBadge.objects.bulk_update(moved, ["rank", "count", "updated_at"], batch_size=1000)
        if changed:
            handles = CreatorProfile.objects.filter(pk__in=changed).values_list("handle", flat=True)
            pagecache.touch(*(creator_scope(handle) for handle in handles))
    return changed


def badges_rebuild(
    *, now: datetime | None = None, creator_ids: Iterable[int] | None = None
) -> BadgeRebuild:
    """Recompute the badges of every creator (or of `creator_ids`), CHUNK creators at a
    time (keyset on the profile id). Idempotent: a second run writes nothing."""
    now = now or timezone.now()
    ids = CreatorProfile.objects.order_by("pk").values_list("pk", flat=True)
    if creator_ids is not None:
        ids = ids.filter(pk__in=list(creator_ids))
    result, after = BadgeRebuild(), 0
    while chunk := list(ids.filter(pk__gt=after)[:CHUNK]):
        after = chunk[-1]
        wanted = badges_compute(creator_ids=chunk, now=now)
        changed = _apply(chunk, wanted, now)
        result.creators += len(chunk)
        result.badges += len(wanted)
        result.changed_creators += len(changed)
    logger.info(
        "fan badges: %s badges for %s creators (%s changed)",
        result.badges,
        result.creators,
        result.changed_creators,
    )
    return result


# --- Reading ----------------------------------------------------------------------------


def badges_for_fans(*, creator_user_id: int, fan_ids: Iterable[int]) -> dict[int, list[FanBadge]]:
    """The badges each of `fan_ids` holds with the creator whose user is
    `creator_user_id`, in display order: one query for a whole page of comments."""
    ids = {fan_id for fan_id in fan_ids if fan_id and fan_id != creator_user_id}
    if not ids:
        return {}
    found: dict[int, list[FanBadge]] = defaultdict(list)
    for badge in FanBadge.objects.filter(creator__user_id=creator_user_id, fan_id__in=ids):
        badge.description = badge_description(badge)
        found[badge.fan_id].append(badge)
    for badges in found.values():
        badges.sort(key=lambda badge: ORDER.index(badge.kind))
    return dict(found)


def badge_description(badge: FanBadge) -> str:
    """What a badge means, for its tooltip and screen readers."""
    if badge.kind == B.FIRST_SUPPORTER:
        return (
            f"One of the first {settings.FAN_BADGE_FIRST_SUPPORTERS} fans to buy from this "
            f"creator (number {badge.rank})"
        )
    if badge.kind == B.TOP_FAN:
        return (
            f"One of this creator’s most active fans in the last "
            f"{settings.FAN_BADGE_TOP_FANS_DAYS} days"
        )
    if badge.kind == B.ADVOCATE:
        purchases = "a purchase" if badge.count == 1 else f"{badge.count} purchases"
        return f"Brought {purchases} to this creator by sharing"
    return "Reviewed this creator’s products"
