"""Guarantees that only the real engines can show: PostgreSQL locking and a Redis broker.

Run by .ci/run's second pass (DATABASE_URL and REDIS_URL set); skipped on the embedded
default with a reason that says so.
"""

import threading
import time

import pytest
from celery.contrib.testing.worker import start_worker
from django.core.exceptions import ValidationError
from django.db import connection

from creators.models import CreatorProfile, EngagementEvent
from relcommerce.celery import app as celery_app
from shops.services import shop_open
from tests.factories import UserFactory

pytestmark = [pytest.mark.real_stack, pytest.mark.django_db(transaction=True)]


def _wait_for(predicate, timeout=20.0):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if predicate():
            return True
        time.sleep(0.1)
    return False


def test_committed_event_is_dispatched_by_a_real_worker_through_redis():
    user = UserFactory()
    with start_worker(
        celery_app, pool="solo", perform_ping_check=False, queues=["default", "events", "email"]
    ):
        shop = shop_open(user=user, handle="real_worker", display_name="Real Worker")
        event = EngagementEvent.objects.get(creator=shop.creator)
        assert _wait_for(
            lambda: EngagementEvent.objects.filter(
                pk=event.pk, dispatched_at__isnull=False
            ).exists()
        ), "the worker did not dispatch the event within 20 s"


def test_broker_down_at_request_time_keeps_the_action_and_the_event(broker_at):
    broker_at("redis://127.0.0.1:1/0")  # nothing listens on port 1
    user = UserFactory()
    shop = shop_open(user=user, handle="no_broker", display_name="No Broker")
    event = EngagementEvent.objects.get(creator=shop.creator)
    assert event.dispatched_at is None  # kept for the sweeper


def test_healthz_reports_real_engines_and_a_dead_broker(client, broker_at):
    body = client.get("/healthz").json()
    assert body["status"] == "ok"
    assert body["checks"] == {"database": "ok", "cache": "ok", "broker": "ok", "outbox": "ok"}
    broker_at("redis://127.0.0.1:1/0")
    response = client.get("/healthz")
    assert response.status_code == 200  # pages are still served: degraded, not down
    assert response.json()["status"] == "degraded"
    assert response.json()["checks"]["broker"].startswith("degraded")


def test_racing_for_one_handle_gives_one_shop_and_a_clear_error():
    # Given two fans who submit the same handle at the same instant…
    users = [UserFactory(), UserFactory()]
    barrier = threading.Barrier(len(users))
    outcomes = []

    def attempt(user):
        try:
            barrier.wait(timeout=10)
            shop_open(user=user, handle="Same_Handle", display_name="Race")
            outcomes.append("opened")
        except ValidationError as exc:
            outcomes.append(" ".join(exc.messages))
        finally:
            connection.close()

    threads = [threading.Thread(target=attempt, args=(user,)) for user in users]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=30)

    # …exactly one gets the shop and the other is told the handle is taken.
    assert sorted(outcomes) == [
        "That handle is already taken. Please choose another.",
        "opened",
    ]
    assert CreatorProfile.objects.count() == 1
    assert EngagementEvent.objects.count() == 1
