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
import math
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
    signed_in: bool = False  # requested with a seeded fan's session cookie
    in_targets: bool = True  # counts towards the issue's targets (a page people see)

    @property
    def key(self) -> tuple[str, bool]:
        return self.path, self.signed_in


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
    Page("health check", "/healthz", in_targets=False),
    # Signed in as a seeded fan with orders and a 3-line cart (see signed_in_setup()).
    Page("home, signed in", "/", signed_in=True),
    Page("creator page, signed in", "/@{creator_handle}/", signed_in=True),
    Page("product page, signed in", "/@{creator_handle}/p/{product_slug}/", signed_in=True),
    Page("catalog, signed in", "/shop/", signed_in=True),
    Page("cart (3 lines), signed in", "/cart/", signed_in=True),
    Page("order list, signed in", "/orders/", signed_in=True),
    # The feed (issue 5): a fan following 500 creators over 1,000,000 posts; page 100
    # through the keyset cursor should cost what page 1 costs.
    Page("feed, signed in", "/feed/", signed_in=True, in_targets=False),
    Page(
        "feed page 100, signed in",
        "/feed/?cursor={feed_cursor_100}",
        signed_in=True,
        in_targets=False,
    ),
    Page("discover feed (signed out)", "/feed/", in_targets=False),
]

# The targets: issue 15 ("Replace, don't fork": within 3x of the floor signed out, with no
# home-made infrastructure) and, unchanged, issue 4's signed-in and latency targets.
TARGET_ISSUE = "issues 4 and 15"
TARGET_SIGNED_OUT = 1 / 3  # cached signed-out pages: at least this share of plain's req/s
TARGET_SIGNED_IN = 0.5  # signed-in pages: at least this share of rows' req/s
TARGET_P95_MS = 50.0  # p95 at TARGET_CONNECTIONS concurrent connections
TARGET_CONNECTIONS = 4
P95_SCRIPT = Path(__file__).resolve().parent / "p95.lua"

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


def fetch(url: str, timeout: float = 10, headers: dict | None = None) -> tuple[int, bytes, dict]:
    try:
        request = urllib.request.Request(url, headers=headers or {})  # noqa: S310 - loopback
        with _opener.open(request, timeout=timeout) as resp:
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


def check_ok(base_url: str, path: str, headers: dict | None = None) -> int:
    """Fetch once; fail clearly unless the answer is 200. Returns the body size."""
    status, body, headers = fetch(base_url + path, headers=headers)
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
    p95_ms: float
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
    p95 = re.search(r"^p95_us (\d+)", output, re.M)  # printed by p95.lua
    if not (rps and p50 and p95 and p99 and total):
        raise SystemExit(f"bench: could not parse wrk output:\n{output}")
    non2xx = re.search(r"Non-2xx or 3xx responses:\s+(\d+)", output)
    sockets = re.search(
        r"Socket errors: connect (\d+), read (\d+), write (\d+), timeout (\d+)", output
    )
    return WrkResult(
        rps=float(rps.group(1)),
        p50_ms=_ms(p50.group(1)),
        p95_ms=int(p95.group(1)) / 1000,
        p99_ms=_ms(p99.group(1)),
        requests=int(total.group(1)),
        status_errors=int(non2xx.group(1)) if non2xx else 0,
        socket_errors=sum(int(n) for n in sockets.groups()) if sockets else 0,
        raw=output,
    )


def run_wrk(
    url: str, *, seconds: int, threads: int, connections: int, headers: dict | None = None
) -> WrkResult:
    cmd = ["wrk", f"-t{min(threads, connections)}", f"-c{connections}", f"-d{seconds}s"]
    for name, value in (headers or {}).items():
        cmd += ["-H", f"{name}: {value}"]
    cmd += ["--latency", "-s", str(P95_SCRIPT), url]
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


def page_handles() -> dict[str, str]:
    """The most followed creator and their newest product, from the seeded bench database."""
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


def page_context() -> dict[str, str]:
    """Values for the {placeholders} in PAGES, read from the seeded bench database."""
    context = page_handles()
    from tests.bench import fans, feed_data

    # The cursor that opens page 100 of the bench fan's feed (tests/bench/feed_data.py).
    email = fans.seeded_fans(1)[0].email
    context["feed_cursor_100"] = feed_data.deep_cursor(email, page=100, per_page=20)
    return context


