"""Celery tasks of the engagement pipeline: thin, take ids, safe to run twice."""

import logging
from smtplib import SMTPException

from celery import shared_task
from django.conf import settings
from django.db import DatabaseError

from core.tasks import RETRY
from creators import (
    badges,
    events,
    milestones,
    notification_emails,
    notifications,
    outbox,
    posts,
    rollup,
)

logger = logging.getLogger(__name__)


@shared_task(**RETRY)
def event_dispatch_task(event_id: int) -> None:
    if events.event_dispatch(event_id=event_id):
        metrics_live_schedule(event_id=event_id)  # the creator's dashboard, within a minute


@shared_task(**RETRY)
def events_sweep_undispatched_task() -> int:
    """Beat, every EVENT_SWEEP_INTERVAL: re-enqueue every unfinished part of the outbox
    (unplanned events, undone fan-out chunks, unsent immediate emails) older than
    EVENT_SWEEP_AFTER, whatever the broker lost or a dead worker holds; mark finished the
    events with nothing left (creators/outbox.py). Returns the parts re-enqueued."""
    sweep = outbox.outbox_sweep()
    if sweep.events or sweep.chunks or sweep.emails or sweep.finished:
        logger.warning("outbox sweep: %s", sweep)
    return sweep.events + sweep.chunks + sweep.emails


@shared_task(bind=True, **RETRY)
def metrics_rollup_task(self) -> int:
    """Beat's hourly roll-up of relationship metrics; a re-run recomputes the same rows.
    Skipped (0) while another roll-up runs: its work is left for the next one — or, when
    a creator waits for their rows in a new time zone, for a retry a minute later."""
    result = rollup.rollup_incremental()
    if result is None:
        if rollup.metrics_recompute_waiting():
            raise self.retry(countdown=60)
        return 0
    # Fan badges read the same events; rebuilt after each roll-up (its own task).
    fan_badges_rebuild_task.delay()
    return result.rows


def metrics_live_schedule(*, event_id: int) -> None:
    """After an event is dispatched: a live roll-up of its creator in METRICS_LIVE_SECONDS,
    unless one is already scheduled (one run per creator and window, however many events).
    In-process (tasks eager) it runs at once. Never fails the dispatch: the hourly run is
    the backstop."""
    seconds = settings.METRICS_LIVE_SECONDS
    if not seconds:
        return
    creator_id = rollup.live_creator_of(event_id=event_id)
    if creator_id is None:
        return
    if metrics_live_rollup_task.app.conf.task_always_eager:
        metrics_live_rollup_task.delay(creator_id)
        return
    if not rollup.live_slot_take(creator_id=creator_id, seconds=seconds):
        return
    try:
        metrics_live_rollup_task.apply_async((creator_id,), countdown=seconds)
    except Exception:  # the broker: the hourly run counts these events
        rollup.live_slot_release(creator_id=creator_id)
        logger.exception("could not schedule the live roll-up of creator %s", creator_id)


@shared_task(bind=True, **{**RETRY, "max_retries": 60})
def metrics_live_rollup_task(self, creator_id: int) -> int:
    """One creator's rows brought up to date (creators.rollup.rollup_live). While another
    roll-up holds the lock, tried again every METRICS_LIVE_RETRY_SECONDS (the hourly run
    takes about a second; a backfill longer — after a minute or so the next hourly run,
    or the next event, counts it)."""
    result = rollup.rollup_live(creator_id=creator_id)
    if result is None:
        if self.request.is_eager:
            return 0  # in-process: the run holding the lock counts it, or the next one
        raise self.retry(countdown=settings.METRICS_LIVE_RETRY_SECONDS)
    return result.rows


@shared_task(**RETRY)
def fan_badges_rebuild_task() -> int:
    """Recompute every creator's fan badges (creators/badges.py); a rerun writes nothing."""
    return badges.badges_rebuild().changed_creators


@shared_task(**RETRY)
def follower_milestones_check_task(creator_user_id: int) -> None:
    """After a follow: tell the creator about a follower milestone reached (once each)."""
    milestones.follower_milestones_check(creator_user_id=creator_user_id)


@shared_task(**RETRY)
def follow_anniversaries_task() -> int:
    """Daily (beat): tell fans and creators about follow anniversaries due (once each)."""
    return milestones.follow_anniversaries_record()


@shared_task(**RETRY)
def posts_publish_due_task() -> int:
    """Publish scheduled posts whose time has come (idempotent: see creators.posts)."""
    return posts.posts_publish_due()


@shared_task(**RETRY)
def notifications_fanout_chunk_task(event_id: int, after: int, upto: int) -> None:
    notifications.notifications_fanout_chunk(event_id=event_id, after=after, upto=upto)


@shared_task(**RETRY)
def notification_email_send_task(notification_id: int) -> None:
    """Send one immediate email under a claim; a failed send waits for the sweeper."""
    notification_emails.notification_email_send(notification_id=notification_id)


@shared_task(**{**RETRY, "autoretry_for": (DatabaseError, ConnectionError, SMTPException)})
def notification_digest_send_task(user_id: int) -> None:
    notification_emails.notification_digest_send(user_id=user_id)


@shared_task(**RETRY)
def notification_digests_send_task() -> int:
    """Daily (beat): one digest task per person with digest email waiting."""
    after, count = 0, 0
    while ids := notification_emails.digest_recipient_ids(after=after):
        for user_id in ids:
            notification_digest_send_task.delay(user_id)
        after, count = ids[-1], count + len(ids)
    return count
