"""The engagement pipeline on the real engines: a Redis broker, real workers, PostgreSQL.

Run by .ci/run's second pass (DATABASE_URL and REDIS_URL set); skipped otherwise.
"""

import os
import signal
import time
from datetime import timedelta

import pytest
from celery.contrib.testing.worker import start_worker
from django.core import mail
from django.db import connection

from creators.models import (
    EngagementEvent,
    EventKind,
    Follow,
    Notification,
    NotificationChannel,
    NotificationPreference,
    User,
)
from creators.tasks import events_sweep_undispatched_task
from relcommerce.celery import app as celery_app
from tests.factories import follow_recorded, post_published_recorded
from tests.test_real_stack import _wait_for
from tests.workers import celery_worker

pytestmark = [pytest.mark.real_stack, pytest.mark.django_db(transaction=True)]

QUEUES = ["default", "events", "fanout", "email"]


def _in_app(**filters):
    return Notification.objects.filter(channel=NotificationChannel.IN_APP, **filters)


def test_a_committed_follow_gives_the_creator_one_notification_and_one_email(creator, fan):
    NotificationPreference.objects.create(
        user=creator.user, topic="follows", email_mode="immediate"
    )
    mail.outbox = []
    with start_worker(celery_app, pool="solo", perform_ping_check=False, queues=QUEUES):
        follow_recorded(fan=fan, creator=creator)
        assert _wait_for(lambda: len(mail.outbox) >= 1), "no email within 20 s"
        time.sleep(0.5)  # anything extra would arrive now
    assert list(_in_app().values_list("recipient", flat=True)) == [creator.user.pk]
    assert [message.to for message in mail.outbox] == [[creator.user.email]]


def test_broker_down_at_request_time_then_the_sweeper_delivers_once(
    creator, fan, broker_at, settings
):
    real_broker = celery_app.conf.broker_url
    broker_at("redis://127.0.0.1:1/0")  # nothing listens on port 1
    follow_recorded(fan=fan, creator=creator)  # the action succeeds
    event = EngagementEvent.objects.get(kind=EventKind.FOLLOW)
    assert event.dispatched_at is None and not _in_app().exists()

    broker_at(real_broker)  # the broker is back
    settings.EVENT_SWEEP_AFTER = timedelta(0)  # sweep at once
    with start_worker(celery_app, pool="solo", perform_ping_check=False, queues=QUEUES):
        events_sweep_undispatched_task.delay()
        events_sweep_undispatched_task.delay()  # a second sweep, racing the first
        assert _wait_for(lambda: _in_app().exists())
        assert _wait_for(
            lambda: EngagementEvent.objects.filter(
                pk=event.pk, dispatched_at__isnull=False
            ).exists()
        )
        time.sleep(1)
    assert list(_in_app().values_list("recipient", flat=True)) == [creator.user.pk]


def _worker(env):
    return celery_worker(env=env, queues=",".join(QUEUES), args=("--concurrency=2",))


def _seed_followers(creator, count):
    stamp = time.time_ns()
    users = User.objects.bulk_create(
        User(email=f"f{stamp}-{i}@example.com", password="!") for i in range(count)
    )
    Follow.objects.bulk_create(Follow(follower=u, followed=creator.user) for u in users)


def test_a_worker_killed_mid_fan_out_loses_and_duplicates_nothing(creator):
    followers = 20_000
    _seed_followers(creator, followers)
    db = connection.settings_dict
    env = {
        **os.environ,
        "DATABASE_URL": f"postgres://{db['USER']}@{db['HOST']}:{db['PORT'] or 5432}/{db['NAME']}",
        "BROKER_VISIBILITY_TIMEOUT": "5",  # a dead worker's tasks come back after 5 s
        "EVENT_SWEEP_AFTER_MINUTES": "0",
        "NOTIFY_FANOUT_CHUNK": "250",
    }
    worker = _worker(env)
    try:
        event = post_published_recorded(creator=creator, title="Big news")
        # Given a fan-out under way…
        assert _wait_for(lambda: _in_app(event=event).exists(), timeout=60)
        os.killpg(worker.pid, signal.SIGKILL)  # …the worker dies without warning
        worker.wait(timeout=10)
        done_before_kill = _in_app(event=event).count()
        assert done_before_kill < followers, "the fan-out finished before the kill"

        # When a worker comes back (after the visibility timeout) and the sweeper runs…
        time.sleep(6)
        worker = _worker(env)
        events_sweep_undispatched_task.delay()
        # …then every follower has exactly one notification.
        assert _wait_for(lambda: _in_app(event=event).count() >= followers, timeout=120), (
            f"only {_in_app(event=event).count()} of {followers} after restart"
        )
        time.sleep(1)
        assert _in_app(event=event).count() == followers
        assert _in_app(event=event).values("recipient").distinct().count() == followers
    finally:
        if worker.poll() is None:
            os.killpg(worker.pid, signal.SIGTERM)
            worker.wait(timeout=30)
