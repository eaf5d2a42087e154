"""Driver of `make bench`: measure every page against the bare-Django baseline.

run.sh prepares the database, starts gunicorn and then calls `python -m tests.bench.bench
run`; this module checks each URL answers 200, counts its SQL queries in-process, warms
it up, drives it with wrk on loopback in interleaved rounds (the fastest round counts)
and writes docs/benchmarks.md.

To measure a new page, add one line to PAGES. A path may use {placeholders} filled by
`page_context()` from the bench database (e.g. a seeded creator's handle); add a key
there when a new page needs one.

Helpers for run.sh: `db create|drop` (the throw-away PostgreSQL database named in
DATABASE_URL) and `free-port`.
"""

from __future__ import annotations

import argparse
import importlib.metadata
import os
import platform
import re
import shlex
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.parse
import urllib.request
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path


@dataclass(frozen=True)
class Page:
    name: str
    path: str  # may hold {placeholders} from page_context()


# The bare-Django floor, measured in every round of the same run as the pages.
PLAIN = Page("baseline: plain text", "/bench/plain/")
ROWS = Page("baseline: 50-row template", "/bench/rows/")
BASELINES = [PLAIN, ROWS]

# The site's pages. Later issues add one line each.
PAGES = [
    Page("home", "/"),
    Page("creator list", "/creators/"),
    Page("creator list, page 5", "/creators/?page=5"),
    Page("creator page (most followed)", "/@{creator_handle}/"),
    Page("product page", "/@{creator_handle}/p/{product_slug}/"),
    Page("cart (empty)", "/cart/"),
    Page("catalog", "/shop/"),
    Page("catalog search", "/shop/?q=mug"),
    Page("catalog, by price, page 2", "/shop/?sort=price_asc&page=2"),
    Page("catalog, tag + in stock", "/shop/?tag=ceramics&in_stock=1&sort=popular"),
    Page("health check", "/healthz"),
]

# Apps whose row counts describe the data size in the report.
DATA_APPS = ("creators", "shops", "reviews")

ROOT = Path(__file__).resolve().parents[2]
DEFAULT_REPORT = ROOT / "docs" / "benchmarks.md"
LOOPBACK = {"127.0.0.1", "localhost", "[::1]", "::1"}
# Above these, the report warns that other work on the machine made the figures noisy.
NOISY_CPU = 0.15  # share of the CPUs busy before the run, with the bench server idle
NOISY_SPREAD = 0.15  # (fastest − slowest) ÷ fastest round of one URL


# --- Database helpers for run.sh ------------------------------------------------------


def _pg_connect_maintenance():
    import psycopg2

    url = urllib.parse.urlsplit(os.environ["DATABASE_URL"])
    name = url.path.lstrip("/")
    if not name.startswith("relcommerce_bench"):
        sys.exit(
            f"bench: refusing to manage database {name!r}: "
            "its name must start with relcommerce_bench"
        )
    conn = psycopg2.connect(
        host=url.hostname or "127.0.0.1",
        port=url.port or 5432,
        user=urllib.parse.unquote(url.username or "postgres"),
        password=urllib.parse.unquote(url.password) if url.password else None,
        dbname="postgres",
        connect_timeout=10,
    )
    conn.autocommit = True
    return conn, name


def db_command(action: str) -> None:
    from psycopg2 import sql

    conn, name = _pg_connect_maintenance()
    try:
        with conn.cursor() as cur:
            cur.execute("SET statement_timeout = '60s'")
            # WITH (FORCE): PostgreSQL 13+ ends leftover sessions of a crashed earlier run.
            cur.execute(
                sql.SQL("DROP DATABASE IF EXISTS {} WITH (FORCE)").format(sql.Identifier(name))
            )
            if action == "create":
                cur.execute(sql.SQL("CREATE DATABASE {}").format(sql.Identifier(name)))
    finally:
        conn.close()
    print(f"bench: database {name} {'created' if action == 'create' else 'dropped'}")


def free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


# --- HTTP checks ----------------------------------------------------------------------


class _NoRedirect(urllib.request.HTTPRedirectHandler):
    def redirect_request(self, req, fp, code, msg, headers, newurl):
        return None  # a redirect is an answer to report, not to follow


