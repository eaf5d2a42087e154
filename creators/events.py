"""
Recording engagement events: the one helper every service calls.

The event row is written in the caller's transaction (the outbox), and only once that
transaction commits is a dispatch task enqueued. A rolled-back action therefore leaves
no event and enqueues nothing; a committed one enqueues exactly one dispatch. If the
broker is unreachable at that moment the request still succeeds: the row stays
undispatched and the periodic sweeper enqueues it later.
"""

import logging
from datetime import datetime

from django.contrib.contenttypes.models import ContentType
from django.db import models, transaction
from django.utils import timezone

from core.tasks import enqueue, enqueue_on_commit
from creators import notifications, notify
from creators.models import CreatorProfile, EngagementEvent, EventKind, User

logger = logging.getLogger(__name__)


def event_record(
    *,
    kind: EventKind,
    actor: User | None,
    creator: CreatorProfile | None,
    target: models.Model | None = None,
    payload: dict | None = None,
) -> EngagementEvent:
    if not transaction.get_connection().in_atomic_block:
        raise RuntimeError("event_record() must run inside the use case's transaction.atomic()")
    event = EngagementEvent.objects.create(
        kind=kind,
        actor=actor,
        creator=creator,
        target_type=ContentType.objects.get_for_model(target) if target is not None else None,
        target_id=target.pk if target is not None else None,
        payload=payload or {},
    )
    # The backstop: the sweeper re-enqueues events still undispatched.
    enqueue_on_commit("creators.tasks.event_dispatch_task", event.pk)
    return event


def event_dispatch(*, event_id: int) -> bool:
    """Notify whoever the event's kind names (creators/notify.py); safe to run any number
    of times. Returns whether it did work.

    Direct recipients are written here; a follower audience is split into keyset chunks,
    each enqueued as its own task on the `fanout` queue. The event is marked dispatched
    only after all of that, so a crash before then leaves it for the sweeper, and a rerun
    writes nothing twice (unique notifications, idempotent chunks).
    """
    event = EngagementEvent.objects.select_related("creator", "actor").filter(pk=event_id).first()
    if event is None or event.dispatched_at is not None:
        return False
    spec = notify.kind_spec(event.kind)
    if spec is not None and spec.recipients is not None:
        notifications.notifications_write_to(
            event=event,
            recipient_ids=spec.recipients(event),
            email_recipient_ids=spec.email_recipients(event) if spec.email_recipients else None,
        )
    if spec is not None and spec.audience is not None:
        for after, upto in notifications.fanout_chunks(event=event):
            enqueue("creators.tasks.notifications_fanout_chunk_task", event.pk, after, upto)
    updated = EngagementEvent.objects.filter(pk=event_id, dispatched_at__isnull=True).update(
        dispatched_at=timezone.now()
    )
    return bool(updated)


def events_undispatched_ids(*, before: datetime, limit: int = 1000) -> list[int]:
    return list(
        EngagementEvent.objects.filter(dispatched_at__isnull=True, created_at__lt=before)
        .order_by("created_at")
        .values_list("pk", flat=True)[:limit]
    )
