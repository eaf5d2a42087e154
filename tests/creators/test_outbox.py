"""The outbox's books (creators/outbox.py): "dispatched" means every chunk and every
immediate email is done; the sweeper re-enqueues whatever the broker lost; each part is
done once however often, or however concurrently, its task runs."""

import re
from datetime import timedelta
from smtplib import SMTPServerDisconnected
from unittest import mock

import pytest
from django.conf import settings as django_settings
from django.core import mail
from django.core.management import call_command
from django.db import transaction
from django.utils import timezone

from creators import events, notification_emails, notifications, outbox
from creators.models import (
    EngagementEvent,
    EventKind,
    FanoutChunk,
    Follow,
    Notification,
    NotificationChannel,
    NotificationPreference,
)
from creators.tasks import (
    event_dispatch_task,
    events_sweep_undispatched_task,
    notification_email_send_task,
    notifications_fanout_chunk_task,
)
from tests.factories import UserFactory, follow_recorded, post_published_recorded
from tests.races import race

pytestmark = pytest.mark.django_db

IN_APP = NotificationChannel.IN_APP
EMAIL = NotificationChannel.EMAIL


def _bell(event):
    return Notification.objects.filter(event=event, channel=IN_APP)


def _followers(creator, count):
    fans = UserFactory.create_batch(count, verified=False, password=None)
    Follow.objects.bulk_create(Follow(follower=fan, followed=creator.user) for fan in fans)
    return fans


def _age(queryset, by):
    """Make rows look older than EVENT_SWEEP_AFTER by `by` (the sweeper's threshold)."""
    queryset.update(created_at=timezone.now() - django_settings.EVENT_SWEEP_AFTER - by)


@pytest.fixture
def lost(monkeypatch):
    """The broker loses what is published to these tasks (a Redis restarted empty)."""

    def lose(*tasks):
        for task in tasks:
            monkeypatch.setattr(task, "apply_async", lambda *a, **kw: None)
        return lambda: monkeypatch.undo()

    return lose


@pytest.fixture
def publish_losing_chunks(lost, django_capture_on_commit_callbacks):
    """Publish a post whose fan-out chunks are planned but whose messages the broker loses."""

    def publish(creator):
        restore = lost(notifications_fanout_chunk_task)
        with django_capture_on_commit_callbacks(execute=True):
            event = post_published_recorded(creator=creator)
        restore()
        return event

    return publish


@pytest.fixture
def immediate_follow_email(creator):
    NotificationPreference.objects.create(
        user=creator.user, topic="follows", email_mode="immediate"
    )


# --- Dispatched means done --------------------------------------------------------------


def test_an_event_is_dispatched_only_when_its_last_chunk_is_done(
    creator, settings, publish_losing_chunks
):
    settings.NOTIFY_FANOUT_CHUNK = 4
    _followers(creator, 10)
    event = publish_losing_chunks(creator)
    event.refresh_from_db()
    chunks = list(FanoutChunk.objects.filter(event=event).order_by("after"))
    # Planned (three chunks recorded), not dispatched: the chunks are owed.
    assert event.planned_at is not None and event.dispatched_at is None
    assert [c.done_at for c in chunks] == [None, None, None]

    for chunk in chunks[:2]:
        notifications.notifications_fanout_chunk(
            event_id=event.pk, after=chunk.after, upto=chunk.upto
        )
        event.refresh_from_db()
        assert event.dispatched_at is None
    notifications.notifications_fanout_chunk(
        event_id=event.pk, after=chunks[2].after, upto=chunks[2].upto
    )
    event.refresh_from_db()
    assert event.dispatched_at is not None
    assert _bell(event).count() == 10
    assert not FanoutChunk.objects.filter(event=event, done_at__isnull=True).exists()


def test_an_event_waits_for_its_immediate_email(
    creator, fan, immediate_follow_email, lost, mailoutbox, django_capture_on_commit_callbacks
):
    restore = lost(notification_email_send_task)
    with django_capture_on_commit_callbacks(execute=True):
        follow_recorded(fan=fan, creator=creator)
    restore()
    event = EngagementEvent.objects.get(kind=EventKind.FOLLOW)
    assert event.planned_at is not None and event.dispatched_at is None
    email = Notification.objects.get(channel=EMAIL)
    assert notification_emails.notification_email_send(notification_id=email.pk) is True
    event.refresh_from_db()
    assert event.dispatched_at is not None and len(mailoutbox) == 1


