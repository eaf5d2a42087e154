"""Dashboard freshness benchmark: how long from a fan's action to the creator's dashboard
showing it, while concurrent buyers check out.

    python -m tests.bench.freshness --out /tmp/freshness.md [--probes 20] [--buyers 8]

Standalone (run.sh calls it after the others; it starts its own gunicorn): it creates a
throw-away PostgreSQL database, migrates it, seeds it with `seed_demo` (the hourly
roll-up runs at its end), starts gunicorn (3 sync workers, production settings) and one
real Celery worker process (prefork, queues default, events, fanout, email, rollups;
`METRICS_LIVE_SECONDS` as configured, 10 by default) on its own Redis database, then:

- keeps `--buyers` signed-in fans checking out through the real pages (checkout_load.py),
  each order dispatching its events and emails through the same worker;
- meanwhile, `--probes` times in turn: a probe fan follows the probe creator (POST, like
  the Follow button), or buys the probe creator's product through checkout; the clock
  starts when the POST's response arrives (the action has committed) and stops when the
  creator's `/studio/`, polled every 0.25 s over HTTP, shows the new follower count or
  revenue.

No hourly run happens during the measurement: every probe is counted by the live roll-up.
Appends one markdown section to `--out`. The Redis database is flushed first.
"""

from __future__ import annotations

import argparse
import os
import re
import secrets
import shutil
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from datetime import UTC, datetime
from decimal import Decimal

from tests.bench.report import append_section
from tests.workers import ROOT, celery_worker

QUEUES = "default,events,fanout,email,rollups"
TARGET_SECONDS = 60.0


def _args() -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--out", required=True, help="markdown file to append the section to")
    parser.add_argument("--probes", type=int, default=20)
    parser.add_argument("--buyers", type=int, default=8, help="concurrent checkout buyers")
    parser.add_argument("--fans", type=int, default=600)
    parser.add_argument("--creators", type=int, default=40)
    parser.add_argument(
        "--pg",
        default=os.environ.get("BENCH_PG", "postgres://postgres@127.0.0.1:5432"),
        help="PostgreSQL server URL, without a database name",
    )
    parser.add_argument("--db-name", default="relcommerce_bench_freshness")
    parser.add_argument(
        "--redis-url",
        default=os.environ.get("BENCH_FRESHNESS_REDIS_URL", "redis://127.0.0.1:6379/11"),
    )
    parser.add_argument("--keep-db", action="store_true", help="leave the database behind")
    return parser.parse_args()


def _psql(pg: str, sql: str) -> None:
    subprocess.run(["psql", f"{pg}/postgres", "-qc", sql], check=True, capture_output=True)


def _percentile(values: list[float], fraction: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(fraction * (len(ordered) - 1)))]


def _card(page: str, label: str) -> str | None:
    found = re.search(
        rf'metric-card__label">{label}</span>\s*<span class="metric-card__value">([^<]+)<', page
    )
    return found.group(1) if found else None


