"""The metrics roll-up on the real engines: beat's task through Redis to a worker on the
`rollups` queue, and two overlapping roll-ups on PostgreSQL (upserts, no duplicate day)."""

import threading
from datetime import timedelta

import pytest
from celery.contrib.testing.worker import start_worker
from django.db import connection
from django.utils import timezone

from creators import rollup
from creators.models import CreatorMetricsDay, MetricsWatermark
from creators.tasks import metrics_rollup_task
from relcommerce.celery import app as celery_app
from tests.creators.metrics_events import comment, creator_reply, follow, order
from tests.factories import CreatorProfileFactory, UserFactory
from tests.test_real_stack import _wait_for

pytestmark = [pytest.mark.real_stack, pytest.mark.django_db(transaction=True)]


def _history(creator):
    now = timezone.now()
    fans = UserFactory.create_batch(4)
    for n, fan in enumerate(fans):
        follow(creator, fan, now - timedelta(days=n * 5 + 1))
    asked = comment(creator, fans[0], now - timedelta(days=4))
    creator_reply(creator, asked, now - timedelta(days=4) + timedelta(hours=3))
    order(creator, fans[1], now - timedelta(days=2), "42.00")


def test_beat_task_reaches_a_worker_on_the_rollups_queue():
    creator = CreatorProfileFactory()
    _history(creator)
    with start_worker(celery_app, pool="solo", perform_ping_check=False, queues=["rollups"]):
        metrics_rollup_task.delay()
        assert _wait_for(MetricsWatermark.objects.exists), "no roll-up within 20 s"
    today = CreatorMetricsDay.objects.get(creator=creator, date=timezone.now().date())
    assert (today.followers, today.buyers_total, today.follows_90d) == (4, 1, 4)


def test_overlapping_rollups_write_each_day_once():
    creator = CreatorProfileFactory()
    _history(creator)
    today = timezone.now().date()
    start = today - timedelta(days=30)
    barrier = threading.Barrier(2)
    errors = []

    def run():
        try:
            barrier.wait()
            rollup.rollup_range(start=start, end=today)
        except Exception as error:  # reported below
            errors.append(error)
        finally:
            connection.close()

    threads = [threading.Thread(target=run) for _ in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()

    assert errors == []
    assert CreatorMetricsDay.objects.filter(creator=creator).count() == 31
    rows = CreatorMetricsDay.objects.filter(creator=creator)
    assert sum(row.revenue for row in rows) == 42
    assert rows.get(date=today).followers == 4
