"""The checkout driver of `make bench`: K signed-in fans buying at the same time.

Each buyer is a thread with its own keep-alive HTTP connection and cookie jar, playing a
fan in a browser: open the product page, POST "Add to cart" with the page's CSRF token,
open /checkout/, submit the form (test card that approves), then "Place order" on the
review page with the hidden fields it carries (idempotency key included). Nothing is
exempt from CSRF. Rate limits hold too: checkout allows 30 POSTs per fan and hour (15
orders), so a buyer moves on to its next signed-in fan before reaching it.
"""

from __future__ import annotations

import http.client
import re
import threading
import time
import urllib.parse
from dataclasses import dataclass, field
from html.parser import HTMLParser
from http.cookies import SimpleCookie

from tests.bench.fans import ADDRESS, EXPIRY

ORDERS_PER_FAN = 14  # checkout allows 30 POSTs per hour and fan; an order takes two
_CSRF = re.compile(r'name="csrfmiddlewaretoken" value="([^"]+)"')


class _FormInputs(HTMLParser):
    """name → value of the <input>s inside the form posting to `action`."""

    def __init__(self, action: str):
        super().__init__()
        self.action, self.inside, self.values = action, False, {}

    def handle_starttag(self, tag, attrs):
        attrs = dict(attrs)
        if tag == "form":
            self.inside = attrs.get("action") == self.action
        elif tag == "input" and self.inside and attrs.get("name"):
            if attrs.get("type") in ("radio", "checkbox") and "checked" not in attrs:
                return
            self.values[attrs["name"]] = attrs.get("value") or ""

    def handle_endtag(self, tag):
        if tag == "form":
            self.inside = False


def form_inputs(html: str, action: str) -> dict[str, str]:
    parser = _FormInputs(action)
    parser.feed(html)
    return parser.values


@dataclass
class BuyerStats:
    orders: int = 0
    requests: int = 0
    errors: int = 0
    place_ms: list[float] = field(default_factory=list)
    error_samples: list[str] = field(default_factory=list)
    ran_out_of_fans: bool = False


class _Browser:
    """One fan's connection and cookies (session, CSRF)."""

    def __init__(self, host: str, port: int, cookie_name: str, session_key: str):
        self.conn = http.client.HTTPConnection(host, port, timeout=60)
        self.cookies = {cookie_name: session_key}

    def request(self, method: str, path: str, form: dict | None = None):
        headers = {"Cookie": "; ".join(f"{k}={v}" for k, v in self.cookies.items())}
        body = None
        if form is not None:
            body = urllib.parse.urlencode(form)
            headers["Content-Type"] = "application/x-www-form-urlencoded"
        self.conn.request(method, path, body=body, headers=headers)
        response = self.conn.getresponse()
        data = response.read().decode("utf-8", "replace")
        for header in response.headers.get_all("Set-Cookie") or []:
            for name, morsel in SimpleCookie(header).items():
                self.cookies[name] = morsel.value
        return response.status, response.getheader("Location", ""), data

    def close(self):
        self.conn.close()


@dataclass(frozen=True)
class BuyerPlan:
    sessions: list[str]  # signed-in fans, used in turn
    product_id: int
    product_path: str


def _buy_once(browser: _Browser, plan: BuyerPlan, stats: BuyerStats) -> bool:
    """One order, start to finish. Returns whether it was placed."""

    def fail(step: str, status: int, body: str) -> bool:
        stats.errors += 1
        if len(stats.error_samples) < 3:
            snippet = re.sub(r"\s+", " ", body)[:200]
            stats.error_samples.append(f"{step}: HTTP {status} {snippet}")
        return False

    status, _, page = browser.request("GET", plan.product_path)
    stats.requests += 1
    token = _CSRF.search(page)
    if status != 200 or not token:
        return fail("product page", status, page)
    form = {"csrfmiddlewaretoken": token.group(1), "product": plan.product_id, "quantity": 1}
    status, _, page = browser.request("POST", "/cart/add/", form)
    stats.requests += 1
    if status != 302:
        return fail("add to cart", status, page)
    status, _, page = browser.request("GET", "/checkout/")
    stats.requests += 1
    fields = form_inputs(page, "/checkout/")
    if status != 200 or "idempotency_key" not in fields:
        return fail("checkout form", status, page)
    fields.update(ADDRESS)
    fields.update(
        payment_method="test",
        card_number="4242 4242 4242 4242",
        card_expiry=EXPIRY,
        card_cvc="123",
    )
    status, _, page = browser.request("POST", "/checkout/", fields)
    stats.requests += 1
    review = form_inputs(page, "/checkout/")
    if status != 200 or review.get("step") != "place":
        return fail("review", status, page)
    started = time.perf_counter()
    status, location, page = browser.request("POST", "/checkout/", review)
    elapsed_ms = (time.perf_counter() - started) * 1000
    stats.requests += 1
    if status != 302 or "/checkout/done/" not in location:
        return fail("place order", status, page + " → " + location)
    stats.place_ms.append(elapsed_ms)
    stats.orders += 1
    return True


def _buyer(host, port, cookie_name, plan: BuyerPlan, deadline: float, stats: BuyerStats):
    sessions = iter(plan.sessions)
    browser, placed = None, 0
    try:
        while time.monotonic() < deadline:
            if browser is None or placed >= ORDERS_PER_FAN:
                if browser is not None:
                    browser.close()
                key = next(sessions, None)
                if key is None:
                    stats.ran_out_of_fans = True
                    return
                browser, placed = _Browser(host, port, cookie_name, key), 0
            try:
                placed += _buy_once(browser, plan, stats)
            except (OSError, http.client.HTTPException) as exc:
                stats.errors += 1
                if len(stats.error_samples) < 3:
                    stats.error_samples.append(f"connection: {exc!r}")
                browser.close()
                browser = _Browser(host, port, cookie_name, browser.cookies[cookie_name])
    finally:
        if browser is not None:
            browser.close()


@dataclass
class LoadResult:
    buyers: int
    seconds: float
    stats: list[BuyerStats]

    @property
    def orders(self) -> int:
        return sum(s.orders for s in self.stats)

    @property
    def errors(self) -> int:
        return sum(s.errors for s in self.stats)

    @property
    def requests(self) -> int:
        return sum(s.requests for s in self.stats)

    @property
    def orders_per_second(self) -> float:
        return self.orders / self.seconds if self.seconds else 0.0

    def place_percentile(self, pct: float) -> float | None:
        samples = sorted(ms for s in self.stats for ms in s.place_ms)
        if not samples:
            return None
        return samples[min(len(samples) - 1, round(pct / 100 * (len(samples) - 1)))]


def checkout_load(
    base_url: str, plans: list[BuyerPlan], *, seconds: float, cookie_name: str
) -> LoadResult:
    """Run one buyer thread per plan for `seconds`; every buyer finishes its order."""
    url = urllib.parse.urlsplit(base_url)
    stats = [BuyerStats() for _ in plans]
    started = time.monotonic()
    deadline = started + seconds
    threads = [
        threading.Thread(
            target=_buyer,
            args=(url.hostname, url.port, cookie_name, plan, deadline, stat),
            daemon=True,
        )
        for plan, stat in zip(plans, stats, strict=True)
    ]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=seconds + 120)
    return LoadResult(buyers=len(plans), seconds=time.monotonic() - started, stats=stats)