def test_an_event_nobody_hears_of_is_dispatched_at_once(creator):
    with transaction.atomic():
        event = events.event_record(kind=EventKind.UNFOLLOW, actor=None, creator=creator)
    assert events.event_dispatch(event_id=event.pk) is True
    event.refresh_from_db()
    assert event.planned_at is not None and event.dispatched_at is not None


def test_a_rolled_back_action_leaves_no_event_chunk_or_notification(
    creator, django_capture_on_commit_callbacks
):
    _followers(creator, 5)
    with django_capture_on_commit_callbacks(execute=True) as callbacks:
        with pytest.raises(ValueError), transaction.atomic():
            post_published_recorded(creator=creator)
            raise ValueError("the action failed")
    assert callbacks == []
    assert not EngagementEvent.objects.exists()
    assert not FanoutChunk.objects.exists() and not Notification.objects.exists()


def test_a_chunk_that_fails_midway_writes_nothing_and_is_done_by_its_retry(
    creator, settings, publish_losing_chunks
):
    settings.NOTIFY_FANOUT_CHUNK = 100
    _followers(creator, 6)
    event = publish_losing_chunks(creator)
    chunk = FanoutChunk.objects.get(event=event)
    args = {"event_id": event.pk, "after": chunk.after, "upto": chunk.upto}
    with (
        mock.patch.object(FanoutChunk, "save", side_effect=RuntimeError("worker died")),
        pytest.raises(RuntimeError),
    ):
        notifications.notifications_fanout_chunk(**args)
    # The chunk's transaction rolled back whole: no rows, not done.
    assert not _bell(event).exists()
    assert FanoutChunk.objects.get(pk=chunk.pk).done_at is None
    assert notifications.notifications_fanout_chunk(**args) == 6
    assert _bell(event).count() == 6


# --- Exactly once ------------------------------------------------------------------------


def test_a_chunk_task_run_twice_writes_once_and_a_late_copy_changes_nothing(
    creator, settings, publish_losing_chunks
):
    settings.NOTIFY_FANOUT_CHUNK = 100
    _followers(creator, 5)
    event = publish_losing_chunks(creator)
    chunk = FanoutChunk.objects.get(event=event)
    args = (event.pk, chunk.after, chunk.upto)
    notifications_fanout_chunk_task.delay(*args)
    notifications_fanout_chunk_task.delay(*args)
    assert _bell(event).count() == 5
    # An hour later a new fan in the chunk's range follows, and Redis redelivers the old
    # message: the chunk is done, so nobody is told of the old post.
    late = UserFactory(verified=False, password=None)
    Follow.objects.create(follower=late, followed=creator.user)
    notifications_fanout_chunk_task.delay(event.pk, chunk.after, late.pk)
    assert _bell(event).count() == 5 and not _bell(event).filter(recipient=late).exists()


def test_a_stray_chunk_message_without_a_chunk_row_writes_nothing(creator, publish_losing_chunks):
    fans = _followers(creator, 3)
    event = publish_losing_chunks(creator)  # one chunk (0, last] planned
    notifications_fanout_chunk_task.delay(event.pk, fans[0].pk, fans[-1].pk)  # no such chunk
    assert not _bell(event).exists()
    notifications_fanout_chunk_task.delay(event.pk, 0, fans[-1].pk)
    assert _bell(event).count() == 3


def test_a_chunk_message_of_the_previous_version_is_still_written(creator):
    """Deployed with chunk messages in flight: their events were marked dispatched when the
    chunks were enqueued (no planned_at, no chunk rows)."""
    fans = _followers(creator, 3)
    with transaction.atomic():
        event = events.event_record(
            kind=EventKind.POST_PUBLISHED,
            actor=None,
            creator=creator,
            payload={"post_title": "Old news"},
        )
    EngagementEvent.objects.filter(pk=event.pk).update(dispatched_at=timezone.now())
    notifications_fanout_chunk_task.delay(event.pk, 0, fans[-1].pk)
    notifications_fanout_chunk_task.delay(event.pk, 0, fans[-1].pk)
    assert _bell(event).count() == 3