_opener = urllib.request.build_opener(_NoRedirect)


def fetch(url: str, timeout: float = 10) -> tuple[int, bytes, dict]:
    try:
        with _opener.open(url, timeout=timeout) as resp:
            return resp.status, resp.read(), dict(resp.headers)
    except urllib.error.HTTPError as exc:
        return exc.code, exc.read(), dict(exc.headers)


def wait_until_up(base_url: str, pid: int | None, timeout: float) -> None:
    deadline = time.monotonic() + timeout
    last_error = "no answer"
    while time.monotonic() < deadline:
        if pid is not None and not _alive(pid):
            raise SystemExit("bench: gunicorn exited during start-up (see its log above)")
        try:
            fetch(base_url + PLAIN.path, timeout=2)
            return  # any HTTP answer means it is up; check_ok() judges the answers
        except OSError as exc:
            last_error = str(exc)
        time.sleep(0.25)
    raise SystemExit(f"bench: server at {base_url} not ready after {timeout:.0f}s ({last_error})")


def _alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    return True


def check_ok(base_url: str, path: str) -> int:
    """Fetch once; fail clearly unless the answer is 200. Returns the body size."""
    status, body, headers = fetch(base_url + path)
    if status != 200:
        hint = ""
        location = headers.get("Location", "")
        if 300 <= status < 400:
            hint = f" → {location}"
            if location.startswith("https://"):
                hint += " (an https redirect: is SECURE_SSL_REDIRECT=0 set for the bench?)"
        snippet = body[:300].decode("utf-8", "replace").strip()
        raise SystemExit(f"bench: GET {path} answered {status}{hint}, expected 200.\n{snippet}")
    return len(body)


# --- wrk ------------------------------------------------------------------------------

_UNITS = {"us": 0.001, "ms": 1.0, "s": 1000.0, "m": 60_000.0, "h": 3_600_000.0}


def _ms(text: str) -> float:
    match = re.fullmatch(r"([\d.]+)(us|ms|s|m|h)", text)
    if not match:
        raise ValueError(f"cannot read wrk latency {text!r}")
    return float(match.group(1)) * _UNITS[match.group(2)]


@dataclass
class WrkResult:
    rps: float
    p50_ms: float
    p99_ms: float
    requests: int
    status_errors: int = 0
    socket_errors: int = 0
    raw: str = field(default="", repr=False)


def parse_wrk(output: str) -> WrkResult:
    rps = re.search(r"^Requests/sec:\s+([\d.]+)", output, re.M)
    p50 = re.search(r"^\s+50%\s+(\S+)", output, re.M)
    p99 = re.search(r"^\s+99%\s+(\S+)", output, re.M)
    total = re.search(r"^\s+(\d+) requests in", output, re.M)
    if not (rps and p50 and p99 and total):
        raise SystemExit(f"bench: could not parse wrk output:\n{output}")
    non2xx = re.search(r"Non-2xx or 3xx responses:\s+(\d+)", output)
    sockets = re.search(
        r"Socket errors: connect (\d+), read (\d+), write (\d+), timeout (\d+)", output
    )
    return WrkResult(
        rps=float(rps.group(1)),
        p50_ms=_ms(p50.group(1)),
        p99_ms=_ms(p99.group(1)),
        requests=int(total.group(1)),
        status_errors=int(non2xx.group(1)) if non2xx else 0,
        socket_errors=sum(int(n) for n in sockets.groups()) if sockets else 0,
        raw=output,
    )


def run_wrk(url: str, *, seconds: int, threads: int, connections: int) -> WrkResult:
    cmd = ["wrk", f"-t{threads}", f"-c{connections}", f"-d{seconds}s", "--latency", url]
    try:
        proc = subprocess.run(  # noqa: S603 - fixed argv, loopback URL
            cmd, capture_output=True, text=True, timeout=seconds + 60, check=False
        )
    except subprocess.TimeoutExpired:
        raise SystemExit(
            f"bench: wrk did not finish in {seconds + 60}s: {shlex.join(cmd)}"
        ) from None
    if proc.returncode != 0:
        raise SystemExit(f"bench: wrk failed ({proc.returncode}): {proc.stderr or proc.stdout}")
    return parse_wrk(proc.stdout)


