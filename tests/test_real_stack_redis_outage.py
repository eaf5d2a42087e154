"""Redis stopped or frozen under a live site: pages and actions keep working, fast.

The site runs as it does in production — gunicorn, 2 sync workers, in their own
processes — on PostgreSQL (the test database, so rows committed here are what it sees)
and on a redis-server of the test's own, which the test really stops (SIGTERM) or
freezes (SIGSTOP): a dead port in a URL would be a different failure. The server runs
with DEBUG=1 (the development settings: no HTTPS redirect, plain static files), since
what is tested is the cache and broker code, which is the same either way, and with the
test suite's fast password hasher (tests/server_settings.py).

Every request during the outage must answer within LIMIT. Start-up and recovery get
generous deadlines instead: CI runs this on a loaded 2-core machine.
"""

import os
import re
import signal
import subprocess
import sys
import time
from dataclasses import dataclass, field
from pathlib import Path

import pytest
import requests
from django.db import connection, transaction

from core import pagecache
from creators.models import Comment, EngagementEvent, EventKind, Follow
from shops.models import CartLine, Order
from tests.factories import ADDRESS_FORM as ADDRESS
from tests.factories import CARD_FORM as CARD
from tests.factories import PASSWORD, PostFactory, ProductFactory, ShopFactory, UserFactory
from tests.redis_server import cache_settings, free_port, redis_server  # noqa: F401 (fixture)

pytestmark = [pytest.mark.real_stack, pytest.mark.django_db(transaction=True)]

ROOT = Path(__file__).resolve().parent.parent
LIMIT = 1.0  # seconds: each request while Redis is down or frozen


@dataclass
class Site:
    url: str
    log: Path
    timings: list[tuple[str, float]] = field(default_factory=list)

    def browser(self) -> "Browser":
        return Browser(self)


class Browser:
    """One person's browser: its cookies, and how long each request took."""

    def __init__(self, site: Site):
        self.site = site
        self.session = requests.Session()

    def get(self, path: str, expect: int = 200) -> requests.Response:
        return self._send("GET", path, expect)

    def post(self, path: str, data: dict, expect: int = 302) -> requests.Response:
        data = {**data, "csrfmiddlewaretoken": self.session.cookies.get("csrftoken", "")}
        return self._send("POST", path, expect, data=data)

    def _send(self, method: str, path: str, expect: int, **kwargs) -> requests.Response:
        started = time.monotonic()
        response = self.session.request(
            method, self.site.url + path, allow_redirects=False, timeout=30, **kwargs
        )
        self.site.timings.append((f"{method} {path}", time.monotonic() - started))
        assert response.status_code == expect, (
            f"{method} {path}: {response.status_code}, not {expect}\n"
            f"{response.text[:2000]}\n--- server log ---\n{self.site.log.read_text()[-4000:]}"
        )
        return response

    def sign_in(self, email: str) -> None:
        self.get("/accounts/login/")
        response = self.post("/accounts/login/", {"login": email, "password": PASSWORD})
        assert response.headers["Location"] == "/account/"


def _wait(predicate, *, timeout: float, what: str):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        try:
            if predicate():
                return
        except requests.RequestException:
            pass
        time.sleep(0.2)
    raise AssertionError(f"{what} within {timeout:.0f} s")


@pytest.fixture
def shop(transactional_db):
    """A creator's shop with a product and a post, and a fan who can sign in."""
    shop = ShopFactory(creator__handle="outage_pots")
    return {
        "handle": shop.creator.handle,
        "product": ProductFactory(shop=shop, title="Ash-glazed bowl", stock=3),
        "post": PostFactory(creator=shop.creator.user),
        "fan": UserFactory(email="outage-fan@example.com"),
    }


@pytest.fixture
def site(shop, redis_server, tmp_path):  # noqa: F811
    """gunicorn serving the site on the test database and the test's own Redis."""
    port, db = free_port(), connection.settings_dict
    env = {
        **os.environ,
        "DATABASE_URL": f"postgres://{db['USER']}@{db['HOST']}:{db['PORT'] or 5432}/{db['NAME']}",
        "REDIS_URL": redis_server.url,
        "DEBUG": "1",
        "DJANGO_SETTINGS_MODULE": "tests.server_settings",
        "PAGE_CACHE_SECONDS": "600",
        "MEDIA_ROOT": str(tmp_path / "media"),
        "LOG_LEVEL": "WARNING",
    }
    log = tmp_path / "gunicorn.log"
    with log.open("w") as out:
        server = subprocess.Popen(
            [
                sys.executable, "-m", "gunicorn", "relcommerce.wsgi:application",
                "--bind", f"127.0.0.1:{port}", "--workers", "2", "--timeout", "60",
            ],
            cwd=ROOT, env=env, stdout=out, stderr=subprocess.STDOUT, start_new_session=True,
        )  # fmt: skip
    site = Site(url=f"http://127.0.0.1:{port}", log=log)
    try:
        _wait(
            lambda: requests.get(site.url + "/healthz", timeout=5).status_code == 200,
            timeout=90,
            what="gunicorn did not answer /healthz",
        )
        yield site
    finally:
        os.killpg(server.pid, signal.SIGTERM)
        try:
            server.wait(timeout=30)
        except subprocess.TimeoutExpired:
            os.killpg(server.pid, signal.SIGKILL)
            server.wait(timeout=30)


