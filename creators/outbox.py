"""The outbox's books: what work each engagement event still owes, kept in PostgreSQL.

An event's work is (creators/events.py, notifications.py, notification_emails.py):

1. planning — direct recipients' notifications written and the follower audience cut
   into `FanoutChunk` rows, in one transaction that sets `planned_at`;
2. every chunk — its notifications written in the transaction that sets its `done_at`;
3. every immediate email — `sent_at` stamped (or the row dropped: nowhere to send it),
   unless it failed `NOTIFY_EMAIL_MAX_ATTEMPTS` times.

`dispatched_at` is set only when all of it has happened: by whoever finishes the last
piece (`event_finish_if_done`, run after each piece commits) or, if that process died
in between, by the sweeper. A broker that loses messages (a Redis restarted empty) or a
worker killed while holding them (they come back only after the visibility timeout, an
hour) loses nothing: the sweeper re-enqueues every unfinished part older than
`EVENT_SWEEP_AFTER`, and each part is done at most once (unique rows, row locks and
conditional updates), so a copy that runs twice or late writes and sends nothing twice.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime, timedelta

from django.conf import settings
from django.db.models import Count, Exists, Min, OuterRef, Q, QuerySet
from django.utils import timezone

from core.tasks import enqueue
from creators.models import EngagementEvent, FanoutChunk, Notification, NotificationChannel

SWEEP_LIMIT = 1000  # per kind of work and sweep; the next sweep takes the rest
BACKLOG_CAP = 10_000  # /healthz counts up to this many of each kind ("10000+")


# --- What is still owed ---------------------------------------------------------------


def unfinished_events() -> QuerySet[EngagementEvent]:
    return EngagementEvent.objects.filter(dispatched_at__isnull=True)


def pending_chunks() -> QuerySet[FanoutChunk]:
    return FanoutChunk.objects.filter(done_at__isnull=True)


def immediate_emails_unsent() -> QuerySet[Notification]:
    """Immediate email rows not sent yet, given up on or not (the partial indexes)."""
    return Notification.objects.filter(
        channel=NotificationChannel.EMAIL, digest=False, sent_at__isnull=True
    )


def pending_emails() -> QuerySet[Notification]:
    """Immediate emails still to be sent: not yet given up on."""
    return immediate_emails_unsent().filter(attempts__lt=settings.NOTIFY_EMAIL_MAX_ATTEMPTS)


def failed_emails() -> QuerySet[Notification]:
    """Immediate emails given up on after NOTIFY_EMAIL_MAX_ATTEMPTS failed attempts."""
    return immediate_emails_unsent().filter(attempts__gte=settings.NOTIFY_EMAIL_MAX_ATTEMPTS)


# --- Planning and finishing -----------------------------------------------------------


def chunks_plan(*, event: EngagementEvent, ranges: Iterable[tuple[int, int]]) -> list[FanoutChunk]:
    """Record the event's fan-out chunks; call inside the planning transaction."""
    now = timezone.now()
    chunks = [FanoutChunk(event=event, after=a, upto=u, created_at=now) for a, u in ranges]
    FanoutChunk.objects.bulk_create(chunks, ignore_conflicts=True, batch_size=1000)
    return chunks


def _finishable(events: QuerySet[EngagementEvent]) -> QuerySet[EngagementEvent]:
    return (
        events.filter(dispatched_at__isnull=True, planned_at__isnull=False)
        .exclude(Exists(pending_chunks().filter(event=OuterRef("pk"))))
        .exclude(Exists(pending_emails().filter(event=OuterRef("pk"))))
    )


def event_finish_if_done(*, event_id: int) -> bool:
    """Mark the event dispatched if nothing is owed any more. Call it after the
    transaction that did a piece of its work has committed: of pieces finishing at once,
    the one that commits last then sees all of them done (a check inside the transaction
    could miss a neighbour that commits at the same moment)."""
    updated = _finishable(EngagementEvent.objects.filter(pk=event_id)).update(
        dispatched_at=timezone.now()
    )
    return bool(updated)


# --- The sweeper ----------------------------------------------------------------------


@dataclass(frozen=True)
class Sweep:
    events: int  # never planned: dispatch re-enqueued
    chunks: int  # planned, not done: chunk task re-enqueued
    emails: int  # immediate, unsent: send task re-enqueued
    finished: int  # nothing owed any more: marked dispatched here