@dataclass
class SignedIn:
    """The seeded fan the signed-in pages are requested as."""

    email: str
    session_key: str
    orders: int
    cart_lines: int

    @property
    def headers(self) -> dict[str, str]:
        from tests.bench.fans import session_cookie_name

        return {"Cookie": f"{session_cookie_name()}={self.session_key}"}


def signed_in_setup(context: dict[str, str]) -> SignedIn:
    """Sign in a seeded fan, place two orders for them and fill their cart with three
    products, all through the shop's services (tests/bench/fans.py)."""
    from tests.bench import fans

    fan = fans.seeded_fans(1)[0]
    products = [
        p.pk for p in fans.buyable_products(7, exclude_shop_handle=context["creator_handle"])
    ]
    fans.order_for(fan, products[0:2])
    fans.order_for(fan, products[2:4])
    fans.cart_fill(fan, products[4:7])
    signed_in = fans.fan_sign_in(fan)
    return SignedIn(email=fan.email, session_key=signed_in.session_key, orders=2, cart_lines=3)


@dataclass
class CheckoutRun:
    name: str
    products: str  # what the buyers buy, for the report
    result: object  # checkout_load.LoadResult
    sane: bool
    sanity: str


def checkout_runs(base_url: str, cfg) -> list[CheckoutRun]:
    """Concurrent buyers, two ways: each buyer on a product of its own shop, then all of
    them racing for one hot product. Products get a big stock through the product service
    so nobody sells out; afterwards the database must agree with what the buyers saw."""
    from shops.models import Product
    from tests.bench import checkout_load, fans

    buyers = cfg.buyers
    # Enough signed-in fans that no one reaches checkout's rate limit (15 orders an hour).
    per_buyer = math.ceil(cfg.seconds * 6 / checkout_load.ORDERS_PER_FAN) + 1
    pool = fans.seeded_fans(2 * buyers * per_buyer, skip=1)  # fan 2 is the signed-in pages'
    products = fans.buyable_products(buyers + 1)
    products = [fans.stock_raise(product) for product in products]
    hot, spread = products[0], products[1:]
    runs = []
    for name, chosen, what in (
        ("each buyer their own product", spread, f"{buyers} products of {buyers} shops"),
        ("hot product: all buyers, one product", [hot] * buyers, f"`{hot.slug}`"),
    ):
        fans_of_run, pool = pool[: buyers * per_buyer], pool[buyers * per_buyer :]
        sessions = [fans.fan_sign_in(user).session_key for user in fans_of_run]
        plans = [
            checkout_load.BuyerPlan(
                sessions=sessions[n * per_buyer : (n + 1) * per_buyer],
                product_id=product.pk,
                product_path=product.get_absolute_url(),
            )
            for n, product in enumerate(chosen)
        ]
        print(f"bench: checkout, {name}: {buyers} buyers for {cfg.seconds}s", flush=True)
        stock_before = dict(
            Product.objects.filter(pk__in={p.pk for p in chosen}).values_list("pk", "stock")
        )
        books = _checkout_books(fans_of_run, stock_before)
        result = checkout_load.checkout_load(
            base_url, plans, seconds=cfg.seconds, cookie_name=fans.session_cookie_name()
        )
        sane, sanity = _checkout_sanity(result, fans_of_run, stock_before, books)
        p95 = result.place_percentile(95)
        print(
            f"  {result.orders} orders ({result.orders_per_second:.1f}/s), {result.errors} "
            f"errors, place-order p95 {p95 or 0:.1f} ms; {sanity}",
            flush=True,
        )
        for stat in result.stats:
            for sample in stat.error_samples:
                print(f"    error: {sample}", flush=True)
        runs.append(CheckoutRun(name, what, result, sane, sanity))
    return runs


