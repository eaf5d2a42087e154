"""Live metrics on the real engines: a follow and a paid order reach the creator's
dashboard within a minute, through Redis and a real Celery worker (event dispatch on
`events`, then the debounced live roll-up on `rollups`), with no hourly run in between.

`METRICS_LIVE_SECONDS` is 2 in this test (10 by default): the window only delays the run,
so a shorter one keeps the test short without changing what it proves.
"""

import re
import time

import pytest
from celery.contrib.testing.worker import start_worker
from django.db import transaction

from creators import events, follows, rollup
from creators.models import EventKind, MetricsWatermark
from relcommerce.celery import app as celery_app
from tests.factories import CreatorProfileFactory, ShopFactory, UserFactory

pytestmark = [pytest.mark.real_stack, pytest.mark.django_db(transaction=True)]


def _card(page: str, label: str) -> str | None:
    found = re.search(
        rf'metric-card__label">{label}</span>\s*<span class="metric-card__value">([^<]+)<', page
    )
    return found.group(1) if found else None


def test_a_follow_and_an_order_are_on_the_dashboard_within_a_minute(client, settings):
    settings.METRICS_LIVE_SECONDS = 2
    creator = ShopFactory(creator=CreatorProfileFactory(handle="live_ana")).creator
    fan = UserFactory()
    rollup.rollup_incremental()  # the hourly run has run: the watermark exists
    mark = MetricsWatermark.objects.get()
    client.force_login(creator.user)
    assert _card(client.get("/studio/").content.decode(), "Followers") == "0"

    queues = ["default", "events", "fanout", "email", "rollups"]
    with start_worker(celery_app, pool="solo", perform_ping_check=False, queues=queues):
        started = time.monotonic()
        follows.follow_create(follower=fan, followed=creator.user)
        with transaction.atomic():  # what checkout records for a card payment
            payload = {"order": "RC-LIVE0001", "amount": "24.00", "currency": "EUR"}
            for kind in (EventKind.ORDER_PLACED, EventKind.ORDER_PAID):
                events.event_record(
                    kind=kind,
                    actor=fan,
                    creator=creator,
                    payload={**payload, "buyer_id": fan.pk},
                )

        page = ""
        while time.monotonic() - started < 60:
            page = client.get("/studio/").content.decode()
            if _card(page, "Followers") == "1" and _card(page, "Revenue") == "24.00 EUR":
                break
            time.sleep(0.5)
        seconds = time.monotonic() - started

    assert _card(page, "Followers") == "1", page[:3000]
    assert _card(page, "Revenue") == "24.00 EUR"
    assert seconds < 60
    assert re.search(r">updated \d+ seconds? ago</time>", page)
    # Counted live: the hourly run has not run again (the watermark has not moved).
    assert MetricsWatermark.objects.get() == mark
    assert MetricsWatermark.objects.get().last_event_id == mark.last_event_id
