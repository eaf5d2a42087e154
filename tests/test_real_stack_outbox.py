"""Background work that loses nothing, on real engines: a fan-out to 5,000 followers
survives a worker whose whole process group is SIGKILLed mid-way, and a Redis (no
persistence) killed and restarted empty mid-way. Every follower ends with exactly one
notification within the promise — EVENT_SWEEP_AFTER + 2 minutes — with the default
visibility timeout (an hour), so recovery comes from the sweeper, not from Redis.

To keep them short the tests set EVENT_SWEEP_AFTER_MINUTES=1 (the promise is then
3 minutes); the sweeper runs in a real `celery beat` on the default schedule
(EVENT_SWEEP_INTERVAL_SECONDS, 60 s). Each takes about two minutes.
"""

import os
import signal
import subprocess
import time
from datetime import timedelta

import pytest
import redis
from django.db import connection

from creators import outbox
from creators.models import (
    EngagementEvent,
    FanoutChunk,
    Follow,
    Notification,
    NotificationChannel,
    User,
)
from relcommerce.celery import app as celery_app
from tests.factories import post_published_recorded
from tests.redis_server import redis_server  # noqa: F401 (fixture)
from tests.workers import celery_beat, celery_worker

pytestmark = [pytest.mark.real_stack, pytest.mark.django_db(transaction=True)]

FOLLOWERS = 5_000
CHUNK = 50  # 100 chunks: a kill lands mid-way, after some are done and before all are
SWEEP_AFTER_MINUTES = 1
PROMISE = timedelta(minutes=SWEEP_AFTER_MINUTES + 2).total_seconds()
QUEUES = "default,events,fanout,email"


class Stack:
    """A worker (prefork, 2 processes) and beat on `redis_url`, as production runs them,
    restarted when they exit (compose: `restart: unless-stopped`)."""

    def __init__(self, tmp_path, redis_url: str):
        db = connection.settings_dict
        self.env = {
            **os.environ,
            "DATABASE_URL": f"postgres://{db['USER']}@{db['HOST']}:{db['PORT'] or 5432}/"
            f"{db['NAME']}",
            "REDIS_URL": redis_url,
            "EVENT_SWEEP_AFTER_MINUTES": str(SWEEP_AFTER_MINUTES),
            "NOTIFY_FANOUT_CHUNK": str(CHUNK),
        }
        for default in ("BROKER_VISIBILITY_TIMEOUT", "EVENT_SWEEP_INTERVAL_SECONDS"):
            self.env.pop(default, None)  # the defaults: 3600 s, 60 s
        self.tmp_path = tmp_path
        self.log = tmp_path / "celery.log"
        self.beat = celery_beat(env=self.env, schedule=tmp_path / "beat-schedule", log=self.log)
        self.worker = self.start_worker()
        self.restarts = 0

    def start_worker(self) -> subprocess.Popen:
        return celery_worker(env=self.env, queues=QUEUES, args=("--concurrency=2",), log=self.log)

    def kill_worker(self) -> None:
        """SIGKILL the worker's whole process group: parent and pool processes at once."""
        os.killpg(self.worker.pid, signal.SIGKILL)
        self.worker.wait(timeout=10)

    def supervise(self) -> None:
        """Start again whatever exited, as a process supervisor would."""
        if self.worker.poll() is not None:
            self.worker = self.start_worker()
            self.restarts += 1
        if self.beat.poll() is not None:
            self.beat = celery_beat(
                env=self.env, schedule=self.tmp_path / "beat-schedule", log=self.log
            )
            self.restarts += 1

    def close(self) -> None:
        for process in (self.worker, self.beat):
            if process.poll() is None:
                os.killpg(process.pid, signal.SIGTERM)
        for process in (self.worker, self.beat):
            try:
                process.wait(timeout=30)
            except subprocess.TimeoutExpired:
                os.killpg(process.pid, signal.SIGKILL)
                process.wait(timeout=10)

    def tail(self) -> str:
        return self.log.read_text(errors="replace")[-3000:] if self.log.exists() else ""


def _followers(creator) -> set[int]:
    stamp = time.time_ns()
    users = User.objects.bulk_create(
        User(email=f"f{stamp}-{i}@example.com", password="!") for i in range(FOLLOWERS)
    )
    Follow.objects.bulk_create(Follow(follower=u, followed=creator.user) for u in users)
    return {u.pk for u in users}


def _bell(event):
    return Notification.objects.filter(event=event, channel=NotificationChannel.IN_APP)


def _chunks_done(event) -> tuple[int, int]:
    chunks = FanoutChunk.objects.filter(event=event)
    return chunks.filter(done_at__isnull=False).count(), chunks.count()


def _wait(predicate, timeout: float, step: float = 0.01, tick=None) -> bool:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if predicate():
            return True
        if tick is not None:
            tick()
        time.sleep(step)
    return False