def _checkout_books(buyers: list, product_ids) -> tuple[int, int, dict[int, int]]:
    """(checkouts, orders, units sold per product) of `buyers`, as the database has them."""
    from django.db.models import Sum

    from shops.models import Checkout, Order, OrderItem

    ids = [user.pk for user in buyers]
    sold = dict(
        OrderItem.objects.filter(order__buyer_id__in=ids, product_id__in=product_ids)
        .values_list("product_id")
        .annotate(units=Sum("quantity"))
    )
    return (
        Checkout.objects.filter(buyer_id__in=ids).count(),
        Order.objects.filter(buyer_id__in=ids).count(),
        sold,
    )


def _checkout_sanity(result, buyers: list, stock_before: dict[int, int], books) -> tuple:
    """Orders the run added to the database = orders the buyers saw placed; stock fell by
    exactly the units sold and never went below zero. `books`: _checkout_books() before."""
    from shops.models import Product

    checkouts0, orders0, sold0 = books
    checkouts1, orders1, sold1 = _checkout_books(buyers, stock_before)
    checkouts, orders = checkouts1 - checkouts0, orders1 - orders0
    sold = {pk: sold1.get(pk, 0) - sold0.get(pk, 0) for pk in stock_before}
    stock_after = dict(Product.objects.filter(pk__in=stock_before).values_list("pk", "stock"))
    problems = []
    if checkouts != result.orders or orders != result.orders:
        problems.append(f"{checkouts} checkouts / {orders} orders stored vs {result.orders} placed")
    for pk, before in stock_before.items():
        after = stock_after[pk]
        if after is None or after < 0 or before - after != sold[pk]:
            problems.append(f"product {pk}: stock {before} → {after}, {sold[pk]} sold")
    if problems:
        return False, "; ".join(problems)
    return True, (
        f"{orders} orders stored = {result.orders} placed; stock fell by exactly the "
        f"{sum(sold.values())} units sold, none negative"
    )


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


def query_counts(pages: list[tuple[Page, str]], session_key: str) -> dict[tuple, int]:
    """SQL queries per page, second request (caches warm); signed-in pages with the fan's
    session."""
    from django.db import connection
    from django.test import Client
    from django.test.utils import CaptureQueriesContext

    from tests.bench.fans import session_cookie_name

    counts = {}
    for page, path in pages:
        client = Client(SERVER_NAME="127.0.0.1")
        if page.signed_in:
            client.cookies[session_cookie_name()] = session_key
        client.get(path)
        with CaptureQueriesContext(connection) as ctx:
            response = client.get(path)
        if response.status_code != 200:
            raise SystemExit(f"bench: in-process GET {path} answered {response.status_code}")
        counts[(path, page.signed_in)] = len(ctx.captured_queries)
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
    headers: dict = field(default_factory=dict)
    rounds: list[WrkResult] = field(default_factory=list)
    at_target_connections: WrkResult | None = None  # one run at TARGET_CONNECTIONS

    @property
    def best(self) -> WrkResult:
        return max(self.rounds, key=lambda r: r.rps)

    @property
    def spread(self) -> float:
        """(fastest − slowest) ÷ fastest over the rounds: 0 means perfectly steady."""
        rates = [r.rps for r in self.rounds]
        return (max(rates) - min(rates)) / max(rates) if len(rates) > 1 else 0.0