def _events(kind: str, since_id: int) -> list[EngagementEvent]:
    return list(EngagementEvent.objects.filter(kind=kind, pk__gt=since_id))


def _hidden(html: str, name: str) -> str:
    return re.search(rf'name="{name}" value="([^"]*)"', html).group(1)


@pytest.mark.parametrize("fault", ["stopped", "frozen"])
def test_with_redis_stopped_or_frozen_the_site_serves_and_records_everything(
    site,
    shop,
    redis_server,  # noqa: F811
    fault,
):
    handle, product, post, fan = shop["handle"], shop["product"], shop["post"], shop["fan"]
    product_url = f"/@{handle}/p/{product.slug}/"
    public = ["/", "/shop/", product_url, f"/@{handle}/"]
    signed_in = ["/", product_url, "/cart/", "/feed/", "/account/"]

    # Given a site that caches, and a fan signed in before the outage…
    visitor, member = site.browser(), site.browser()
    member.sign_in(fan.email)
    for _ in range(3):  # both workers warm: templates compiled, pages cached
        for path in public:
            visitor.get(path)
        for path in signed_in:
            member.get(path)
    assert visitor.get(product_url).headers["X-Page-Cache"] == "hit"
    last_event = EngagementEvent.objects.order_by("-pk").values_list("pk", flat=True).first() or 0
    site.timings.clear()

    # …when Redis stops or freezes…
    redis_server.stop() if fault == "stopped" else redis_server.freeze()
    try:
        # …every page still answers…
        for _ in range(2):  # each of the two workers meets the outage at least once
            for path in public:
                visitor.get(path)
            for path in signed_in:
                member.get(path)
        # …a fan can sign in…
        newcomer = site.browser()
        newcomer.sign_in(UserFactory(email="outage-newcomer@example.com").email)
        assert "outage-newcomer@example.com" in newcomer.get("/account/").text
        # …comment, follow, fill a cart and buy…
        member.post(f"/@{handle}/posts/{post.pk}/comments/", {"body": "Still here!"})
        member.post(f"/@{handle}/follow/", {"action": "follow"})
        member.post("/cart/add/", {"product": product.pk, "quantity": "1"})
        assert CartLine.objects.filter(cart__user=fan, product=product).exists()
        form = member.get("/checkout/").text
        order = {
            "email": fan.email,
            **ADDRESS,
            "payment_method": "test",
            **CARD,
            "idempotency_key": _hidden(form, "idempotency_key"),
        }
        review = member.post("/checkout/", order, expect=200).text
        order["reviewed_total"] = _hidden(review, "reviewed_total")
        done = member.post("/checkout/", {**order, "step": "place"})
        assert "Ash-glazed bowl" in member.get(done.headers["Location"]).text
        health = member.get("/healthz").json()
    finally:
        redis_server.thaw()
        if fault == "stopped":
            redis_server.start()  # same port, empty

    # …each within the limit…
    slowest = sorted(site.timings, key=lambda timing: -timing[1])
    print(f"\n{fault}: {len(site.timings)} requests, slowest:", slowest[:5])
    assert slowest[0][1] < LIMIT, f"over {LIMIT} s while Redis was {fault}: {slowest[:5]}"
    assert health["status"] == "degraded", health

    # …and every action committed with its events, left for the sweeper to dispatch.
    assert Comment.objects.filter(post=post, author=fan, body="Still here!").exists()
    assert Follow.objects.filter(follower=fan, followed__creator_profile__handle=handle).exists()
    assert Order.objects.filter(checkout__buyer=fan, status="paid").count() == 1
    for kind in (EventKind.COMMENT, EventKind.FOLLOW, EventKind.ORDER_PLACED, EventKind.ORDER_PAID):
        events = _events(kind, last_event)
        assert len(events) == 1, f"{kind}: {events}"
        assert events[0].dispatched_at is None

    # When Redis is back, caching resumes without a restart of the site.
    _wait(
        lambda: requests.get(site.url + "/healthz", timeout=5).json()["status"] == "ok",
        timeout=30,
        what="/healthz did not say ok again",
    )
    _wait(
        lambda: visitor.get("/shop/").headers["X-Page-Cache"] == "hit",
        timeout=30,
        what="the catalog was not replayed from the cache again",
    )
    # The order took one of the 3 bowls while the page cache could not be invalidated: a
    # frozen Redis resumes with the page cached before, which must not be replayed.
    _wait(
        lambda: "Only 2 left" in visitor.get(product_url).text,
        timeout=30,
        what="the product page did not show the stock the order left",
    )


@pytest.mark.page_cache
def test_hooks_after_a_page_cache_invalidation_run_while_redis_is_stopped(
    redis_server,  # noqa: F811
    settings,
):
    settings.CACHES = cache_settings(redis_server.url)
    redis_server.stop()
    ran = []
    with transaction.atomic():
        pagecache.touch(pagecache.SITE)
        transaction.on_commit(lambda: ran.append("the next hook"))
    assert ran == ["the next hook"]
