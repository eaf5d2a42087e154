"""Where a page's time goes, in-process: the pages of `make bench` against its `rows`
baseline, interleaved, as a ratio — plus, on request, a cProfile of one page.

`make bench` takes minutes and its absolute req/s move with whatever else the machine
runs; this takes seconds, and the ratio (rows' time per request ÷ the page's, which is
what the bench's "share of rows" compares) holds up on a busy machine because every
round times each page right after the baseline. It runs the bench's settings
(`tests.bench.settings`: production settings plus the baseline views) through Django's
test `Client`, so every middleware, the session, the page cache and the template engine
run as under gunicorn; only the WSGI server and the socket are left out.

Set up once, on a database of your own (the bench's environment variables, see run.sh):

    export DJANGO_SETTINGS_MODULE=tests.bench.settings DEBUG=0 SECRET_KEY=… \\
        ALLOWED_HOSTS=127.0.0.1 SECURE_SSL_REDIRECT=0 CONN_MAX_AGE=600 \\
        DATABASE_URL=postgres://postgres@127.0.0.1:5432/mydb REDIS_URL=redis://…/N \\
        BENCH_STATIC_ROOT=/tmp/static
    python manage.py migrate && python manage.py collectstatic --no-input
    python manage.py seed_demo --fans 2000 --creators 200 --products-per-creator 50 \\
        --allow-production
    python -m tests.bench.profile_page --setup      # the bench fan's orders and cart

then, as often as needed:

    python -m tests.bench.profile_page                       # every signed-in page
    python -m tests.bench.profile_page --page cart --profile # + cProfile of the cart

Pages are picked by a word of their bench name (`--page cart --page "order list"`).
"""

from __future__ import annotations

import argparse
import cProfile
import io
import os
import pstats
import statistics
import sys
import time

from tests.bench.bench import PAGES, ROWS, Page, page_context, page_handles

TARGET = 0.5  # signed-in pages: at least this share of rows' req/s (bench.TARGET_SIGNED_IN)


def _django_setup() -> None:
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "tests.bench.settings")
    import django

    django.setup()


def _context() -> dict[str, str]:
    try:
        return page_context()
    except Exception:  # the feed's cursor needs the bench's feed data; no feed page here
        from django.db import connection

        connection.close()  # a failed query may have left the transaction broken
        context = page_handles()
        context["feed_cursor_100"] = ""
        return context


def setup() -> None:
    """Give the bench's signed-in fan what run.sh gives them: two orders, a 3-line cart."""
    from tests.bench.bench import signed_in_setup

    signed_in_setup(_context())
    print("profile_page: the bench fan has two more orders and a filled cart")


class _Client:
    """GET through Django's WSGI handler, as gunicorn calls it: the request signals run
    (so persistent connections get their per-request health check), and like wrk it
    sends only the session cookie, never the CSRF cookie a response sets."""

    def __init__(self, session_key: str | None):
        from django.conf import settings
        from django.core.handlers.wsgi import WSGIHandler

        self.handler = WSGIHandler()
        self.cookie = f"{settings.SESSION_COOKIE_NAME}={session_key}" if session_key else ""

    def get(self, url: str) -> int:
        path, _, query = url.partition("?")
        environ = {
            "REQUEST_METHOD": "GET",
            "PATH_INFO": path,
            "QUERY_STRING": query,
            "SCRIPT_NAME": "",
            "SERVER_NAME": "127.0.0.1",
            "SERVER_PORT": "80",
            "SERVER_PROTOCOL": "HTTP/1.1",
            "HTTP_HOST": "127.0.0.1",
            "REMOTE_ADDR": "127.0.0.1",
            "wsgi.input": io.BytesIO(),
            "wsgi.errors": sys.stderr,
            "wsgi.url_scheme": "http",
            "wsgi.version": (1, 0),
            "wsgi.multithread": False,
            "wsgi.multiprocess": True,
            "wsgi.run_once": False,
        }
        if self.cookie:
            environ["HTTP_COOKIE"] = self.cookie
        status = []
        body = self.handler(environ, lambda code, headers, exc_info=None: status.append(code))
        try:
            b"".join(body)
        finally:
            body.close()  # request_finished, as a WSGI server signals it
        return int(status[0].split()[0])


def _client(session_key: str | None) -> _Client:
    return _Client(session_key)


def _timed(client, path: str, n: int) -> list[float]:
    times = []
    for _ in range(n):
        started = time.perf_counter()
        status = client.get(path)
        times.append(time.perf_counter() - started)
        if status != 200:
            raise SystemExit(f"profile_page: GET {path} answered {status}")
    return times