def measure_once(
    base_url: str, m: Measured, cfg, *, warmup: int, connections: int | None = None
) -> WrkResult:
    url = base_url + m.path
    load = {"threads": cfg.threads, "connections": connections or cfg.connections}
    if warmup:
        run_wrk(url, seconds=warmup, headers=m.headers, **load)
    result = run_wrk(url, seconds=cfg.seconds, headers=m.headers, **load)
    if result.status_errors:
        raise SystemExit(
            f"bench: {result.status_errors} error responses (status >= 400) from {m.path} "
            f"under load:\n{result.raw}"
        )
    print(
        f"  {m.page.name:<34} {result.rps:>9.1f} req/s  p50 {result.p50_ms:7.2f} ms  "
        f"p95 {result.p95_ms:7.2f} ms  p99 {result.p99_ms:7.2f} ms",
        flush=True,
    )
    return result


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
    print("bench: signing in a seeded fan with two orders and a 3-line cart", flush=True)
    signed_in = signed_in_setup(context)
    targets = [(page, page.path.format(**context)) for page in [*BASELINES, *PAGES]]
    print("bench: checking every URL answers 200", flush=True)
    sizes = {
        (path, page.signed_in): check_ok(
            base_url, path, signed_in.headers if page.signed_in else None
        )
        for page, path in targets
    }
    print("bench: counting SQL queries in-process", flush=True)
    queries = query_counts(targets, signed_in.session_key) if cfg.queries else {}
    measured = [
        Measured(
            page,
            path,
            sizes[(path, page.signed_in)],
            queries.get((path, page.signed_in)),
            headers=signed_in.headers if page.signed_in else {},
        )
        for page, path in targets
    ]
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
            m.rounds.append(measure_once(base_url, m, cfg, warmup=cfg.warmup if n == 1 else 0))
    print(f"bench: latency round: wrk -c{TARGET_CONNECTIONS} -d{cfg.seconds}s per URL", flush=True)
    for m in measured:
        m.at_target_connections = measure_once(
            base_url, m, cfg, warmup=0, connections=TARGET_CONNECTIONS
        )
    checkouts = checkout_runs(base_url, cfg) if cfg.buyers else []
    elapsed = time.monotonic() - started

    report = build_report(
        cfg=cfg,
        measured=measured,
        context=context,
        notes=notes,
        elapsed=elapsed,
        busy=busy,
        signed_in=signed_in,
        checkouts=checkouts,
    )
    out = Path(cfg.out)
    out.parent.mkdir(parents=True, exist_ok=True)
    out.write_text(with_kept_comparisons(report, out))
    print(f"bench: wrote {out.relative_to(ROOT) if out.is_relative_to(ROOT) else out}")


# --- The report -----------------------------------------------------------------------

KEPT_START, KEPT_END = "<!-- kept by make bench -->", "<!-- /kept by make bench -->"


def with_kept_comparisons(report: str, out: Path) -> str:
    """The new report with the previous file's kept part (before/after comparisons of
    past changes, written by hand between the markers) right after the introduction."""
    previous = out.read_text() if out.exists() else ""
    start, end = previous.find(KEPT_START), previous.find(KEPT_END)
    if start < 0 or end < start:
        return report
    kept = previous[start : end + len(KEPT_END)]
    intro, marker, rest = report.partition("\n## Last run")
    return f"{intro}{kept}\n{marker}{rest}" if marker else f"{report}\n{kept}\n"


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