# --- Django, in-process ---------------------------------------------------------------


def django_setup() -> None:
    import django

    django.setup()


def page_context() -> dict[str, str]:
    """Values for the {placeholders} in PAGES, read from the seeded bench database."""
    from django.db.models import Count

    from creators.models import CreatorProfile

    most_followed = (
        CreatorProfile.objects.filter(user__is_active=True)
        .annotate(followers=Count("user__follower_set"))
        .order_by("-followers", "id")
        .values_list("handle", flat=True)
        .first()
    )
    if most_followed is None:
        raise SystemExit("bench: the bench database has no active creator: did seed_demo run?")
    from shops.models import Product, ProductStatus

    product = (
        Product.objects.filter(status=ProductStatus.PUBLISHED, shop__creator__handle=most_followed)
        .order_by("-published_at", "id")
        .values_list("slug", flat=True)
        .first()
    )
    if product is None:
        raise SystemExit("bench: the most followed creator has no published product")
    return {"creator_handle": most_followed, "product_slug": product}


def data_size() -> dict[str, int]:
    from django.apps import apps

    counts = {}
    for label in DATA_APPS:
        try:
            config = apps.get_app_config(label)
        except LookupError:
            continue
        for model in config.get_models():
            counts[f"{label}.{model.__name__}"] = model._default_manager.count()
    return counts


def creator_list_pages() -> int:
    from django.core.paginator import Paginator

    from creators import selectors, views

    per_page = getattr(views, "CREATORS_PER_PAGE", 24)
    return Paginator(selectors.creator_search(query=""), per_page).num_pages


def query_counts(paths: list[str]) -> dict[str, int]:
    """SQL queries per page, anonymous visitor, second request (caches warm)."""
    from django.db import connection
    from django.test import Client
    from django.test.utils import CaptureQueriesContext

    client = Client(SERVER_NAME="127.0.0.1")
    counts = {}
    for path in paths:
        client.get(path)
        with CaptureQueriesContext(connection) as ctx:
            response = client.get(path)
        if response.status_code != 200:
            raise SystemExit(f"bench: in-process GET {path} answered {response.status_code}")
        counts[path] = len(ctx.captured_queries)
    return counts


def versions() -> dict[str, str]:
    from django.db import connection

    with connection.cursor() as cur:
        cur.execute("SHOW server_version")
        pg = cur.fetchone()[0]
    try:
        import redis

        info = redis.Redis.from_url(os.environ["REDIS_URL"], socket_timeout=5).info("server")
        redis_version = info.get("redis_version", "unknown")
    except Exception:  # the version is a nicety in the report
        redis_version = "unknown"
    wrk = subprocess.run(  # noqa: S603, S607 - fixed argv
        ["wrk", "-v"], capture_output=True, text=True, timeout=10, check=False
    )
    wrk_version = (wrk.stdout or wrk.stderr).splitlines()[0].split(" Copyright")[0]
    return {
        "Python": platform.python_version(),
        "Django": importlib.metadata.version("django"),
        "gunicorn": importlib.metadata.version("gunicorn"),
        "PostgreSQL": pg.split(" ")[0],
        "Redis": redis_version,
        "wrk": wrk_version.strip(),
    }


def cpu_busy(seconds: float = 3.0) -> float | None:
    """Share of all CPUs busy over `seconds` (taken while the bench server is idle)."""

    def snapshot() -> tuple[int, int]:
        values = [int(v) for v in Path("/proc/stat").read_text().split("\n", 1)[0].split()[1:9]]
        return values[3] + values[4], sum(values)  # idle + iowait, total

    try:
        idle0, total0 = snapshot()
        time.sleep(seconds)
        idle1, total1 = snapshot()
    except (OSError, ValueError, IndexError):
        return None
    total = total1 - total0
    return 1 - (idle1 - idle0) / total if total else None


