"""Celery tasks of the engagement pipeline: thin, take ids, safe to run twice."""

import logging
from smtplib import SMTPException

from celery import shared_task
from django.db import DatabaseError

from core import pagecache
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
    events.event_dispatch(event_id=event_id)


@shared_task(**RETRY)
def events_sweep_undispatched_task() -> int:
    """Beat, every EVENT_SWEEP_INTERVAL: re-enqueue every unfinished part of the outbox
    (unplanned events, undone fan-out chunks, unsent immediate emails) older than
    EVENT_SWEEP_AFTER, whatever the broker lost or a dead worker holds; mark finished the
    events with nothing left (creators/outbox.py). Returns the parts re-enqueued."""
    # Page-cache invalidations this worker could not make during a cache outage.
    pagecache.retry_owed_invalidations()
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
