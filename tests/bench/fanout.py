"""Fan-out benchmark: one post to 100,000 followers, and dispatch latency, on real engines.

    python -m tests.bench.fanout --out /tmp/fanout.md [--followers 100000] [--workers 2]

Standalone (run.sh may call it; it does not need gunicorn): it creates a throw-away
PostgreSQL database, migrates it, seeds the followers with bulk inserts, starts
`--workers` real Celery worker processes (solo pool, so each process is one worker) on
the Redis database given, and measures

- fan-out throughput: notifications created per second for one post_published event to
  every follower, from the commit of the event to the last notification visible;
- worker memory: each worker's RSS after a warm-up, at the peak during the fan-out, and
  after it (flat means no process loads the audience at once);
- dispatch latency: for a steady stream of single-recipient events (follows), the time
  from each commit to its notification being visible (p50/p95), while nothing else runs;
- recovery after a worker kill: a second post to every follower, every worker's process
  group SIGKILLed once `--kill-at` of it is visible, new workers started at once; the
  time from the kill until every follower has exactly one notification and the event is
  dispatched, with the default visibility timeout (an hour: the dead workers' messages
  stay in Redis), so it is the sweeper (beat runs throughout, on the settings' schedule,
  with EVENT_SWEEP_AFTER_MINUTES = `--sweep-after-minutes`) that recovers the work; and
  the new workers' peak RSS meanwhile.

It writes its results as one markdown section to `--out` (appending). The Redis database
is flushed first: give it one nobody else uses.
"""

from __future__ import annotations

import argparse
import os
import secrets
import signal
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from datetime import UTC, datetime
from pathlib import Path

from tests.bench.report import append_section
from tests.workers import ROOT, celery_beat, celery_worker

QUEUES = "default,events,fanout,email,rollups"


def _args() -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--out", required=True, help="markdown file to append the section to")
    parser.add_argument("--followers", type=int, default=100_000)
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument("--chunk", type=int, default=1000, help="NOTIFY_FANOUT_CHUNK")
    parser.add_argument("--latency-events", type=int, default=200)
    parser.add_argument("--latency-rate", type=float, default=20.0, help="events per second")
    parser.add_argument(
        "--pg",
        default=os.environ.get("BENCH_PG", "postgres://postgres@127.0.0.1:5432"),
        help="PostgreSQL server URL, without a database name",
    )
    parser.add_argument("--db-name", default="relcommerce_bench_fanout")
    parser.add_argument(
        "--redis-url", default=os.environ.get("BENCH_FANOUT_REDIS_URL", "redis://127.0.0.1:6379/14")
    )
    parser.add_argument("--keep-db", action="store_true", help="leave the database behind")
    parser.add_argument(
        "--kill-at",
        type=float,
        default=0.3,
        help="share of the second fan-out visible when the workers are SIGKILLed (0: skip)",
    )
    parser.add_argument(
        "--sweep-after-minutes",
        type=int,
        default=1,
        help="EVENT_SWEEP_AFTER_MINUTES for the run (the setting's default is 5)",
    )
    parser.add_argument(
        "--sweep-interval",
        type=int,
        default=60,
        help="EVENT_SWEEP_INTERVAL_SECONDS: how often beat runs the sweeper",
    )
    parser.add_argument(
        "--with-email",
        action="store_true",
        help="followers have verified addresses, so each also gets a digest email row",
    )
    return parser.parse_args()


def _psql(pg: str, sql: str) -> None:
    subprocess.run(["psql", f"{pg}/postgres", "-qc", sql], check=True, capture_output=True)


def _rss_kib(pid: int) -> int:
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1])
    return 0


def _percentile(values: list[float], fraction: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(fraction * (len(ordered) - 1)))]


def _wait(predicate, timeout: float, step: float = 0.02) -> bool:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if predicate():
            return True
        time.sleep(step)
    return False


