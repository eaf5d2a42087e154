"""
Recording engagement events: the one helper every service calls.

The event row is written in the caller's transaction (the outbox), and only once that
transaction commits is a dispatch task enqueued. A rolled-back action therefore leaves
no event and enqueues nothing; a committed one enqueues exactly one dispatch. If the
broker is unreachable at that moment the request still succeeds: the row stays
undispatched and the periodic sweeper enqueues it later.
"""

import logging

from django.contrib.contenttypes.models import ContentType
from django.db import models, transaction
from django.utils import timezone

from core.tasks import enqueue_on_commit
from creators import notifications, notify, outbox
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
    # The backstop: the sweeper re-enqueues events still unplanned (creators/outbox.py).
    enqueue_on_commit("creators.tasks.event_dispatch_task", event.pk)
    return event


def event_dispatch(*, event_id: int) -> bool:
    """Notify whoever the event's kind names (creators/notify.py); safe to run any number
    of times. Returns whether it planned the event's work now.

    One transaction, holding the event's row lock (a copy of this task re-enqueued by the
    sweeper waits, then finds the work planned): the direct recipients' notifications, and
    the follower audience cut into keyset chunks recorded as `FanoutChunk` rows, then
    `planned_at`. After commit each chunk is enqueued on the `fanout` queue, and the event
    is marked dispatched once its last chunk and immediate email are done
    (creators/outbox.py). A crash before commit leaves it for the sweeper; a crash after
    leaves the chunks, which the sweeper re-enqueues.
    """
    with transaction.atomic():
        event = (
            EngagementEvent.objects.select_related("creator", "actor")
            .select_for_update(of=("self",))
            .filter(pk=event_id)
            .first()
        )
        if event is None or event.dispatched_at is not None:
            return False
        if event.planned_at is not None:  # planned already: a late or duplicate copy
            planned = False
        else:
            spec = notify.kind_spec(event.kind)
            if spec is not None and spec.recipients is not None:
                notifications.notifications_write_to(
                    event=event,
                    recipient_ids=spec.recipients(event),
                    email_recipient_ids=(
                        spec.email_recipients(event) if spec.email_recipients else None
                    ),
                )
            if spec is not None and spec.audience is not None:
                ranges = notifications.fanout_chunks(event=event)
                for chunk in outbox.chunks_plan(event=event, ranges=ranges):
                    enqueue_on_commit(
                        "creators.tasks.notifications_fanout_chunk_task",
                        event.pk,
                        chunk.after,
                        chunk.upto,
                    )
            event.planned_at = timezone.now()
            event.save(update_fields=["planned_at"])
            planned = True
    outbox.event_finish_if_done(event_id=event_id)  # nothing owed: no chunks, no emails
    return planned
