"""Browser journeys: Playwright drives Debian's Chromium against pytest-django's live server.

- One browser per session, a fresh context (cookies, storage) per test.
- Chromium is Debian's `/usr/bin/chromium`; Playwright's own browser downloads are never
  used. Without it every `e2e` test is skipped with a message saying how to install it.
- A failing test leaves a screenshot and the page's HTML under
  `$TMPDIR/relcommerce-e2e/`; the paths are printed in the failure report.

The live server runs in a thread of this process, so it sees what tests/conftest.py
sets up per test: the locmem email backend (read `mailoutbox`), eager Celery tasks, and
the per-test MEDIA_ROOT (Django's LiveServerThread serves MEDIA_URL itself, reading
MEDIA_ROOT per request; /static/ comes from the staticfiles finders). The database is
transactional (flushed after each test) so the server thread sees the test's rows.
"""

import os
import re
import tempfile
from pathlib import Path
from urllib.parse import urlsplit

import pytest
from django.conf import settings

CHROMIUM = "/usr/bin/chromium"
CHROMIUM_ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--no-first-run",
    "--disable-sync",
]
ARTIFACTS = Path(tempfile.gettempdir()) / "relcommerce-e2e"
TIMEOUT_MS = 15_000


def _missing_browser() -> str | None:
    if os.path.isfile(CHROMIUM) and os.access(CHROMIUM, os.X_OK):
        return None
    return (
        f"browser tests need Debian's Chromium at {CHROMIUM}: "
        "run `sudo apt-get install -y chromium` (.ci/run installs it)"
    )


def _artifact_stem(nodeid: str) -> Path:
    return ARTIFACTS / re.sub(r"[^A-Za-z0-9_.-]+", "_", nodeid).strip("_")


def pytest_collection_modifyitems(config, items):
    reason = _missing_browser()
    if reason is None:
        return
    skip = pytest.mark.skip(reason=reason)
    for item in items:
        if item.get_closest_marker("e2e"):
            item.add_marker(skip)


@pytest.hookimpl(wrapper=True)
def pytest_runtest_makereport(item, call):
    """On a failure, keep a screenshot and the HTML of the page and print where they are."""
    report = yield
    page = getattr(item, "funcargs", {}).get("page")
    if page is None or not report.failed or report.when not in ("setup", "call"):
        return report
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    stem = _artifact_stem(item.nodeid)
    saved = []
    try:
        page.screenshot(path=f"{stem}.png", full_page=True)
        saved.append(f"{stem}.png")
        Path(f"{stem}.html").write_text(page.content(), encoding="utf-8")
        saved.append(f"{stem}.html")
    except Exception as exc:  # a crashed page must not hide the original failure
        saved.append(f"(could not save the page: {exc})")
    lines = [f"page url: {page.url}", *saved]
    errors = getattr(page, "_e2e_errors", [])
    if errors:
        lines += ["browser errors:", *errors]
    report.sections.append(("e2e artifacts", "\n".join(lines)))
    return report


@pytest.fixture(scope="session")
def browser():
    from playwright.sync_api import sync_playwright

    # Playwright's sync API keeps an event loop running in this thread for as long as the
    # browser lives (until the session ends, past the e2e tests); Django would refuse
    # every ORM call made from a thread with a running loop. tests/conftest.py sets this
    # too; it is repeated here so the browser tests do not depend on it.
    os.environ["DJANGO_ALLOW_ASYNC_UNSAFE"] = "true"
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(
            executable_path=CHROMIUM, headless=True, args=CHROMIUM_ARGS
        )
        yield browser
        browser.close()


@pytest.fixture
def context(browser, live_server):
    context = browser.new_context(base_url=live_server.url, locale="en-US")
    context.set_default_timeout(TIMEOUT_MS)
    yield context
    context.close()


@pytest.fixture
def page(context, request):
    # Whatever a previous run of this test left behind is stale now.
    for suffix in (".png", ".html"):
        Path(f"{_artifact_stem(request.node.nodeid)}{suffix}").unlink(missing_ok=True)
    page = context.new_page()
    # Kept for the failure report: JavaScript errors and failed requests of this page.
    page._e2e_errors = []
    page.on("pageerror", lambda exc: page._e2e_errors.append(f"pageerror: {exc}"))
    page.on(
        "response",
        lambda response: (
            page._e2e_errors.append(f"HTTP {response.status}: {response.url}")
            if response.status >= 500
            else None
        ),
    )
    return page


def session_cookie(live_server, user) -> dict:
    """A signed-in session cookie for `user`, to add to any browser context."""
    from django.test import Client

    client = Client()
    client.force_login(user)
    cookie = client.cookies[settings.SESSION_COOKIE_NAME]
    return {
        "name": cookie.key,
        "value": cookie.value,
        "domain": urlsplit(live_server.url).hostname,
        "path": "/",
        "httpOnly": True,
    }


@pytest.fixture
def login_as(context, live_server):
    """Sign a user in by giving the browser a session cookie (for journeys that are not
    about signing in)."""

    def login(user):
        context.add_cookies([session_cookie(live_server, user)])

    return login


@pytest.fixture
def image_file(tmp_path):
    """Write a real PNG made with Pillow and return its path."""
    from tests.images import image_bytes

    def make(name="avatar.png", size=(240, 240), color=(30, 110, 160)):
        path = tmp_path / "uploads" / name
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_bytes(image_bytes("PNG", size=size, color=color))
        return path

    return make
