"""The engagement pipeline on the real engines: a Redis broker, real workers, PostgreSQL.

Run by .ci/run's second pass (DATABASE_URL and REDIS_URL set); skipped otherwise. A worker
killed and a Redis restarted empty mid-fan-out: tests/test_real_stack_outbox.py.
"""

import time
from datetime import timedelta

import pytest
from celery.contrib.testing.worker import start_worker
from django.core import mail

from creators.models import (
    EngagementEvent,
    EventKind,
    Notification,
    NotificationChannel,
    NotificationPreference,
)
from creators.tasks import events_sweep_undispatched_task
from relcommerce.celery import app as celery_app
from tests.factories import follow_recorded
from tests.test_real_stack import _wait_for

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