def main() -> int:  # noqa: C901 (one linear script)
    args = _args()
    live_seconds = os.environ.get("METRICS_LIVE_SECONDS", "10")
    env = {
        **os.environ,
        "DATABASE_URL": f"{args.pg}/{args.db_name}",
        "REDIS_URL": args.redis_url,
        "DEBUG": "0",
        "SECRET_KEY": os.environ.get("SECRET_KEY") or secrets.token_urlsafe(50),
        "ALLOWED_HOSTS": "127.0.0.1,localhost",
        "SECURE_SSL_REDIRECT": "0",
        "LOG_LEVEL": "WARNING",
        "METRICS_LIVE_SECONDS": live_seconds,
        # Production settings; static files collected into a temporary folder (run.sh too).
        "DJANGO_SETTINGS_MODULE": "tests.bench.settings",
        "BENCH_STATIC_ROOT": tempfile.mkdtemp(prefix="relcommerce-freshness-static."),
        "EMAIL_URL": "",
    }
    env.pop("EMBEDDED_WORKER_DIR", None)
    os.environ.update(env)

    _psql(args.pg, f"DROP DATABASE IF EXISTS {args.db_name}")
    _psql(args.pg, f"CREATE DATABASE {args.db_name}")
    started = time.monotonic()
    subprocess.run(
        [sys.executable, "manage.py", "migrate", "--no-input", "-v0"], cwd=ROOT, env=env, check=True
    )
    seed = [
        "seed_demo", "--fans", str(args.fans), "--creators", str(args.creators),
        "--products-per-creator", "5", "--seed", "42", "--allow-production",
    ]  # fmt: skip
    subprocess.run(
        [sys.executable, "manage.py", *seed], cwd=ROOT, env=env, check=True, capture_output=True
    )
    subprocess.run(
        [sys.executable, "manage.py", "collectstatic", "--no-input", "-v0"],
        cwd=ROOT,
        env=env,
        check=True,
    )
    seed_seconds = time.monotonic() - started

    import django

    django.setup()
    import redis
    from django.db import connection

    from creators.models import Follow, User
    from tests.bench import checkout_load, fans
    from tests.bench.bench import free_port

    redis.Redis.from_url(args.redis_url).flushdb()
    # Enough signed-in fans that the buyers keep checking out while every probe runs (a
    # fan places at most ORDERS_PER_FAN orders: the checkout rate limit).
    load_seconds = args.probes * (float(live_seconds) + 8) + 10
    per_buyer = 2 + int(load_seconds / 2 / checkout_load.ORDERS_PER_FAN)
    products = [fans.stock_raise(p) for p in fans.buyable_products(args.buyers + 1)]
    probe_product, load_products = products[0], products[1:]
    probe_creator = probe_product.shop.creator
    creator_session = fans.fan_sign_in(probe_creator.user).session_key
    pool = fans.seeded_fans(args.buyers * per_buyer + 1, skip=1)
    probe_buyer = fans.fan_sign_in(pool[0])
    buyer_pool = pool[1:]
    # Probe followers: seeded fans who do not follow the probe creator yet.
    followers = [
        fans.fan_sign_in(user)
        for user in User.objects.filter(email__startswith="fan", creator_profile__isnull=True)
        .exclude(pk__in=[user.pk for user in pool])
        .exclude(pk__in=Follow.objects.filter(followed=probe_creator.user).values("follower_id"))
        .order_by("email")[1 : 1 + args.probes]
    ]
    if len(followers) < args.probes:
        raise SystemExit(f"bench: needs {args.probes} fans who do not follow the probe creator")
    plans = [
        checkout_load.BuyerPlan(
            sessions=[
                fans.fan_sign_in(user).session_key
                for user in buyer_pool[n * per_buyer : (n + 1) * per_buyer]
            ],
            product_id=product.pk,
            product_path=product.get_absolute_url(),
        )
        for n, product in enumerate(load_products[: args.buyers])
    ]
    connection.close()

    port = free_port()
    cookie = fans.session_cookie_name()
    gunicorn = subprocess.Popen(
        [
            str(ROOT / ".venv" / "bin" / "gunicorn"), "--workers", "3", "--worker-class", "sync",
            "--bind", f"127.0.0.1:{port}", "--timeout", "60", "--log-level", "warning",
            "relcommerce.wsgi:application",
        ],
        cwd=ROOT, env=env, start_new_session=True,
    )  # fmt: skip
    worker = celery_worker(env=env, queues=QUEUES)

    def browser(session: str):
        return checkout_load._Browser("127.0.0.1", port, cookie, session)

    studio = browser(creator_session)

    def dashboard() -> str:
        return studio.request("GET", "/studio/")[2]

    results: list[tuple[str, float]] = []
    missed = 0
    load_result = None
    try:
        deadline = time.monotonic() + 60
        while True:
            try:
                if studio.request("GET", "/healthz")[0] == 200:
                    break
            except OSError:
                studio = browser(creator_session)
            if time.monotonic() > deadline:
                raise SystemExit("gunicorn did not answer within 60 s")
            time.sleep(0.5)
        time.sleep(3)  # the worker connects and is ready

        # The load: buyers check out for as long as the probes take (estimated generously).
        load_box = {}
        load_thread = threading.Thread(
            target=lambda: load_box.setdefault(
                "result",
                checkout_load.checkout_load(
                    f"http://127.0.0.1:{port}", plans, seconds=load_seconds, cookie_name=cookie
                ),
            ),
            daemon=True,
        )
        load_thread.start()
        time.sleep(5)  # the load is under way

        page = dashboard()
        follower_count = int((_card(page, "Followers") or "0").replace(",", ""))
        revenue = Decimal((_card(page, "Revenue") or "0 EUR").split()[0].replace(",", ""))
        probe_shopper = browser(probe_buyer.session_key)
        plan = checkout_load.BuyerPlan(
            sessions=[], product_id=probe_product.pk, product_path=probe_product.get_absolute_url()
        )
        for n in range(args.probes):
            kind = "follow" if n % 2 == 0 else "order"
            if kind == "follow":
                fan = browser(followers[n].session_key)
                status, _, page = fan.request("GET", probe_creator.get_absolute_url())
                token = re.search(r'name="csrfmiddlewaretoken" value="([^"]+)"', page).group(1)
                status, _, _ = fan.request(
                    "POST",
                    f"/@{probe_creator.handle}/follow/",
                    {"csrfmiddlewaretoken": token, "action": "follow"},
                )
                committed = time.monotonic()
                fan.close()
                assert status == 302, status
                follower_count += 1

                def seen(expected=follower_count):
                    value = _card(dashboard(), "Followers") or "0"
                    return int(value.replace(",", "")) >= expected
            else:
                stats = checkout_load.BuyerStats()
                assert checkout_load._buy_once(probe_shopper, plan, stats), stats.error_samples
                committed = time.monotonic()

                def seen(before=revenue):
                    nonlocal revenue
                    value = _card(dashboard(), "Revenue") or "0 EUR"
                    revenue = Decimal(value.split()[0].replace(",", ""))
                    return revenue > before

            while not seen():
                if time.monotonic() - committed > 120:
                    missed += 1
                    break
                time.sleep(0.25)
            else:
                results.append((kind, time.monotonic() - committed))
            shown = f"{results[-1][1]:.1f} s" if results and not missed else "missed"
            print(f"probe {n + 1}/{args.probes} ({kind}): {shown}", flush=True)
        load_thread.join(timeout=load_seconds + 180)
        load_result = load_box.get("result")
    finally:
        for process in (gunicorn, worker):
            process.terminate()
        for process in (gunicorn, worker):
            try:
                process.wait(timeout=60)
            except subprocess.TimeoutExpired:
                process.kill()
        shutil.rmtree(env["BENCH_STATIC_ROOT"], ignore_errors=True)
        if not args.keep_db:
            _psql(args.pg, f"DROP DATABASE IF EXISTS {args.db_name}")

    everything = [seconds for _, seconds in results]
    by_kind = {
        kind: [seconds for k, seconds in results if k == kind] for kind in ("follow", "order")
    }

    def figures(values: list[float]) -> str:
        if not values:
            return "—"
        return (
            f"p50 {statistics.median(values):.1f} s, p95 {_percentile(values, 0.95):.1f} s, "
            f"max {max(values):.1f} s"
        )

    worst = max(everything, default=float("inf"))
    verdict = "met" if worst < TARGET_SECONDS and not missed else "missed"
    load = (
        f"{load_result.orders:,} orders by {load_result.buyers} buyers in "
        f"{load_result.seconds:.0f} s ({load_result.orders_per_second:.1f}/s, "
        f"{load_result.errors} errors)"
        if load_result
        else "the load did not finish"
    )
    lines = [
        "## Dashboard freshness under checkout load (issue 16)",
        "",
        f"Measured {datetime.now(UTC):%Y-%m-%d %H:%M} UTC by `python -m tests.bench.freshness` "
        f"on PostgreSQL and Redis: gunicorn (3 sync workers, `DEBUG=0`), one Celery worker "
        f"process (prefork, queues {QUEUES}), `METRICS_LIVE_SECONDS={live_seconds}`; data "
        f"`seed_demo --fans {args.fans} --creators {args.creators} --products-per-creator 5` "
        f"(seeded in {seed_seconds:.0f} s). From a probe's response (committed) to the "
        "creator's `/studio/` showing it, polled every 0.25 s; no hourly run in between.",
        "",
        "| Measure | Result |",
        "|---|---|",
        f"| Checkout load meanwhile | {load} |",
        f"| A follow → on the dashboard ({len(by_kind['follow'])} probes) | "
        f"{figures(by_kind['follow'])} |",
        f"| A paid order → on the dashboard ({len(by_kind['order'])} probes) | "
        f"{figures(by_kind['order'])} |",
        f"| All probes (target < {TARGET_SECONDS:.0f} s: {verdict}) | {figures(everything)} |",
        f"| Probes not shown within 120 s | {missed} |",
        "",
    ]
    append_section(args.out, lines)
    return 0


if __name__ == "__main__":
    sys.exit(main())
