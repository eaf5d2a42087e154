"""`manage.py outbox_status`: what background work is owed, and a hand to push it along.

Reads the outbox's books in PostgreSQL (creators/outbox.py) — the truth — and, beside
them, what the Redis broker holds (queued messages, and messages taken by workers and not
yet acknowledged: a killed worker's stay there until BROKER_VISIBILITY_TIMEOUT).
"""

from datetime import timedelta

import redis
from django.conf import settings
from django.core.management.base import BaseCommand

from creators import outbox

QUEUES = ("events", "fanout", "email", "default", "rollups")


def _age(seconds: float | None) -> str:
    if seconds is None:
        return "-"
    if seconds < 120:
        return f"{seconds:.0f} s"
    if seconds < 7200:
        return f"{seconds / 60:.0f} min"
    return f"{seconds / 3600:.1f} h"


def _broker_lines() -> list[str]:
    if settings.CELERY_TASK_ALWAYS_EAGER:
        return ["broker: none (tasks run in-process)"]
    url = settings.CELERY_BROKER_URL
    if not url.startswith(("redis://", "rediss://")):
        return [f"broker: {url.split('://')[0]} (not inspected)"]
    client = redis.Redis.from_url(
        url,
        socket_connect_timeout=settings.REDIS_CONNECT_TIMEOUT,
        socket_timeout=settings.REDIS_SOCKET_TIMEOUT,
    )
    try:
        queued = {queue: client.llen(queue) for queue in QUEUES}
        held = client.hlen("unacked")
    except redis.RedisError as exc:
        return [f"broker: unreachable ({exc.__class__.__name__}); the sweeper re-enqueues later"]
    finally:
        client.close()
    return [
        "broker (Redis): queued "
        + ", ".join(f"{queue} {count}" for queue, count in queued.items())
        + f"; taken by workers, not acknowledged: {held}"
    ]


class Command(BaseCommand):
    help = (
        "Show the outbox's backlog: engagement events not dispatched, fan-out chunks not "
        "done, immediate emails not sent (count and oldest), failed emails, and what the "
        "broker holds. --requeue re-enqueues every unfinished part now, whatever its age "
        "(safe: each part is done once); --retry-failed gives failed emails new attempts."
    )

    def add_arguments(self, parser):
        parser.add_argument(
            "--requeue",
            action="store_true",
            help="Re-enqueue every unfinished part now instead of waiting for the sweeper.",
        )
        parser.add_argument(
            "--retry-failed",
            action="store_true",
            help=f"Give failed emails {settings.NOTIFY_EMAIL_MAX_ATTEMPTS} more attempts.",
        )

    def handle(self, *args, requeue=False, retry_failed=False, **options):
        if retry_failed:
            count = outbox.failed_emails_retry()
            self.stdout.write(f"{count} failed email(s) will be tried again.")
        if requeue:
            sweep = outbox.outbox_sweep(older_than=timedelta(0))
            self.stdout.write(
                f"Re-enqueued {sweep.events} event(s), {sweep.chunks} chunk(s), "
                f"{sweep.emails} email(s); marked {sweep.finished} event(s) dispatched "
                f"(at most {outbox.SWEEP_LIMIT} of each: run again for more)."
            )
        backlog = outbox.outbox_backlog()
        unplanned = outbox.unfinished_events().filter(planned_at__isnull=True)
        failed = outbox.failed_emails().count()
        state = "DEGRADED" if backlog.degraded() else "ok"
        limit = settings.OUTBOX_DEGRADED_AFTER.total_seconds()
        self.stdout.write(
            f"Outbox: {state} (oldest unfinished work {_age(backlog.oldest_age_seconds())} "
            f"old; degraded past {_age(limit)}; the sweeper re-enqueues what is older than "
            f"{_age(settings.EVENT_SWEEP_AFTER.total_seconds())})"
        )
        cap = f"{outbox.BACKLOG_CAP}+"
        for label, pending in (
            ("events not dispatched", backlog.events),
            ("  of which not planned", outbox.pending_of(unplanned)),
            ("fan-out chunks not done", backlog.chunks),
            ("immediate emails unsent", backlog.emails),
        ):
            count = cap if pending.count >= outbox.BACKLOG_CAP else str(pending.count)
            self.stdout.write(
                f"  {label:<26} {count:>7}   oldest {_age(pending.age_seconds(backlog.at))}"
            )
        self.stdout.write(
            f"  {'emails failed':<26} {failed:>7}   (given up after "
            f"{settings.NOTIFY_EMAIL_MAX_ATTEMPTS} attempts; --retry-failed)"
        )
        for line in _broker_lines():
            self.stdout.write(f"  {line}")