class _Cpu:
    """CPU time spent on requests: this process's and its database server process's
    (PostgreSQL on this machine: /proc/<backend pid>/schedstat, in nanoseconds). Unlike
    wall time it doesn't grow while other work on the machine holds the CPUs, and it
    counts what gunicorn's throughput is bound by: the app's and the database's work."""

    def __init__(self):
        from django.db import connection

        self.backend = None
        if connection.vendor == "postgresql":
            connection.ensure_connection()
            with connection.cursor() as cursor:
                cursor.execute("SELECT pg_backend_pid()")
                pid = cursor.fetchone()[0]
            if os.path.exists(f"/proc/{pid}/schedstat"):  # the server is on this machine
                self.backend = f"/proc/{pid}/schedstat"

    def now(self) -> float:
        spent = time.process_time()
        if self.backend:
            with open(self.backend) as stat:
                spent += int(stat.read().split()[0]) / 1e9
        return spent


def _chosen(words: list[str], signed_out: bool) -> list[Page]:
    pages = [
        page
        for page in PAGES
        if page.in_targets and (page.signed_in or signed_out) and "feed" not in page.name
    ]
    if words:
        pages = [p for p in pages if any(w.lower() in p.name.lower() for w in words)]
    if not pages:
        raise SystemExit(f"profile_page: no page matches {words}")
    return pages


def measure(pages: list[Page], context, session_key: str, *, n: int, rounds: int) -> None:
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    clients = {True: _client(session_key), False: _client(None)}
    targets = [(page, page.path.format(**context)) for page in pages]
    cpu = _Cpu()
    wall: dict[str, list[float]] = {ROWS.name: []}  # each round's median
    spent: dict[str, float] = {ROWS.name: 0.0}  # CPU seconds over all rounds
    for page, path in targets:
        wall[page.name], spent[page.name] = [], 0.0
        clients[page.signed_in].get(path)  # warm: page cache, templates, URL resolver
        with CaptureQueriesContext(connection) as ctx:
            clients[page.signed_in].get(path)
        print(f"  {page.name:<32} {len(ctx.captured_queries):>2} queries  {path}")
    for _ in range(rounds):
        for page, path in targets:
            # rows right before each page: both see the same moment of the machine
            for name, client, url in (
                (ROWS.name, clients[False], ROWS.path),
                (page.name, clients[page.signed_in], path),
            ):
                before = cpu.now()
                wall[name].append(statistics.median(_timed(client, url, n)))
                spent[name] += cpu.now() - before
    requests = {name: rounds * n * (len(targets) if name == ROWS.name else 1) for name in wall}
    rows_wall = min(wall[ROWS.name])
    rows_cpu = spent[ROWS.name] / requests[ROWS.name]
    what = "app + PostgreSQL CPU" if cpu.backend else "app CPU"
    print(
        f"\n  {'page':<32} {'wall ms':>8} {'share':>6}  {'CPU ms':>7} {'share':>6}"
        f"   (share of rows; target ≥ {TARGET:.0%}; CPU: {what})"
    )
    print(
        f"  {ROWS.name:<32} {rows_wall * 1000:8.2f} {'100%':>6}  {rows_cpu * 1000:7.2f} {'100%':>6}"
    )
    for page, _path in targets:
        page_wall = min(wall[page.name])
        page_cpu = spent[page.name] / requests[page.name]
        flag = "" if min(rows_wall / page_wall, rows_cpu / page_cpu) >= TARGET else "  below"
        print(
            f"  {page.name:<32} {page_wall * 1000:8.2f} {rows_wall / page_wall:6.0%}"
            f"  {page_cpu * 1000:7.2f} {rows_cpu / page_cpu:6.0%}{flag}"
        )


def profile(page: Page, context, session_key: str, *, n: int, top: int) -> None:
    client = _client(session_key if page.signed_in else None)
    path = page.path.format(**context)
    _timed(client, path, 5)
    profiler = cProfile.Profile(time.process_time)  # this process's CPU: waits don't count
    profiler.enable()
    _timed(client, path, n)
    profiler.disable()
    for order in ("tottime", "cumulative"):
        out = io.StringIO()
        pstats.Stats(profiler, stream=out).sort_stats(order).print_stats(top)
        print(f"\n--- {page.name}: {n} requests, by {order} ---")
        print(out.getvalue())


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--setup", action="store_true", help="give the bench fan orders, cart")
    parser.add_argument("--page", action="append", default=[], help="a word of a page's name")
    parser.add_argument("--signed-out", action="store_true", help="signed-out pages too")
    parser.add_argument("-n", type=int, default=30, help="requests per page per round")
    parser.add_argument("--rounds", type=int, default=5)
    parser.add_argument("--profile", action="store_true", help="cProfile the first page")
    parser.add_argument("--top", type=int, default=45, help="functions listed per profile")
    args = parser.parse_args(argv)

    _django_setup()
    if args.setup:
        setup()
        return
    from tests.bench import fans

    context = _context()
    session_key = fans.fan_sign_in(fans.seeded_fans(1)[0]).session_key
    pages = _chosen(args.page, args.signed_out)
    measure(pages, context, session_key, n=args.n, rounds=args.rounds)
    if args.profile:
        profile(pages[0], context, session_key, n=args.n * 4, top=args.top)


if __name__ == "__main__":
    try:
        main()
    except KeyboardInterrupt:
        sys.exit(130)