def test_dispatch_run_twice_plans_once(creator, settings, lost):
    settings.NOTIFY_FANOUT_CHUNK = 2
    _followers(creator, 5)
    restore = lost(notifications_fanout_chunk_task)
    with transaction.atomic():
        event = events.event_record(kind=EventKind.POST_PUBLISHED, actor=None, creator=creator)
    assert events.event_dispatch(event_id=event.pk) is True
    _followers(creator, 3)  # followers who came after the first dispatch
    assert events.event_dispatch(event_id=event.pk) is False
    restore()
    assert FanoutChunk.objects.filter(event=event).count() == 3


def test_an_email_task_run_twice_sends_once(
    creator, fan, immediate_follow_email, lost, mailoutbox, django_capture_on_commit_callbacks
):
    restore = lost(notification_email_send_task)
    with django_capture_on_commit_callbacks(execute=True):
        follow_recorded(fan=fan, creator=creator)
    restore()
    email = Notification.objects.get(channel=EMAIL)
    notification_email_send_task.delay(email.pk)
    notification_email_send_task.delay(email.pk)
    assert len(mailoutbox) == 1
    email.refresh_from_db()
    assert email.sent_at is not None and email.attempts == 1


def test_a_claimed_email_is_left_alone_until_its_claim_is_older_than_the_sweep_delay(
    creator, fan, immediate_follow_email, lost, mailoutbox, django_capture_on_commit_callbacks
):
    """A worker died after claiming (before sending): nobody sends it while the claim is
    fresh; once it is older than EVENT_SWEEP_AFTER the sweeper's copy sends it."""
    restore = lost(notification_email_send_task)
    with django_capture_on_commit_callbacks(execute=True):
        follow_recorded(fan=fan, creator=creator)
    restore()
    email = Notification.objects.get(channel=EMAIL)
    assert notification_emails.email_claim(notification_id=email.pk) is not None  # then died
    assert notification_emails.notification_email_send(notification_id=email.pk) is False
    _age(Notification.objects.filter(pk=email.pk), timedelta(seconds=1))
    assert events_sweep_undispatched_task.delay().get() == 0  # claim still fresh
    Notification.objects.filter(pk=email.pk).update(
        claimed_at=timezone.now() - django_settings.EVENT_SWEEP_AFTER - timedelta(seconds=1)
    )
    assert events_sweep_undispatched_task.delay().get() == 1
    assert len(mailoutbox) == 1
    email.refresh_from_db()
    assert email.sent_at is not None and email.attempts == 2
    assert EngagementEvent.objects.get(kind=EventKind.FOLLOW).dispatched_at is not None


def test_a_failed_send_is_retried_by_the_sweeper_until_its_attempts_run_out(
    creator,
    fan,
    immediate_follow_email,
    settings,
    mailoutbox,
    django_capture_on_commit_callbacks,
):
    settings.NOTIFY_EMAIL_MAX_ATTEMPTS = 2
    down = SMTPServerDisconnected("the mail server went away")
    with mock.patch("django.core.mail.EmailMultiAlternatives.send", side_effect=down):
        with django_capture_on_commit_callbacks(execute=True):
            follow_recorded(fan=fan, creator=creator)  # attempt 1 fails
        email = Notification.objects.get(channel=EMAIL)
        event = email.event
        assert (email.attempts, email.sent_at) == (1, None) and email.claimed_at is not None
        stale = timezone.now() - settings.EVENT_SWEEP_AFTER - timedelta(seconds=1)
        Notification.objects.filter(pk=email.pk).update(created_at=stale, claimed_at=stale)
        assert events_sweep_undispatched_task.delay().get() == 1  # attempt 2 fails
        Notification.objects.filter(pk=email.pk).update(claimed_at=stale)
        assert events_sweep_undispatched_task.delay().get() == 0  # given up: failed
    assert outbox.failed_emails().get() == email
    event.refresh_from_db()
    assert event.dispatched_at is not None  # nothing more is owed
    assert mailoutbox == []

    # An operator fixes the mail server and tries the failed ones again.
    call_command("outbox_status", "--retry-failed", "--requeue", stdout=mock.Mock())
    assert len(mailoutbox) == 1
    assert not outbox.failed_emails().exists()


# --- The sweeper ------------------------------------------------------------------------


