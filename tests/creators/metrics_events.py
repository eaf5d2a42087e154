"""Hand-built engagement events for metrics tests, following the payload contract in
docs/metrics.md (the same fields the roll-up reads)."""

from datetime import UTC, datetime, timedelta
from itertools import count

from creators.models import EngagementEvent, EventKind

K = EventKind
DAY = datetime(2026, 3, 10, tzinfo=UTC)  # midnight UTC, the first day of most scenarios
_ids = count(1000)


def at(days: float = 0, hours: float = 0, minutes: float = 0) -> datetime:
    return DAY + timedelta(days=days, hours=hours, minutes=minutes)


def event(kind, *, creator, actor, when, target_id=None, **payload) -> EngagementEvent:
    return EngagementEvent.objects.create(
        kind=kind,
        creator=creator,
        actor=actor,
        target_id=target_id,
        payload=payload,
        created_at=when,
        dispatched_at=when,
    )


def follow(creator, fan, when):
    return event(K.FOLLOW, creator=creator, actor=fan, when=when)


def unfollow(creator, fan, when):
    return event(K.UNFOLLOW, creator=creator, actor=fan, when=when)


def comment(creator, fan, when, *, kind=K.COMMENT) -> EngagementEvent:
    return event(kind, creator=creator, actor=fan, when=when, target_id=next(_ids))


def creator_reply(creator, parent: EngagementEvent, when, *, first=True):
    payload = {"parent_id": parent.target_id}
    if first:
        payload["response_seconds"] = int((when - parent.created_at).total_seconds())
    return event(
        K.CREATOR_REPLY,
        creator=creator,
        actor=creator.user,
        when=when,
        target_id=next(_ids),
        **payload,
    )


def order(creator, buyer, when, amount: str, *, paid=True, number=None):
    number = number or f"R{next(_ids)}"
    payload = {"order": number, "amount": amount, "currency": "EUR", "buyer_id": buyer.pk}
    event(K.ORDER_PLACED, creator=creator, actor=buyer, when=when, **payload)
    if paid:
        event(K.ORDER_PAID, creator=creator, actor=buyer, when=when, **payload)
    return number


def review(creator, fan, when, rating: int, *, edited=False):
    return event(
        K.REVIEW,
        creator=creator,
        actor=fan,
        when=when,
        target_id=next(_ids),
        rating=rating,
        product_id=1,
        edited=edited,
    )