Pages are requested both signed out and *signed in* as a seeded fan (a session made
in-process the way sign-in makes it, sent as a cookie) who has two orders and three
lines in the cart. Every URL is measured in several rounds, interleaved, and the fastest
round counts: other work on the machine can only slow a round down, so the fastest is
the cleanest estimate. *spread* is (fastest − slowest) ÷ fastest over the rounds, the
noise of that figure. A last round at 4 connections gives the latency the targets name
(p95 from a wrk Lua script, `tests/bench/p95.lua`). Then concurrent buyers, each a
different signed-in fan, check out through the real pages with CSRF tokens
(`tests/bench/checkout_load.py`). Client and server share the same CPUs on loopback, so
absolute figures are lower than on a dedicated server. gunicorn runs sync workers, as in
docker-compose: one request per connection, so load spreads evenly over the workers.
"""


def _fmt_rps(value: float) -> str:
    return f"{value:,.0f}" if value >= 100 else f"{value:,.1f}"


def _pass(ok: bool) -> str:
    return "**pass**" if ok else "**FAIL**"


def _share_target(pages: list, baseline_rps: float, share: float, baseline: str) -> tuple:
    """(measured text, passed) for 'every page reaches `share` of `baseline`'."""
    if not pages:
        return "no page measured", False
    ratios = [(m.best.rps / baseline_rps, m) for m in pages]
    worst, worst_page = min(ratios, key=lambda pair: pair[0])
    meeting = sum(ratio >= share for ratio, _ in ratios)
    text = (
        f"{meeting} of {len(pages)} pages reach it; slowest: {worst_page.page.name} at "
        f"{worst:.0%} of {baseline}"
    )
    return text, meeting == len(pages)


def targets_table(*, measured, plain_rps, rows_rps, checkouts) -> list[str]:
    pages = [m for m in measured if m.page in PAGES and m.page.in_targets]
    signed_out = [m for m in pages if not m.page.signed_in]
    signed_in = [m for m in pages if m.page.signed_in]
    lines = [f"| target ({TARGET_ISSUE}) | measured | result |", "|---|---|---|"]
    text, ok = _share_target(signed_out, plain_rps, TARGET_SIGNED_OUT, "plain")
    lines.append(f"| signed-out pages ≥ {TARGET_SIGNED_OUT:.0%} of the plain-text view's req/s "
                 f"| {text} | {_pass(ok)} |")  # fmt: skip
    text, ok = _share_target(signed_in, rows_rps, TARGET_SIGNED_IN, "rows")
    lines.append(f"| signed-in pages ≥ {TARGET_SIGNED_IN:.0%} of the 50-row template view's "
                 f"req/s | {text} | {_pass(ok)} |")  # fmt: skip
    latencies = [(m.at_target_connections.p95_ms, m) for m in pages if m.at_target_connections]
    if latencies:
        worst, worst_page = max(latencies, key=lambda pair: pair[0])
        meeting = sum(p95 < TARGET_P95_MS for p95, _ in latencies)
        lines.append(
            f"| p95 < {TARGET_P95_MS:.0f} ms at {TARGET_CONNECTIONS} concurrent connections "
            f"| {meeting} of {len(latencies)} pages; slowest: {worst_page.page.name} at "
            f"{worst:.1f} ms | {_pass(meeting == len(latencies))} |"
        )
    if checkouts:
        orders = sum(run.result.orders for run in checkouts)
        errors = sum(run.result.errors for run in checkouts)
        sane = all(run.sane for run in checkouts)
        lines.append(
            "| checkout under concurrent buyers never oversells: no errors, every placed "
            f"order stored once, stock never negative | {orders} orders, {errors} errors, "
            f"stock and orders {'consistent' if sane else 'INCONSISTENT'} "
            f"| {_pass(orders > 0 and errors == 0 and sane)} |"
        )
        best = max(checkouts, key=lambda run: run.result.orders_per_second)
        rate = best.result.orders_per_second
        cost = f"{plain_rps / rate:.0f}" if rate else "—"
        lines.append(
            f"| checkout throughput with concurrent buyers (recorded, no threshold) | "
            f"{rate:.1f} orders/s ({best.name}); one order costs × plain {cost} | — |"
        )
    lines += [
        "",
        "Not measured here, asserted by the test suite instead: cached signed-out pages are "
        "never stale after a price, stock or content change, and query budgets stay flat "
        "as data grows.",
        "",
    ]
    return lines


def build_report(
    *, cfg, measured, context, notes, elapsed, busy, signed_in=None, checkouts=()
) -> str:
    by_key = {m.page.key: m for m in measured}
    plain_rps = by_key[PLAIN.key].best.rps
    rows_rps = by_key[ROWS.key].best.rps
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
        f"and round, {cfg.rounds} rounds, {cfg.warmup}s warm-up per URL first; then one "
        f"round at `-c{TARGET_CONNECTIONS}`; then {cfg.buyers} concurrent buyers for "
        f"{cfg.seconds}s per checkout variant; {elapsed:.0f}s in all |"
    )
    if signed_in is not None:
        lines.append(
            f"| signed in as | `{signed_in.email}` ({signed_in.orders} orders, "
            f"{signed_in.cart_lines} cart lines), session cookie |"
        )
    if busy is not None:
        lines.append(f"| CPU busy before the run | {busy:.0%} (other processes; server idle) |")
    lines.append(f"| data | `{cfg.seed_cmd}` (row counts below) |")
    lines.append("")

    lines += ["## Targets", ""]
    lines += targets_table(
        measured=measured, plain_rps=plain_rps, rows_rps=rows_rps, checkouts=checkouts
    )

    lines += [
        "## Results",
        "",
        "| page | visitor | URL | req/s | p50 ms | p95 ms | p99 ms | cost × plain "
        "| cost × rows | spread | SQL queries | bytes |",
        "|---|---|---|--:|--:|--:|--:|--:|--:|--:|--:|--:|",
    ]
    for m in measured:
        r = m.best
        q = "—" if m.queries is None else str(m.queries)
        visitor = "fan" if m.page.signed_in else "anonymous"
        lines.append(
            f"| {m.page.name} | {visitor} | `{m.path}` | {_fmt_rps(r.rps)} | {r.p50_ms:.2f} "
            f"| {r.p95_ms:.2f} | {r.p99_ms:.2f} | {plain_rps / r.rps:.2f} "
            f"| {rows_rps / r.rps:.2f} | {m.spread:.0%} | {q} | {m.body_bytes:,} |"
        )
    lines += [
        "",
        f"req/s and latencies are from each URL's fastest round at `-c{cfg.connections}`. "
        "*SQL queries*: counted in-process with the Django test client and "
        "`CaptureQueriesContext`, second request (caches warm), signed-in pages with the "
        "fan's session. *bytes*: response body size.",
        "",
    ]

    lines += [
        f"## Latency at {TARGET_CONNECTIONS} connections",
        "",
        f"One round of `wrk -c{TARGET_CONNECTIONS} -d{cfg.seconds}s` per URL; target: p95 "
        f"< {TARGET_P95_MS:.0f} ms.",
        "",
        "| page | visitor | req/s | p50 ms | p95 ms | p99 ms | p95 target |",
        "|---|---|--:|--:|--:|--:|---|",
    ]
    for m in measured:
        r = m.at_target_connections
        if r is None:
            continue
        visitor = "fan" if m.page.signed_in else "anonymous"
        counted = m.page in PAGES and m.page.in_targets
        verdict = _pass(r.p95_ms < TARGET_P95_MS) if counted else "—"
        lines.append(
            f"| {m.page.name} | {visitor} | {_fmt_rps(r.rps)} | {r.p50_ms:.2f} "
            f"| {r.p95_ms:.2f} | {r.p99_ms:.2f} | {verdict} |"
        )
    lines.append("")

    if checkouts:
        lines += [
            "## Checkout with concurrent buyers",
            "",
            f"{cfg.buyers} buyer threads, each a different signed-in fan (the next fan "
            "takes over before checkout's rate limit), repeat for "
            f"{cfg.seconds}s: product page → POST `/cart/add/` with its CSRF token → "
            "`/checkout/` → submit (test card 4242…) → review → *Place order*. "
            "*place p50/p95*: the Place-order POST, seen by the buyer. *cost × plain*: "
            "plain-text responses the server could give in the time of one whole order "
            "(five requests).",
            "",
            "| variant | products | orders | orders/s | requests/s | place p50 ms "
            "| place p95 ms | errors | cost × plain | database check |",
            "|---|---|--:|--:|--:|--:|--:|--:|--:|---|",
        ]
        for run in checkouts:
            r = run.result
            p50, p95 = r.place_percentile(50), r.place_percentile(95)
            rate = r.orders_per_second
            lines.append(
                f"| {run.name} | {run.products} | {r.orders:,} | {rate:.1f} "
                f"| {r.requests / r.seconds:.1f} | {p50 or 0:.1f} | {p95 or 0:.1f} "
                f"| {r.errors} | {plain_rps / rate if rate else 0:.0f} "
                f"| {_pass(run.sane)}: {run.sanity} |"
            )
        lines.append("")
        for run in checkouts:
            samples = [sample for stat in run.result.stats for sample in stat.error_samples]
            if samples:
                notes.append(f"Checkout errors ({run.name}): " + " / ".join(samples[:3]))
            if any(stat.ran_out_of_fans for stat in run.result.stats):
                notes.append(
                    f"Checkout ({run.name}): some buyers ran out of signed-in fans before "
                    "the time was up; the figure is a lower bound."
                )

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
    errors = {m.page.name: sum(r.socket_errors for r in m.rounds) for m in measured}
    if any(errors.values()):
        listed = ", ".join(f"{p} {n}" for p, n in errors.items() if n)
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
    r.add_argument("--buyers", type=int, default=int(env("BENCH_BUYERS", "8")))
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