def test_the_sweeper_re_enqueues_lost_chunks_and_emails_but_not_fresh_ones(
    creator, settings, lost, mailoutbox, django_capture_on_commit_callbacks
):
    # Given a post to 7 followers in chunks of 3 and a follow with an immediate email,
    # all of whose messages the broker lost…
    settings.NOTIFY_FANOUT_CHUNK = 3
    _followers(creator, 7)
    NotificationPreference.objects.create(
        user=creator.user, topic="follows", email_mode="immediate"
    )
    restore = lost(notifications_fanout_chunk_task, notification_email_send_task)
    with django_capture_on_commit_callbacks(execute=True):
        post = post_published_recorded(creator=creator)
    with django_capture_on_commit_callbacks(execute=True):
        follow_recorded(fan=UserFactory(), creator=creator)
    restore()
    assert FanoutChunk.objects.filter(done_at__isnull=True).count() == 3
    assert not _bell(post).exists() and mailoutbox == []

    # …fresh work is left alone (it may still be on its way)…
    assert events_sweep_undispatched_task.delay().get() == 0

    # …and once older than EVENT_SWEEP_AFTER the sweeper re-enqueues all of it.
    _age(FanoutChunk.objects.all(), timedelta(seconds=1))
    _age(Notification.objects.filter(channel=EMAIL), timedelta(seconds=1))
    assert events_sweep_undispatched_task.delay().get() == 3 + 1
    assert _bell(post).count() == 7
    assert len(mailoutbox) == 1
    assert not EngagementEvent.objects.filter(dispatched_at__isnull=True).exists()
    assert events_sweep_undispatched_task.delay().get() == 0


def test_the_sweeper_finishes_an_event_whose_last_piece_died_before_finishing_it(
    creator, settings, publish_losing_chunks
):
    _followers(creator, 4)
    event = publish_losing_chunks(creator)
    chunk = FanoutChunk.objects.get(event=event)
    with mock.patch.object(outbox, "event_finish_if_done"):  # the process died right there
        notifications.notifications_fanout_chunk(
            event_id=event.pk, after=chunk.after, upto=chunk.upto
        )
    event.refresh_from_db()
    assert event.dispatched_at is None
    assert outbox.outbox_sweep().finished == 1
    event.refresh_from_db()
    assert event.dispatched_at is not None


def test_the_sweeper_dispatches_an_event_the_broker_lost(creator, lost):
    restore = lost(event_dispatch_task)
    with transaction.atomic():
        follow_recorded(fan=UserFactory(), creator=creator)
    restore()
    event = EngagementEvent.objects.get(kind=EventKind.FOLLOW)
    assert outbox.outbox_sweep() == outbox.Sweep(events=0, chunks=0, emails=0, finished=0)
    _age(EngagementEvent.objects.filter(pk=event.pk), timedelta(seconds=1))
    assert outbox.outbox_sweep().events == 1
    event.refresh_from_db()
    assert event.dispatched_at is not None


# --- What operators see -------------------------------------------------------------------


def test_the_backlog_counts_and_ages_each_kind_of_owed_work(
    creator, settings, django_assert_max_num_queries, publish_losing_chunks
):
    settings.NOTIFY_FANOUT_CHUNK = 2
    _followers(creator, 5)
    publish_losing_chunks(creator)
    _age(FanoutChunk.objects.all(), timedelta(minutes=20))
    # One query per kind of work (events, chunks, emails), each over its partial index.
    with django_assert_max_num_queries(3):
        backlog = outbox.outbox_backlog()
    assert backlog.events.count == 1 and backlog.chunks.count == 3
    assert backlog.emails.count == 0 and backlog.emails.oldest is None
    assert backlog.degraded()  # 25 minutes > OUTBOX_DEGRADED_MINUTES
    assert backlog.as_dict()["chunks"]["oldest_seconds"] >= 25 * 60


def test_healthz_reports_the_outbox_and_degrades_past_the_threshold(
    client, creator, settings, publish_losing_chunks
):
    body = client.get("/healthz").json()
    assert body["checks"]["outbox"] == "ok"
    assert body["outbox"]["chunks"] == {"count": 0, "capped": False, "oldest_seconds": None}

    _followers(creator, 3)
    publish_losing_chunks(creator)
    body = client.get("/healthz").json()
    assert body["status"] == "ok" and body["outbox"]["chunks"]["count"] == 1  # fresh

    _age(FanoutChunk.objects.all(), settings.OUTBOX_DEGRADED_AFTER)
    response = client.get("/healthz")
    assert response.status_code == 200  # pages are served: degraded, not down
    body = response.json()
    assert body["status"] == "degraded"
    assert body["checks"]["outbox"].startswith("degraded: work unfinished for 15 min")
    assert body["outbox"]["events"]["count"] == 1


