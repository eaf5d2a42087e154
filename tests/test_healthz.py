"""/healthz: 503 only without the database; Redis down or frozen is "degraded" (200),
named, and answered within a second."""

import time
from unittest import mock

import pytest
from django.db import OperationalError

from core import tasks
from relcommerce import health
from relcommerce.celery import app as celery_app
from tests.redis_server import cache_settings, free_port, silent_port  # noqa: F401 (fixture)

pytestmark = pytest.mark.django_db


@pytest.fixture
def broker_mode(settings, monkeypatch):
    """A broker, not in-process tasks (the real stack), pointed at `url`."""
    settings.CELERY_TASK_ALWAYS_EAGER = False
    monkeypatch.setattr(tasks._Broker, "down_until", 0.0)

    def point(url):
        monkeypatch.setattr(celery_app.conf, "broker_url", url)

    return point


def healthz(client):
    started = time.monotonic()
    response = client.get("/healthz")
    return response, time.monotonic() - started


def test_healthy_stack_answers_200_with_each_check(client):
    response, _ = healthz(client)
    assert response.status_code == 200
    body = response.json()
    assert body["status"] == "ok"
    assert set(body["checks"]) == {"database", "cache", "broker", "outbox"}
    assert all(value.startswith("ok") for value in body["checks"].values())
    assert body["cache"]["degraded"] is False
    assert body["broker"] == {"recently_failed": False}
    assert "no-cache" in response["Cache-Control"]


def test_database_down_answers_503_and_names_it(client):
    with (
        mock.patch("relcommerce.health._check_database", side_effect=OperationalError("down")),
        mock.patch.dict(health.CHECKS, {"database": health._check_database}),
    ):
        response, _ = healthz(client)
    assert response.status_code == 503
    body = response.json()
    assert body["status"] == "error"
    assert body["checks"]["database"] == "error: OperationalError"
    assert body["checks"]["cache"] == "ok"


def test_a_stopped_cache_is_degraded_not_down(client, settings):
    settings.CACHES = cache_settings(f"redis://127.0.0.1:{free_port()}/0")
    response, seconds = healthz(client)
    assert response.status_code == 200
    body = response.json()
    assert body["status"] == "degraded"
    assert body["checks"]["cache"].startswith("degraded: Redis unreachable")
    assert body["checks"]["database"] == "ok"
    assert body["cache"]["degraded"] is True
    assert body["cache"]["failures"] >= 1
    assert seconds < 1


def test_a_stopped_broker_is_degraded_not_down(client, broker_mode):
    broker_mode(f"redis://127.0.0.1:{free_port()}/0")
    response, seconds = healthz(client)
    assert response.status_code == 200
    body = response.json()
    assert body["status"] == "degraded"
    assert body["checks"]["broker"].startswith("degraded: ConnectionError")
    assert seconds < 1


def test_a_frozen_cache_and_broker_answer_within_a_second(
    client,
    settings,
    broker_mode,
    silent_port,  # noqa: F811
):
    client.get("/healthz")  # a warm process, as a load balancer probes
    url = f"redis://127.0.0.1:{silent_port}/0"
    settings.CACHES = cache_settings(url)
    broker_mode(url)
    response, seconds = healthz(client)
    assert seconds < 1, f"/healthz took {seconds:.2f} s"
    assert response.status_code == 200
    body = response.json()
    assert body["status"] == "degraded"
    assert body["checks"]["cache"].startswith("degraded")
    assert body["checks"]["broker"].startswith("degraded: TimeoutError")


def test_a_publish_that_failed_lately_makes_the_broker_degraded(client, broker_mode):
    broker_mode("memory://localhost/")
    tasks._Broker.down_until = time.monotonic() + 60
    body = healthz(client)[0].json()
    assert body["status"] == "degraded"
    assert body["checks"]["broker"].startswith("degraded: a publish failed lately")
    assert body["broker"] == {"recently_failed": True}


def test_only_get(client):
    assert client.post("/healthz").status_code == 405
