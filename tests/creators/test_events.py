"""The outbox: events are written with the action, dispatched after commit, never lost."""

from datetime import timedelta
from unittest import mock

import pytest
from django.db import transaction
from django.utils import timezone
from kombu.exceptions import OperationalError

from creators import events
from creators.models import EngagementEvent, EventKind
from creators.tasks import event_dispatch_task, events_sweep_undispatched_task

pytestmark = pytest.mark.django_db


def _record(creator, **kwargs):
    return events.event_record(
        kind=EventKind.FOLLOW, actor=creator.user, creator=creator, target=creator, **kwargs
    )


def test_recording_outside_a_transaction_is_a_programming_error(creator):
    with pytest.raises(RuntimeError, match="inside the use case's transaction"):
        # pytest-django wraps tests in a transaction; leave it to reach autocommit.
        with mock.patch.object(transaction.get_connection(), "in_atomic_block", False):
            _record(creator)


def test_committed_event_enqueues_exactly_one_dispatch(creator, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True) as callbacks:
        with transaction.atomic():
            event = _record(creator, payload={"amount": "12.50"})
    assert len(callbacks) == 1
    event.refresh_from_db()
    assert event.dispatched_at is not None
    assert event.payload == {"amount": "12.50"}
    assert event.target == creator


def test_rolled_back_action_leaves_no_event_and_enqueues_nothing(
    creator, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True) as callbacks:
        with pytest.raises(ValueError), transaction.atomic():
            _record(creator)
            raise ValueError("the action failed")
    assert callbacks == []
    assert not EngagementEvent.objects.exists()


def test_broker_outage_does_not_fail_the_action_and_the_sweeper_recovers(
    creator, django_capture_on_commit_callbacks, settings
):
    # Given the broker refuses connections when the action commits…
    with mock.patch.object(
        event_dispatch_task, "apply_async", side_effect=OperationalError("connection refused")
    ):
        with django_capture_on_commit_callbacks(execute=True), transaction.atomic():
            event = _record(creator)
    event.refresh_from_db()
    assert event.dispatched_at is None  # …the event is kept, undispatched.

    # A fresh event is left alone: it may still be on its way through the broker.
    assert events_sweep_undispatched_task.delay().get() == 0

    # Once it is older than EVENT_SWEEP_AFTER, the sweeper re-enqueues it.
    EngagementEvent.objects.filter(pk=event.pk).update(
        created_at=timezone.now() - settings.EVENT_SWEEP_AFTER - timedelta(seconds=1)
    )
    assert events_sweep_undispatched_task.delay().get() == 1
    event.refresh_from_db()
    assert event.dispatched_at is not None
    assert events_sweep_undispatched_task.delay().get() == 0


def test_dispatch_is_idempotent(creator):
    with transaction.atomic():
        event = _record(creator)
    assert events.event_dispatch(event_id=event.pk) is True
    event.refresh_from_db()
    first = event.dispatched_at
    assert events.event_dispatch(event_id=event.pk) is False
    event_dispatch_task.delay(event.pk)  # a redelivered task changes nothing either
    event.refresh_from_db()
    assert event.dispatched_at == first


def test_dispatch_of_a_vanished_event_is_a_no_op():
    assert events.event_dispatch(event_id=999_999) is False


def test_tasks_are_configured_to_survive_worker_loss():
    for task in (event_dispatch_task, events_sweep_undispatched_task):
        assert task.acks_late is True
        assert task.reject_on_worker_lost is True
        assert task.max_retries and task.retry_backoff


def test_event_admin_is_read_only(admin_client, creator):
    with transaction.atomic():
        event = _record(creator)
    assert admin_client.get("/admin/creators/engagementevent/add/").status_code == 403
    response = admin_client.post(
        f"/admin/creators/engagementevent/{event.pk}/delete/", {"post": "yes"}
    )
    assert response.status_code == 403
    assert EngagementEvent.objects.filter(pk=event.pk).exists()
