from unittest import mock

import pytest
from django.db import OperationalError

pytestmark = pytest.mark.django_db


def test_healthy_stack_answers_200_with_each_check(client):
    response = client.get("/healthz")
    assert response.status_code == 200
    body = response.json()
    assert body["status"] == "ok"
    assert set(body["checks"]) == {"database", "cache", "broker"}
    assert all(value.startswith("ok") for value in body["checks"].values())
    assert "no-cache" in response["Cache-Control"]


def test_database_down_answers_503_and_names_it(client):
    with mock.patch("relcommerce.health._check_database", side_effect=OperationalError("down")):
        from relcommerce import health

        with mock.patch.dict(health.CHECKS, {"database": health._check_database}):
            response = client.get("/healthz")
    assert response.status_code == 503
    body = response.json()
    assert body["status"] == "error"
    assert body["checks"]["database"] == "error: OperationalError"
    assert body["checks"]["cache"] == "ok"


def test_broker_down_answers_503(client, settings):
    from relcommerce import health

    settings.CELERY_TASK_ALWAYS_EAGER = False
    with mock.patch.object(
        health.celery_app, "connection_for_write", side_effect=ConnectionError("refused")
    ):
        response = client.get("/healthz")
    assert response.status_code == 503
    assert response.json()["checks"]["broker"] == "error: ConnectionError"


def test_only_get(client):
    assert client.post("/healthz").status_code == 405