def code_version() -> str:
    def git(*args: str) -> str:
        proc = subprocess.run(  # noqa: S603 - fixed argv
            ["git", *args],  # noqa: S607
            cwd=ROOT,
            capture_output=True,
            text=True,
            timeout=20,
            check=False,
        )
        return proc.stdout.strip() if proc.returncode == 0 else ""

    commit = git("rev-parse", "--short", "HEAD")
    if not commit:
        return "unknown (not a git checkout)"
    dirty = git("status", "--porcelain", "--untracked-files=no")
    return f"commit {commit}" + (" plus uncommitted changes" if dirty else "")


def machine() -> dict[str, str]:
    cpu = "unknown"
    mem = "unknown"
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                cpu = line.split(":", 1)[1].strip()
                break
        for line in Path("/proc/meminfo").read_text().splitlines():
            if line.startswith("MemTotal:"):
                mem = f"{int(line.split()[1]) / 1024 / 1024:.1f} GiB"
                break
    except OSError:
        pass
    return {
        "CPUs (nproc)": str(os.cpu_count()),
        "CPU model": cpu,
        "memory": mem,
        "OS": f"{platform.system()} {platform.release()}",
    }


# --- The run --------------------------------------------------------------------------


@dataclass
class Measured:
    page: Page
    path: str
    body_bytes: int
    queries: int | None
    rounds: list[WrkResult] = field(default_factory=list)

    @property
    def best(self) -> WrkResult:
        return max(self.rounds, key=lambda r: r.rps)

    @property
    def spread(self) -> float:
        """(fastest − slowest) ÷ fastest over the rounds: 0 means perfectly steady."""
        rates = [r.rps for r in self.rounds]
        return (max(rates) - min(rates)) / max(rates) if len(rates) > 1 else 0.0


def measure_once(base_url: str, m: Measured, cfg, *, warmup: int) -> None:
    url = base_url + m.path
    if warmup:
        run_wrk(url, seconds=warmup, threads=cfg.threads, connections=cfg.connections)
    result = run_wrk(url, seconds=cfg.seconds, threads=cfg.threads, connections=cfg.connections)
    if result.status_errors:
        raise SystemExit(
            f"bench: {result.status_errors} error responses (status >= 400) from {m.path} "
            f"under load:\n{result.raw}"
        )
    m.rounds.append(result)
    print(
        f"  {m.page.name:<34} {result.rps:>9.1f} req/s  p50 {result.p50_ms:7.2f} ms  "
        f"p99 {result.p99_ms:7.2f} ms",
        flush=True,
    )


def run(cfg) -> None:
    base_url = cfg.base_url.rstrip("/")
    host = urllib.parse.urlsplit(base_url).hostname
    if host not in LOOPBACK:
        raise SystemExit(f"bench: refusing to send load to {host!r}: loopback only")
    if cfg.rounds < 1 or cfg.seconds < 1 or cfg.connections < 1 or cfg.threads < 1:
        raise SystemExit("bench: rounds, seconds, connections and threads must be at least 1")

    django_setup()
    wait_until_up(base_url, cfg.gunicorn_pid, timeout=cfg.startup_timeout)

    context = page_context()
    targets = [(page, page.path.format(**context)) for page in [*BASELINES, *PAGES]]
    print("bench: checking every URL answers 200", flush=True)
    sizes = {path: check_ok(base_url, path) for _, path in targets}
    print("bench: counting SQL queries in-process", flush=True)
    queries = query_counts([path for _, path in targets]) if cfg.queries else {}
    measured = [Measured(page, path, sizes[path], queries.get(path)) for page, path in targets]
    notes = []
    pages_of_creators = creator_list_pages()
    if pages_of_creators < 5:
        notes.append(
            f"The creator list has only {pages_of_creators} page(s), so `/creators/?page=5` "
            "shows the last page: seed more creators for a meaningful deep-page figure."
        )

    busy = cpu_busy()
    if busy is not None and busy > NOISY_CPU:
        print(f"bench: warning: the machine is {busy:.0%} busy before any load", flush=True)
    started = time.monotonic()
    for n in range(1, cfg.rounds + 1):
        print(
            f"bench: round {n}/{cfg.rounds}: wrk -t{cfg.threads} -c{cfg.connections} "
            f"-d{cfg.seconds}s per URL" + (f", after a {cfg.warmup}s warm-up" if n == 1 else ""),
            flush=True,
        )
        for m in measured:
            measure_once(base_url, m, cfg, warmup=cfg.warmup if n == 1 else 0)
    elapsed = time.monotonic() - started

    report = build_report(
        cfg=cfg, measured=measured, context=context, notes=notes, elapsed=elapsed, busy=busy
    )
    out = Path(cfg.out)
    out.parent.mkdir(parents=True, exist_ok=True)
    out.write_text(report)
    print(f"bench: wrote {out.relative_to(ROOT) if out.is_relative_to(ROOT) else out}")