def outbox_sweep(*, older_than: timedelta | None = None) -> Sweep:
    """Re-enqueue every unfinished part of the outbox older than `older_than`
    (`EVENT_SWEEP_AFTER`), whatever the broker did with it, and mark finished the events
    whose last piece's process died before it could. Idempotent; a part that is still
    queued (a long backlog) merely runs twice, the second time as a no-op."""
    older_than = settings.EVENT_SWEEP_AFTER if older_than is None else older_than
    before = timezone.now() - older_than
    events = list(
        unfinished_events()
        .filter(planned_at__isnull=True, created_at__lt=before)
        .order_by("created_at")
        .values_list("pk", flat=True)[:SWEEP_LIMIT]
    )
    chunks = list(
        pending_chunks()
        .filter(created_at__lt=before)
        .order_by("created_at")
        .values_list("event_id", "after", "upto")[:SWEEP_LIMIT]
    )
    emails = list(
        pending_emails()
        .filter(created_at__lt=before)
        .filter(Q(claimed_at__isnull=True) | Q(claimed_at__lt=before))
        .order_by("created_at")
        .values_list("pk", flat=True)[:SWEEP_LIMIT]
    )
    for event_id in events:
        enqueue("creators.tasks.event_dispatch_task", event_id)
    for event_id, after, upto in chunks:
        enqueue("creators.tasks.notifications_fanout_chunk_task", event_id, after, upto)
    for notification_id in emails:
        enqueue("creators.tasks.notification_email_send_task", notification_id)
    done = _finishable(unfinished_events()).order_by("created_at").values("pk")[:SWEEP_LIMIT]
    finished = _finishable(EngagementEvent.objects.filter(pk__in=done)).update(
        dispatched_at=timezone.now()
    )
    return Sweep(events=len(events), chunks=len(chunks), emails=len(emails), finished=finished)


def failed_emails_retry() -> int:
    """Give every email given up on NOTIFY_EMAIL_MAX_ATTEMPTS more attempts (an operator's
    decision, after fixing what made them fail); the next sweep sends them."""
    return failed_emails().update(attempts=0, claimed_at=None)


# --- What operators see ---------------------------------------------------------------


@dataclass(frozen=True)
class Pending:
    count: int  # capped at BACKLOG_CAP
    oldest: datetime | None

    def age_seconds(self, now: datetime) -> float | None:
        return None if self.oldest is None else max(0.0, (now - self.oldest).total_seconds())


@dataclass(frozen=True)
class Backlog:
    events: Pending  # not dispatched (not planned, or work still owed)
    chunks: Pending  # fan-out chunks not done
    emails: Pending  # immediate emails not sent, still to be tried
    at: datetime

    def oldest_age_seconds(self) -> float:
        ages = [p.age_seconds(self.at) for p in (self.events, self.chunks, self.emails)]
        return max((age for age in ages if age is not None), default=0.0)

    def degraded(self) -> bool:
        return self.oldest_age_seconds() > settings.OUTBOX_DEGRADED_AFTER.total_seconds()

    def as_dict(self) -> dict:
        def part(pending: Pending) -> dict:
            age = pending.age_seconds(self.at)
            return {
                "count": pending.count,
                "capped": pending.count >= BACKLOG_CAP,
                "oldest_seconds": None if age is None else round(age),
            }

        return {
            "events": part(self.events),
            "chunks": part(self.chunks),
            "emails": part(self.emails),
        }


def pending_of(rows: QuerySet) -> Pending:
    """Count (bounded) and oldest of one kind of pending work, in one query over its
    partial index: SELECT count(*), min(created_at) FROM (… ORDER BY created_at LIMIT n)."""
    found = rows.order_by("created_at")[:BACKLOG_CAP].aggregate(
        count=Count("pk"), oldest=Min("created_at")
    )
    return Pending(count=found["count"], oldest=found["oldest"])


def outbox_backlog() -> Backlog:
    """How much work the outbox owes and how old the oldest is; three indexed queries."""
    return Backlog(
        events=pending_of(unfinished_events()),
        chunks=pending_of(pending_chunks()),
        emails=pending_of(pending_emails()),
        at=timezone.now(),
    )
