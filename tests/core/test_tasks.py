"""core.tasks: services enqueue tasks by name, after commit, and a broker outage never
reaches the request."""

import os
import subprocess
import sys
from pathlib import Path
from unittest import mock

import pytest
from django.db import transaction
from kombu.exceptions import OperationalError

from core import tasks
from creators.tasks import event_dispatch_task

pytestmark = pytest.mark.django_db

NAME = "creators.tasks.event_dispatch_task"
ROOT = Path(__file__).resolve().parent.parent.parent


@pytest.fixture
def broker_mode():
    """A broker, not in-process tasks (the real stack), with the breaker closed."""
    app = event_dispatch_task.app
    eager = app.conf.task_always_eager
    app.conf.task_always_eager = False
    tasks._Broker.down_until = 0.0
    yield
    app.conf.task_always_eager = eager
    tasks._Broker.down_until = 0.0


def test_a_wrong_task_name_fails_inside_the_transaction():
    with pytest.raises(LookupError, match="no Celery task"), transaction.atomic():
        tasks.enqueue_on_commit("creators.tasks.no_such_task", 1)


def test_nothing_is_published_when_the_transaction_rolls_back(django_capture_on_commit_callbacks):
    with mock.patch.object(event_dispatch_task, "apply_async") as publish:
        with django_capture_on_commit_callbacks(execute=True):
            with pytest.raises(ValueError), transaction.atomic():
                tasks.enqueue_on_commit(NAME, 7)
                raise ValueError
    publish.assert_not_called()


def test_published_after_commit(broker_mode, django_capture_on_commit_callbacks):
    with mock.patch.object(event_dispatch_task, "apply_async") as publish:
        with django_capture_on_commit_callbacks(execute=True), transaction.atomic():
            tasks.enqueue_on_commit(NAME, 7)
            publish.assert_not_called()
    publish.assert_called_once_with((7,), retry=False)


def test_a_failed_publish_is_not_raised_and_the_next_ones_wait(
    broker_mode, django_capture_on_commit_callbacks, settings
):
    settings.BROKER_RETRY_AFTER = 60
    refused = OperationalError("connection refused")
    with mock.patch.object(event_dispatch_task, "apply_async", side_effect=refused) as publish:
        for event_id in (1, 2, 3):
            with django_capture_on_commit_callbacks(execute=True), transaction.atomic():
                tasks.enqueue_on_commit(NAME, event_id)
    assert publish.call_count == 1  # the broker just failed: no request waits on it again
    assert tasks.broker_recently_failed()

    tasks._Broker.down_until = 0.0  # the window has passed
    with mock.patch.object(event_dispatch_task, "apply_async") as publish:
        with django_capture_on_commit_callbacks(execute=True), transaction.atomic():
            tasks.enqueue_on_commit(NAME, 4)
    publish.assert_called_once_with((4,), retry=False)


def test_inside_a_task_a_failed_publish_is_raised_so_the_task_is_retried(broker_mode):
    refused = OperationalError("connection refused")
    with mock.patch.object(event_dispatch_task, "apply_async", side_effect=refused):
        with pytest.raises(OperationalError):
            tasks.enqueue(NAME, 1)


def test_a_web_process_finds_the_tasks_it_never_imported():
    """Services name tasks instead of importing them, so in a web process (gunicorn,
    runserver) no tasks module is imported until a worker-like discovery runs; without
    it every action that records an event was a 500 (LookupError) outside the tests."""
    code = (
        "import django; django.setup()\n"
        "from django.db import transaction\n"
        "from core import tasks\n"
        "with transaction.atomic():\n"
        "    tasks.enqueue_on_commit('creators.tasks.event_dispatch_task', 1)\n"
        "    transaction.set_rollback(True)\n"
    )
    env = {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": "relcommerce.settings",
        "DATABASE_URL": "sqlite:///:memory:",
        "REDIS_URL": "",
    }
    result = subprocess.run(
        [sys.executable, "-c", code], env=env, cwd=ROOT, capture_output=True, text=True
    )
    assert result.returncode == 0, result.stderr[-2000:]