def test_outbox_status_shows_the_backlog_and_requeue_delivers_it_now(
    creator, settings, capsys, publish_losing_chunks
):
    settings.NOTIFY_FANOUT_CHUNK = 2
    _followers(creator, 5)
    event = publish_losing_chunks(creator)
    call_command("outbox_status")
    out = capsys.readouterr().out
    assert "Outbox: ok" in out
    assert re.search(r"fan-out chunks not done +3 +oldest \d+ s", out), out
    assert re.search(r"events not dispatched +1 ", out), out
    assert re.search(r"of which not planned +0 ", out), out

    call_command("outbox_status", "--requeue")  # fresh or not
    out = capsys.readouterr().out
    assert "Re-enqueued 0 event(s), 3 chunk(s), 0 email(s)" in out
    assert re.search(r"fan-out chunks not done +0 +oldest -", out), out
    assert _bell(event).count() == 5


# --- Concurrency (PostgreSQL: SQLite serialises writers) ----------------------------------

postgres_only = pytest.mark.skipif(
    not django_settings.USES_POSTGRES, reason="row locks need PostgreSQL"
)


@postgres_only
@pytest.mark.django_db(transaction=True)
def test_a_chunk_task_racing_its_re_enqueued_copy_writes_once(creator, settings, lost):
    settings.NOTIFY_FANOUT_CHUNK = 1000
    _followers(creator, 300)
    restore = lost(notifications_fanout_chunk_task)
    with transaction.atomic():
        event = events.event_record(kind=EventKind.POST_PUBLISHED, actor=None, creator=creator)
    events.event_dispatch(event_id=event.pk)
    restore()
    chunk = FanoutChunk.objects.get(event=event)
    added = []

    def run():
        added.append(
            notifications.notifications_fanout_chunk(
                event_id=event.pk, after=chunk.after, upto=chunk.upto
            )
        )

    assert race([run, run, run]) == []
    assert sorted(added) == [0, 0, 300]
    assert _bell(event).count() == 300
    assert EngagementEvent.objects.get(pk=event.pk).dispatched_at is not None


@postgres_only
@pytest.mark.django_db(transaction=True)
def test_email_tasks_racing_send_once(creator, fan, immediate_follow_email, lost):
    restore = lost(notification_email_send_task)
    follow_recorded(fan=fan, creator=creator)
    restore()
    email = Notification.objects.get(channel=EMAIL)
    mail.outbox = []
    sent = []
    send = lambda: sent.append(  # noqa: E731
        notification_emails.notification_email_send(notification_id=email.pk)
    )
    assert race([send] * 4) == []
    assert sorted(sent) == [False, False, False, True]
    assert len(mail.outbox) == 1


@postgres_only
@pytest.mark.django_db(transaction=True)
def test_chunks_of_one_event_run_side_by_side_without_skipping_each_other(creator, settings, lost):
    """A chunk locks its own row only: its neighbours' inserts hold the event's row (a
    foreign-key share lock), and a chunk that tried to lock that too would be skipped."""
    settings.NOTIFY_FANOUT_CHUNK = 100
    _followers(creator, 400)
    restore = lost(notifications_fanout_chunk_task)
    with transaction.atomic():
        event = events.event_record(kind=EventKind.POST_PUBLISHED, actor=None, creator=creator)
    events.event_dispatch(event_id=event.pk)
    restore()
    chunks = list(FanoutChunk.objects.filter(event=event))
    added = []
    runs = [
        lambda c=chunk: added.append(
            notifications.notifications_fanout_chunk(event_id=event.pk, after=c.after, upto=c.upto)
        )
        for chunk in chunks
    ]
    assert race(runs) == []
    assert sorted(added) == [100, 100, 100, 100]
    assert not FanoutChunk.objects.filter(event=event, done_at__isnull=True).exists()
    assert EngagementEvent.objects.get(pk=event.pk).dispatched_at is not None


def test_staff_see_the_chunks_read_only_in_admin(admin_client, creator, publish_losing_chunks):
    _followers(creator, 2)
    publish_losing_chunks(creator)
    response = admin_client.get("/admin/creators/fanoutchunk/", {"done_at__isnull": "True"})
    assert response.status_code == 200 and "1 fanout chunk" in response.text
    assert admin_client.get("/admin/creators/fanoutchunk/add/").status_code == 403