def _post_and_wait_until_partly_fanned_out(stack, creator):
    """Publish a post; return its event once some, not all, of its chunks are done."""
    event = post_published_recorded(creator=creator, title="Big news")
    started = _wait(lambda: _chunks_done(event)[0] >= 1, timeout=120)
    assert started, f"the fan-out did not start within 120 s\n{stack.tail()}"
    return event


def _everyone_told_once(event, followers) -> bool:
    return (
        _bell(event).count() >= len(followers)
        and EngagementEvent.objects.filter(pk=event.pk, dispatched_at__isnull=False).exists()
    )


def _await_everyone_told(stack, event, followers, *, since: float, what: str) -> float:
    """Wait out the promise counted from `since`; the seconds it took."""
    told = _wait(
        lambda: _everyone_told_once(event, followers),
        timeout=PROMISE - (time.monotonic() - since),
        step=1,
        tick=stack.supervise,
    )
    recovered = time.monotonic() - since
    assert told, (
        f"{_bell(event).count()} of {FOLLOWERS} told, chunks {_chunks_done(event)}, "
        f"{recovered:.0f} s after {what} (promise {PROMISE:.0f} s)\n{stack.tail()}"
    )
    return recovered


def _assert_exactly_one_each(event, followers):
    rows = list(_bell(event).values_list("recipient_id", flat=True))
    assert len(rows) == len(set(rows)) == len(followers), (len(rows), len(set(rows)))
    assert set(rows) == followers


def test_a_worker_sigkilled_mid_fan_out_is_recovered_by_the_sweeper_exactly_once(creator, tmp_path):
    followers = _followers(creator)
    broker = redis.Redis.from_url(celery_app.conf.broker_url)
    broker.delete("unacked", "unacked_index")  # only this test's messages in the books
    stack = Stack(tmp_path, celery_app.conf.broker_url)
    try:
        # Given a fan-out under way…
        event = _post_and_wait_until_partly_fanned_out(stack, creator)
        # …when the worker's whole process group is SIGKILLed…
        stack.kill_worker()
        killed_at = time.monotonic()
        done, total = _chunks_done(event)
        assert 0 < done < total, f"{done} of {total} chunks done at the kill"
        # …the chunks it had taken stay in Redis, unacknowledged, for the visibility
        # timeout (an hour): no new worker gets them before then.
        held = broker.hlen("unacked")
        assert held >= 1, "the killed worker held no message: nothing tests the sweeper"
        assert outbox.outbox_backlog().chunks.count == total - done  # what operators see

        # A new worker starts 3 s later; beat keeps sweeping on its schedule.
        time.sleep(3)
        stack.worker = stack.start_worker()
        recovered = _await_everyone_told(stack, event, followers, since=killed_at, what="the kill")
        print(f"recovered {recovered:.0f} s after the kill ({held} message(s) held)")
        _assert_exactly_one_each(event, followers)
        dispatched_at = EngagementEvent.objects.get(pk=event.pk).dispatched_at

        # An hour later Redis hands the dead worker's messages out again (kombu's own
        # restore, as after the visibility timeout): they change nothing.
        with celery_app.connection_for_write() as conn:
            channel = conn.default_channel
            tags = channel.client.hkeys("unacked")
            assert len(tags) >= held
            for tag in tags:
                channel.qos.restore_by_tag(tag, channel.client)
        drained = _wait(
            lambda: (
                broker.hlen("unacked") == 0 and sum(broker.llen(q) for q in QUEUES.split(",")) == 0
            ),
            timeout=60,
            step=0.2,
        )
        assert drained, f"redelivered messages not consumed within 60 s\n{stack.tail()}"
        time.sleep(2)
        _assert_exactly_one_each(event, followers)
        assert EngagementEvent.objects.get(pk=event.pk).dispatched_at == dispatched_at
        assert stack.restarts == 0, stack.tail()
    finally:
        stack.close()


def test_redis_killed_and_restarted_empty_mid_fan_out_loses_nothing(
    creator,
    tmp_path,
    redis_server,  # noqa: F811
    broker_at,
):
    followers = _followers(creator)
    broker_at(redis_server.url)  # this process publishes there too
    stack = Stack(tmp_path, redis_server.url)
    try:
        # Given a fan-out under way…
        event = _post_and_wait_until_partly_fanned_out(stack, creator)
        # …when Redis dies (SIGKILL) and comes back empty (no persistence), every chunk
        # message it held is gone.
        redis_server.close()
        redis_server.start()
        restarted_at = time.monotonic()
        done, total = _chunks_done(event)
        assert 0 < done < total, f"{done} of {total} chunks done when Redis died"

        # Then the sweeper re-enqueues what is owed, and every follower is told once.
        recovered = _await_everyone_told(
            stack, event, followers, since=restarted_at, what="the restart"
        )
        print(f"recovered {recovered:.0f} s after Redis restarted ({stack.restarts} restarts)")
        time.sleep(2)
        _assert_exactly_one_each(event, followers)
    finally:
        stack.close()