# --- The report -----------------------------------------------------------------------

INTRO = """\
# Benchmarks

Written by `make bench` (scripts in `tests/bench/`); rerun it rather than editing this
file. Speed is measured here, never asserted in tests.

**How to read it.** Absolute requests per second depend on the machine, so compare
**ratios** across machines and commits. Each run also serves two bare-Django baseline
views through the same gunicorn, middleware, database connection and cache as the real
pages:

- *plain* — `/bench/plain/` returns a two-byte `HttpResponse`: the floor of a Django
  response on this server;
- *rows* — `/bench/rows/` renders a 50-row table (text, a price with `floatformat`, a
  date with `date`) from data in memory: what the template engine alone costs for a
  modest list.

A page's **cost** is *baseline req/s ÷ page req/s*: "× plain 4.0" means one request for
the page takes the server as long as four plain-text responses; 1.0 is as cheap as
Django gets here. A page whose cost jumps between runs has gained work (queries,
template loops, cache misses).

Every URL is measured in several rounds, interleaved, and the fastest round counts:
other work on the machine can only slow a round down, so the fastest is the cleanest
estimate. *spread* is (fastest − slowest) ÷ fastest over the rounds, the noise of that
figure. Client (wrk) and server share the same CPUs on loopback, so absolute figures are
lower than on a dedicated server. gunicorn runs sync workers, as in docker-compose: one
request per connection, so load spreads evenly over the workers (with gthread, wrk's
keep-alive connections can pile onto one worker and leave a core idle).
"""


def _fmt_rps(value: float) -> str:
    return f"{value:,.0f}" if value >= 100 else f"{value:,.1f}"


