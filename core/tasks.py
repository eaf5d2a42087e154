"""Enqueueing Celery tasks by name, and the retry policy every task shares.

Services must not import the tasks modules that call them (that is an import circle), so
they name the task instead: `enqueue_on_commit("creators.tasks.event_dispatch_task", id)`.
A wrong name fails at once, inside the caller's transaction, not silently after commit.

Publishing after commit is for work that has a backstop (the outbox sweeper, the next
periodic run): the action has committed, so a broker outage is logged and counted, never
raised into the request, and for `BROKER_RETRY_AFTER` seconds after a failure this process
does not try again — a request does not wait on a broker that just failed.
"""

from __future__ import annotations

import logging
import time
from functools import partial

from celery import current_app
from django.conf import settings
from django.db import DatabaseError, transaction

logger = logging.getLogger(__name__)

# Retry only what may succeed next time (PostHog's task file is the model); safe because
# every task is idempotent (ARCHITECTURE.md).
RETRY = {
    "autoretry_for": (DatabaseError, ConnectionError),
    "retry_backoff": True,
    "retry_backoff_max": 300,
    "retry_jitter": True,
    "max_retries": 8,
    "acks_late": True,
    "reject_on_worker_lost": True,
    "ignore_result": True,
}


class _Broker:
    """This process's view of the broker: when it last failed a publish."""

    down_until = 0.0
    failures = 0  # publishes that failed or were skipped since the process started


def _task(name: str):
    if name not in current_app.tasks:
        # Nothing imports the tasks modules in a web process (services name tasks, see
        # above): discover them as a worker does when it starts, once per process.
        current_app.loader.import_default_modules()
    try:
        return current_app.tasks[name]
    except KeyError:
        raise LookupError(f"no Celery task is named {name!r}") from None


def enqueue(name: str, *args) -> None:
    """Publish now. Errors propagate: inside a task, that task is retried."""
    _task(name).apply_async(args)


def enqueue_on_commit(name: str, *args) -> None:
    """Publish once the current transaction commits; an outage is logged, not raised."""
    transaction.on_commit(partial(_publish, _task(name), args))


def _publish(task, args: tuple) -> None:
    in_process = task.app.conf.task_always_eager  # the embedded default: no broker at all
    if not in_process and time.monotonic() < _Broker.down_until:
        _Broker.failures += 1
        logger.warning("broker down: %s%r not enqueued now; its backstop will", task.name, args)
        return
    try:
        task.apply_async(args, retry=False)
    except Exception:  # whatever the transport (or an in-process task) raises
        if in_process:
            logger.exception("%s%r failed in-process; its backstop will retry", task.name, args)
            return
        _Broker.failures += 1
        _Broker.down_until = time.monotonic() + settings.BROKER_RETRY_AFTER
        logger.exception("could not enqueue %s%r; its backstop will", task.name, args)


def broker_recently_failed() -> bool:
    """For /healthz: a publish failed within the last BROKER_RETRY_AFTER seconds."""
    return time.monotonic() < _Broker.down_until