def main() -> int:
    args = _args()
    env = {
        **{k: v for k, v in os.environ.items() if k != "BROKER_VISIBILITY_TIMEOUT"},
        "DATABASE_URL": f"{args.pg}/{args.db_name}",
        "REDIS_URL": args.redis_url,
        "DEBUG": "0",
        "SECRET_KEY": os.environ.get("SECRET_KEY") or secrets.token_urlsafe(50),
        "ALLOWED_HOSTS": "localhost",
        "NOTIFY_FANOUT_CHUNK": str(args.chunk),
        "EVENT_SWEEP_AFTER_MINUTES": str(args.sweep_after_minutes),
        "EVENT_SWEEP_INTERVAL_SECONDS": str(args.sweep_interval),
        "LOG_LEVEL": "WARNING",
        "DJANGO_SETTINGS_MODULE": "relcommerce.settings",
    }
    os.environ.update(env)

    _psql(args.pg, f"DROP DATABASE IF EXISTS {args.db_name}")
    _psql(args.pg, f"CREATE DATABASE {args.db_name}")
    subprocess.run(
        [sys.executable, "manage.py", "migrate", "--no-input", "-v0"], cwd=ROOT, env=env, check=True
    )

    import django

    django.setup()
    import redis
    from allauth.account.models import EmailAddress
    from django.db import connection, transaction

    from creators import events
    from creators.models import (
        CreatorProfile,
        EngagementEvent,
        EventKind,
        Follow,
        Notification,
        User,
    )
    from tests.factories import post_published_recorded

    redis.Redis.from_url(args.redis_url).flushdb()

    def make_creator(handle: str) -> CreatorProfile:
        user = User.objects.create(email=f"{handle}@bench.test", password="!")
        return CreatorProfile.objects.create(user=user, handle=handle, display_name=handle)

    print(f"seeding {args.followers} followers…", flush=True)
    started = time.monotonic()
    star, warm, latency_creator = (make_creator(h) for h in ("star", "warm", "steady"))
    batch = 10_000
    for first in range(0, args.followers, batch):
        users = User.objects.bulk_create(
            User(email=f"fan{i}@bench.test", password="!")
            for i in range(first, min(first + batch, args.followers))
        )
        Follow.objects.bulk_create(Follow(follower=u, followed=star.user) for u in users)
        if args.with_email:
            EmailAddress.objects.bulk_create(
                EmailAddress(user=u, email=u.email, verified=True, primary=True) for u in users
            )
        if first == 0:
            Follow.objects.bulk_create(Follow(follower=u, followed=warm.user) for u in users[:500])
    with connection.cursor() as cursor:
        cursor.execute("ANALYZE")
    seed_seconds = time.monotonic() - started

    def start_workers() -> list[subprocess.Popen]:
        return [
            celery_worker(env=env, queues=QUEUES, args=("--pool=solo", "-n", f"bench{n}@%h"))
            for n in range(args.workers)
        ]

    workers = start_workers()
    schedule = tempfile.TemporaryDirectory()
    beat = celery_beat(env=env, schedule=Path(schedule.name) / "beat-schedule")

    def post(creator: CreatorProfile, title: str):
        event = post_published_recorded(creator=creator, title=title)
        return event, time.monotonic()

    def visible(event) -> int:
        return Notification.objects.filter(event=event, channel="in_app").count()

    try:
        # Warm-up: every worker imports, connects and runs a few chunks first.
        print("warming up…", flush=True)
        for n in range(args.workers * 2):
            event, _ = post(warm, f"warm-up {n}")
            if not _wait(lambda e=event: visible(e) == 500, timeout=60):
                raise SystemExit("workers did not warm up in 60 s: are PostgreSQL and Redis up?")
        rss_before = [_rss_kib(w.pid) for w in workers]

        # Fan-out to every follower.
        print(f"fan-out to {args.followers}…", flush=True)
        rss_peak = list(rss_before)
        event, committed = post(star, "Big news")
        done_at = None
        deadline = committed + 600
        while time.monotonic() < deadline:
            rss_peak = [max(p, _rss_kib(w.pid)) for p, w in zip(rss_peak, workers, strict=True)]
            if visible(event) >= args.followers:
                done_at = time.monotonic()
                break
            time.sleep(0.05)
        if done_at is None:
            raise SystemExit(f"fan-out incomplete after 600 s: {visible(event)}")
        fanout_seconds = done_at - committed
        rss_after = [_rss_kib(w.pid) for w in workers]

        # Steady stream of single-recipient events: follows of another creator.
        print(f"latency: {args.latency_events} follows at {args.latency_rate}/s…", flush=True)
        fans = list(
            User.objects.filter(email__startswith="fan").order_by("pk")[: args.latency_events]
        )
        commits: dict[int, float] = {}
        seen: dict[int, float] = {}
        stop = threading.Event()

        def watch():
            while not stop.is_set() or len(seen) < len(commits):
                pending = [pk for pk in list(commits) if pk not in seen]
                if pending:
                    now = time.monotonic()
                    for pk in Notification.objects.filter(event_id__in=pending).values_list(
                        "event_id", flat=True
                    ):
                        seen.setdefault(pk, now)
                elif stop.is_set():
                    break
                time.sleep(0.005)
            connection.close()

        watcher = threading.Thread(target=watch, daemon=True)
        watcher.start()
        interval = 1 / args.latency_rate
        next_at = time.monotonic()
        for fan in fans:
            time.sleep(max(0.0, next_at - time.monotonic()))
            next_at += interval
            with transaction.atomic():
                follow = Follow.objects.create(follower=fan, followed=latency_creator.user)
                follow_event = events.event_record(
                    kind=EventKind.FOLLOW, actor=fan, creator=latency_creator, target=follow
                )
            commits[follow_event.pk] = time.monotonic()
        stop.set()
        watcher.join(timeout=60)
        latencies = [(seen[pk] - at) * 1000 for pk, at in commits.items() if pk in seen]
        lost = len(commits) - len(latencies)

        # Recovery: every worker SIGKILLed mid-fan-out (whole process groups), restarted.
        recovery = None
        if args.kill_at > 0:
            print(f"recovery: killing the workers at {args.kill_at:.0%} of a fan-out…", flush=True)
            event, _ = post(star, "After the crash")
            if not _wait(lambda: visible(event) >= args.kill_at * args.followers, 300, 0.005):
                raise SystemExit(f"second fan-out stuck at {visible(event)}")
            for worker in workers:
                os.killpg(worker.pid, signal.SIGKILL)
            killed = time.monotonic()
            for worker in workers:
                worker.wait(timeout=30)
            at_kill = visible(event)
            held = redis.Redis.from_url(args.redis_url).hlen("unacked")
            workers = start_workers()
            rss_recovery = [0] * len(workers)
            recovered_at = None
            deadline = killed + args.sweep_after_minutes * 60 + args.sweep_interval + 600
            while time.monotonic() < deadline:
                rss_recovery = [
                    max(p, _rss_kib(w.pid)) for p, w in zip(rss_recovery, workers, strict=True)
                ]
                if (
                    visible(event) >= args.followers
                    and EngagementEvent.objects.filter(
                        pk=event.pk, dispatched_at__isnull=False
                    ).exists()
                ):
                    recovered_at = time.monotonic()
                    break
                time.sleep(0.2)
            if recovered_at is None:
                raise SystemExit(f"not recovered: {visible(event)} of {args.followers}")
            bell = Notification.objects.filter(event=event, channel="in_app")
            recovery = {
                "seconds": recovered_at - killed,
                "at_kill": at_kill,
                "held": held,
                "rss_peak": rss_recovery,
                "exactly_once": bell.count()
                == bell.values("recipient_id").distinct().count()
                == args.followers,
            }
    finally:
        for process in [*workers, beat]:
            if process.poll() is None:
                process.terminate()
        for process in [*workers, beat]:
            process.wait(timeout=60)
        schedule.cleanup()
        connection.close()
        if not args.keep_db:
            _psql(args.pg, f"DROP DATABASE IF EXISTS {args.db_name}")

    rate = args.followers / fanout_seconds
    verdict = "met" if fanout_seconds < 10 else "missed"
    mib = lambda kib: f"{kib / 1024:.0f}"  # noqa: E731
    lines = [
        "## Notification fan-out and dispatch latency",
        "",
        f"Measured {datetime.now(UTC):%Y-%m-%d %H:%M} UTC by `python -m tests.bench.fanout` on "
        f"PostgreSQL and Redis, {args.workers} Celery worker processes (solo pool, queues "
        f"{QUEUES}), fan-out chunks of {args.chunk} followers. Seeding took {seed_seconds:.0f} s.",
        "",
        "| Measure | Result |",
        "|---|---|",
        f"| One post to {args.followers:,} followers: all notifications visible | "
        f"{fanout_seconds:.1f} s (target < 10 s: {verdict}) |",
        f"| Fan-out throughput | {rate:,.0f} notifications/s |",
        "| Worker RSS after warm-up → peak → after (MiB) | "
        + "; ".join(
            f"{mib(b)} → {mib(p)} → {mib(a)}"
            for b, p, a in zip(rss_before, rss_peak, rss_after, strict=True)
        )
        + " |",
        f"| Dispatch latency, commit → notification visible ({len(latencies)} follows at "
        f"{args.latency_rate:g}/s) | p50 {statistics.median(latencies):.0f} ms, "
        f"p95 {_percentile(latencies, 0.95):.0f} ms, max {max(latencies):.0f} ms |",
        f"| Events not delivered within the run | {lost} |",
        *(
            [
                f"| Recovery: every worker's process group SIGKILLed at "
                f"{recovery['at_kill'] / args.followers:.0%} of another fan-out to "
                f"{args.followers:,} ({recovery['held']} messages left unacknowledged in "
                f"Redis), new workers at once; visibility timeout 1 h, "
                f"EVENT_SWEEP_AFTER {args.sweep_after_minutes} min, sweep every "
                f"{args.sweep_interval} s | every follower told "
                f"{recovery['seconds']:.0f} s after the kill "
                f"({'exactly once' if recovery['exactly_once'] else 'NOT exactly once'}; "
                f"bound: EVENT_SWEEP_AFTER + one sweep interval + the work) |",
                "| Worker RSS during recovery, peak (MiB) | "
                + "; ".join(mib(p) for p in recovery["rss_peak"])
                + " |",
            ]
            if recovery
            else []
        ),
        "",
        (
            "Followers have verified addresses: each also gets a digest email row (the "
            "default for new posts), so twice as many rows are written as counted here."
            if args.with_email
            else "Followers have no verified email address: these are the bell's rows only "
            "(run with --with-email to add a digest email row per follower)."
        ),
        "",
    ]
    append_section(args.out, lines)
    return 0


if __name__ == "__main__":
    sys.exit(main())
