"""Metrics roll-up benchmark: a million engagement events for 1,000 creators over 90 days.

    python -m tests.bench.rollup --out /tmp/rollup.md [--events 1000000] [--creators 1000]

Standalone (run.sh calls it; it needs neither gunicorn nor Redis): it creates a
throw-away PostgreSQL database, migrates it, seeds creators and fans with `seed_demo`,
writes the events set-based (tests/bench/rollup_events.py) ending an hour ago, and times,
each in its own process (so memory is that process's peak RSS):

- the backfill: `rollup_range` from 90 days ago, as `manage.py metrics_rollup --from`
  runs it (every row and relationship recomputed);
- then, with the watermark where hourly runs would have left it: an hourly run after an
  hour with no event; after an hour's events (events ÷ 2,160, the 90 days' average per
  hour); the same hour with three late events (1, 10 and 60 days old) too; and the first
  run after midnight, when every creator gets its new day.

Creators keep `seed_demo`'s time zone (UTC) unless `--zones` spreads them round-robin
over several (each zone's day then turns at another hour). Appends one markdown section
to `--out`.
"""

from __future__ import annotations

import argparse
import json
import os
import secrets
import subprocess
import sys
import tempfile
import time
from datetime import UTC, datetime, timedelta

from tests.bench.report import append_section
from tests.workers import ROOT

TARGET_BACKFILL, TARGET_HOURLY = 60.0, 2.0
HOURS_IN_90_DAYS = 90 * 24


# --- Steps, each run in a child process: `python -m tests.bench.rollup step NAME JSON` ---


def _step(name: str, options: dict) -> object:
    import django

    django.setup()
    from django.db import connection
    from django.db.models import Max

    from creators import rollup
    from creators.models import CreatorProfile, EngagementEvent, MetricsWatermark
    from tests.bench.rollup_events import write_events

    def moment(key):
        return datetime.fromisoformat(options[key])

    if name == "events":
        write_events(
            options["total"], start=moment("start"), end=moment("end"), analyze=options["analyze"]
        )
        zones = options.get("zones") or []
        ids = CreatorProfile.objects.order_by("pk").values_list("pk", flat=True)
        for n, pk in enumerate(ids if zones else []):
            CreatorProfile.objects.filter(pk=pk).update(time_zone=zones[n % len(zones)])
        if options["analyze"]:
            with connection.cursor() as cursor:
                cursor.execute("VACUUM ANALYZE")
        return [EngagementEvent.objects.count(), CreatorProfile.objects.count()]
    if name == "watermark":
        # Where an hourly run at `at` would have left it: every event so far counted
        # (or those up to `last_id`).
        last = options.get("last_id") or EngagementEvent.objects.aggregate(m=Max("id"))["m"]
        MetricsWatermark.objects.update_or_create(
            name=rollup.WATERMARK, defaults={"rolled_up_to": moment("at"), "last_event_id": last}
        )
        return last
    if name == "rollup":
        started = time.monotonic()
        if options.get("start"):
            result = rollup.rollup_range(
                start=datetime.fromisoformat(options["start"]).date(), now=moment("now")
            )
        else:
            result = rollup.rollup_incremental(now=moment("now"))
        return {
            "seconds": time.monotonic() - started,
            "rows": result.rows,
            "creators": result.creators,
            "relationships": result.relationships,
        }
    raise SystemExit(f"unknown step {name}")


def _run(env: dict, *argv: str) -> tuple[str, int]:
    """Run a child process; its stdout and its peak RSS (KiB)."""
    child = subprocess.Popen(
        [sys.executable, *argv], cwd=ROOT, env=env, stdout=subprocess.PIPE, text=True
    )
    out = child.stdout.read()
    _pid, status, usage = os.wait4(child.pid, 0)
    code = os.waitstatus_to_exitcode(status)
    child.returncode = code
    if code:
        raise SystemExit(f"{' '.join(argv[:4])} failed ({code}):\n{out[-2000:]}")
    return out, usage.ru_maxrss


def _child(env: dict, name: str, **options) -> tuple[object, int]:
    out, rss = _run(env, "-m", "tests.bench.rollup", "step", name, json.dumps(options, default=str))
    return json.loads(out.strip().splitlines()[-1]), rss


def _rollup(env: dict, now: datetime, **options) -> dict:
    figures, rss = _child(env, "rollup", now=now, **options)
    figures["rss_mib"] = rss / 1024
    print(f"bench: roll-up {options or 'incremental'}: {figures}", flush=True)
    return figures


# --- The benchmark ---------------------------------------------------------------------


def _args() -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--out", required=True, help="markdown file to append the section to")
    parser.add_argument("--events", type=int, default=1_000_000)
    parser.add_argument("--creators", type=int, default=1000)
    parser.add_argument("--fans", type=int, default=5000)
    parser.add_argument(
        "--zones", default="", help="comma-separated time zones to spread the creators over"
    )
    parser.add_argument(
        "--pg",
        default=os.environ.get("BENCH_PG", "postgres://postgres@127.0.0.1:5432"),
        help="PostgreSQL server URL, without a database name",
    )
    parser.add_argument("--db-name", default="relcommerce_bench_rollup")
    parser.add_argument("--keep-db", action="store_true", help="leave the database behind")
    return parser.parse_args()


def _psql(pg: str, sql: str) -> None:
    subprocess.run(["psql", f"{pg}/postgres", "-qc", sql], check=True, capture_output=True)