def build_report(*, cfg, measured, context, notes, elapsed, busy) -> str:
    by_path = {m.path: m for m in measured}
    plain_rps = by_path[PLAIN.path].best.rps
    rows_rps = by_path[ROWS.path].best.rps
    now = datetime.now(tz=UTC).strftime("%Y-%m-%d %H:%M UTC")

    lines = [INTRO, f"## Last run — {now}", ""]
    lines += ["| | |", "|---|---|"]
    lines.append(f"| command | `{cfg.command}` (from the project root) |")
    lines.append(f"| code | {code_version()} |")
    for key, value in machine().items():
        lines.append(f"| {key} | {value} |")
    for key, value in versions().items():
        lines.append(f"| {key} | {value} |")
    lines.append(f"| server | `{cfg.gunicorn_cmd}` |")
    lines.append(
        "| settings | `tests.bench.settings` (production settings + baseline URLs), "
        "`DEBUG=0`, PostgreSQL with `CONN_MAX_AGE="
        f"{os.environ.get('CONN_MAX_AGE', '?')}`, Redis cache, plain HTTP on loopback |"
    )
    lines.append(
        f"| load | `wrk -t{cfg.threads} -c{cfg.connections} -d{cfg.seconds}s --latency` per URL "
        f"and round, {cfg.rounds} rounds, {cfg.warmup}s warm-up per URL first; "
        f"{elapsed:.0f}s of traffic in all |"
    )
    if busy is not None:
        lines.append(f"| CPU busy before the run | {busy:.0%} (other processes; server idle) |")
    lines.append(f"| data | `{cfg.seed_cmd}` (row counts below) |")
    lines.append("")

    lines += [
        "## Results",
        "",
        "| page | URL | req/s | p50 ms | p99 ms | cost × plain | cost × rows | spread "
        "| SQL queries | bytes |",
        "|---|---|--:|--:|--:|--:|--:|--:|--:|--:|",
    ]
    for m in measured:
        r = m.best
        q = "—" if m.queries is None else str(m.queries)
        lines.append(
            f"| {m.page.name} | `{m.path}` | {_fmt_rps(r.rps)} | {r.p50_ms:.2f} "
            f"| {r.p99_ms:.2f} | {plain_rps / r.rps:.2f} | {rows_rps / r.rps:.2f} "
            f"| {m.spread:.0%} | {q} | {m.body_bytes:,} |"
        )
    lines += [
        "",
        "req/s and latencies are from each URL's fastest round. *SQL queries*: counted "
        "in-process with the Django test client and `CaptureQueriesContext`, anonymous "
        "visitor, second request (caches warm). *bytes*: response body size.",
        "",
    ]

    rounds_table = ["| page | " + " | ".join(f"round {n}" for n in range(1, cfg.rounds + 1)) + " |"]
    rounds_table.append("|---|" + "--:|" * cfg.rounds)
    for m in measured:
        rounds_table.append(
            f"| {m.page.name} | " + " | ".join(_fmt_rps(r.rps) for r in m.rounds) + " |"
        )
    lines += ["<details><summary>req/s of every round</summary>", "", *rounds_table, ""]
    lines += ["</details>", ""]

    if busy is not None and busy > NOISY_CPU:
        notes.append(
            f"Other processes kept {busy:.0%} of the CPUs busy just before the run: the "
            "figures are noisy. Rerun on an idle machine before drawing conclusions."
        )
    noisy = [m.page.name for m in measured if m.spread > NOISY_SPREAD]
    if noisy:
        notes.append(
            f"Rounds differed by more than {NOISY_SPREAD:.0%} for: {', '.join(noisy)}. "
            "Something else ran on the machine during part of the run; treat those ratios "
            "as rough, or rerun."
        )
    errors = {m.path: sum(r.socket_errors for r in m.rounds) for m in measured}
    if any(errors.values()):
        listed = ", ".join(f"`{p}` {n}" for p, n in errors.items() if n)
        notes.append(f"wrk reported socket errors: {listed}.")

    lines += ["## Data", "", "| table | rows |", "|---|--:|"]
    lines += [f"| {name} | {count:,} |" for name, count in data_size().items() if count]
    lines.append("")
    lines += [f"Placeholders: {', '.join(f'`{k}` = `{v}`' for k, v in context.items())}.", ""]

    if notes:
        lines += ["## Notes", ""] + [f"- {note}" for note in notes] + [""]
    return "\n".join(lines)


# --- Command line ---------------------------------------------------------------------


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    sub = parser.add_subparsers(dest="command_name", required=True)

    db = sub.add_parser("db", help="create or drop the bench database named in DATABASE_URL")
    db.add_argument("action", choices=["create", "drop"])
    sub.add_parser("free-port", help="print a free TCP port on 127.0.0.1")

    env = os.environ.get
    r = sub.add_parser("run", help="measure the pages against a running server")
    r.add_argument("--base-url", required=True)
    r.add_argument("--seconds", type=int, default=int(env("BENCH_SECONDS", "5")))
    r.add_argument("--rounds", type=int, default=int(env("BENCH_ROUNDS", "3")))
    r.add_argument("--warmup", type=int, default=int(env("BENCH_WARMUP", "2")))
    r.add_argument("--connections", type=int, default=int(env("BENCH_CONNECTIONS", "8")))
    r.add_argument("--threads", type=int, default=int(env("BENCH_WRK_THREADS", "2")))
    r.add_argument("--seed-cmd", default=env("BENCH_SEED_CMD", "manage.py seed_demo"))
    r.add_argument("--no-queries", dest="queries", action="store_false")
    r.add_argument("--gunicorn-pid", type=int, default=None)
    r.add_argument("--gunicorn-cmd", default=env("BENCH_GUNICORN_CMD", "gunicorn"))
    r.add_argument("--command", default=env("BENCH_COMMAND", "make bench"))
    r.add_argument("--startup-timeout", type=float, default=60)
    r.add_argument("--out", default=str(DEFAULT_REPORT))

    args = parser.parse_args(argv)
    if args.command_name == "db":
        db_command(args.action)
    elif args.command_name == "free-port":
        print(free_port())
    else:
        run(args)


if __name__ == "__main__":
    try:
        main()
    except KeyboardInterrupt:
        sys.exit(130)