def main() -> int:
    if sys.argv[1:2] == ["step"]:
        print(json.dumps(_step(sys.argv[2], json.loads(sys.argv[3]))))
        return 0
    args = _args()
    zones = [zone for zone in args.zones.split(",") if zone]
    env = {
        **os.environ,
        "DATABASE_URL": f"{args.pg}/{args.db_name}",
        "REDIS_URL": "",  # no broker needed; the roll-up's lock is then per process
        "DEBUG": "0",
        "SECRET_KEY": os.environ.get("SECRET_KEY") or secrets.token_urlsafe(50),
        "ALLOWED_HOSTS": "localhost",
        "LOG_LEVEL": "WARNING",
        "DJANGO_SETTINGS_MODULE": "relcommerce.settings",
    }
    _psql(args.pg, f"DROP DATABASE IF EXISTS {args.db_name}")
    _psql(args.pg, f"CREATE DATABASE {args.db_name}")
    try:
        with tempfile.TemporaryDirectory(prefix="relcommerce-rollup-") as media:
            began = time.monotonic()
            env["MEDIA_ROOT"] = media  # seed_demo's images
            _run(env, "manage.py", "migrate", "--no-input", "-v0")
            print("bench: seeding creators and fans…", flush=True)
            _run(
                env, "manage.py", "seed_demo", "--creators", str(args.creators),
                "--products-per-creator", "1", "--fans", str(args.fans), "--seed", "42",
                "--allow-production",
            )  # fmt: skip
            # The events end an hour ago: the previous hourly run happened then.
            now = datetime.now(UTC).replace(microsecond=0)
            hour_ago = now - timedelta(hours=1)
            print(f"bench: writing {args.events:,} events…", flush=True)
            written = time.monotonic()
            (total_events, creators), _rss = _child(
                env,
                "events",
                total=args.events,
                start=hour_ago - timedelta(days=90),
                end=hour_ago,
                analyze=True,
                zones=zones,
            )
            events_seconds = time.monotonic() - written
            setup_seconds = time.monotonic() - began

            backfill = _rollup(env, hour_ago, start=hour_ago.date() - timedelta(days=90))
            # From here on, as if beat had run every hour: the last run was an hour ago.
            last_id, _rss = _child(env, "watermark", at=hour_ago)
            idle = _rollup(env, now)  # an hour without any event
            hourly_events = max(1, round(args.events / HOURS_IN_90_DAYS))
            _child(env, "watermark", at=hour_ago, last_id=last_id)
            _child(env, "events", total=hourly_events, start=hour_ago, end=now, analyze=False)
            hourly = _rollup(env, now)
            # The same hour again, with three late events (an import, a delayed write).
            _child(env, "watermark", at=hour_ago, last_id=last_id)
            for days in (1, 10, 60):
                late_at = now - timedelta(days=days)
                _child(
                    env, "events", total=1, start=late_at - timedelta(seconds=1), end=late_at,
                    analyze=False,
                )  # fmt: skip
            late = _rollup(env, now)
            # The first run after midnight (UTC; with --zones, the first zone's midnight
            # in UTC terms only if it is UTC): every creator whose day turned gets its row.
            midnight = datetime.combine(now.date() + timedelta(days=1), datetime.min.time(), UTC)
            _child(env, "watermark", at=midnight - timedelta(minutes=55))
            day_turn = _rollup(env, midnight + timedelta(minutes=5))
    finally:
        if not args.keep_db:
            _psql(args.pg, f"DROP DATABASE IF EXISTS {args.db_name}")

    def row(name, figures, target=None):
        goal = "—"
        if target:
            met = "met" if figures["seconds"] < target else "not met"
            goal = f"< {target:g} s: **{met}**"
        return (
            f"| {name} | {figures['seconds']:.2f} s | {figures['creators']:,} creators, "
            f"{figures['rows']:,} daily rows, {figures['relationships']:,} relationships "
            f"| {figures['rss_mib']:.0f} MiB | {goal} |"
        )

    command = f"python -m tests.bench.rollup --events {args.events} --creators {args.creators}"
    if zones:
        command += f" --zones {','.join(zones)}"
    lines = [
        f"## Metrics roll-up at {total_events:,} events (issue 8)",
        "",
        f"Measured {datetime.now(UTC):%Y-%m-%d %H:%M} UTC by `{command}` on PostgreSQL, "
        f"{os.cpu_count()} CPUs: {creators:,} creators, {args.fans:,} fans, "
        f"{total_events:,} events over 90 days (written set-based in {events_seconds:.0f} s; "
        f"all setup {setup_seconds:.0f} s); creators' time zones: "
        f"{', '.join(zones) or 'UTC'}. Each run is its own process (*peak RSS* is its own); "
        "the hourly runs start from the watermark an hourly run would have left.",
        "",
        "| run | time | recomputed | peak RSS | target |",
        "|---|---|---|---|---|",
        row("backfill of 91 days, every creator", backfill, TARGET_BACKFILL),
        row("hourly, an hour without events", idle, TARGET_HOURLY),
        row(f"hourly, {hourly_events:,} new events", hourly, TARGET_HOURLY),
        row(
            f"hourly, {hourly_events:,} new events and 3 late ones (1, 10 and 60 days old)",
            late,
            TARGET_HOURLY,
        ),
        row(
            "hourly, first run after midnight (a new day for every creator)",
            day_turn,
            TARGET_HOURLY,
        ),
        "",
        "Memory follows a batch of 250 creators' rows (creators × days) and relationships, "
        "never the events: those stay in PostgreSQL, which returns per-day and per-pair "
        "aggregates. An hourly run recomputes the creators with new events (from the day "
        "of their oldest), those whose comments' 48 h ran out and every creator whose day "
        'turned; see docs/metrics.md, "Roll-up".',
        "",
    ]
    append_section(args.out, lines)
    return 0


if __name__ == "__main__":
    sys.exit(main())
