"""Browser journeys: Playwright drives Debian's Chromium against pytest-django's live server.

- One browser per session, a fresh context (cookies, storage) per test.
- Chromium is Debian's `/usr/bin/chromium`; Playwright's own browser downloads are never
  used. Without it every `e2e` test is skipped with a message saying how to install it.
- A failing test leaves a screenshot and the page's HTML under
  `$TMPDIR/relcommerce-e2e/`; the paths are printed in the failure report.
- The site's Content-Security-Policy is enforced in every journey, and any violation
  fails the test at teardown (`csp_violations`): a page that needs an inline script or
  style, an inline handler or a resource from elsewhere is broken for real users.
  Contexts a test opens itself come from `new_context`, so they are watched too.

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


# Every violation of the page's policy, as the browser reports it to the page (Chromium's
# own console line may not reach Playwright's console event; this event always does).
REPORT_CSP_VIOLATIONS = """
document.addEventListener("securitypolicyviolation", function (event) {
  console.error(
    "Content Security Policy violation: " + event.effectiveDirective + " blocked " +
    (event.blockedURI || "?") + " at " + (event.sourceFile || event.documentURI) + ":" +
    event.lineNumber + (event.sample ? " (" + event.sample + ")" : "")
  );
});
"""
# Also counted: the browser's own messages about the policy headers (a blocked resource,
# a directive or Permissions-Policy feature it does not understand).
POLICY_MESSAGE = re.compile(r"Content.Security.Policy|Permissions.Policy", re.I)


@pytest.fixture
def csp_violations():
    """Policy violations and errors seen by every page of the test's browser contexts.

    Checked when the test ends: any entry fails it. A test that causes one on purpose
    asserts on this list and empties it."""
    return []


def _watched_context(browser, live_server, violations, **options):
    context = browser.new_context(base_url=live_server.url, locale="en-US", **options)
    context.set_default_timeout(TIMEOUT_MS)
    context.add_init_script(REPORT_CSP_VIOLATIONS)

    def on_console(message):
        if POLICY_MESSAGE.search(message.text):
            where = message.page.url if message.page else (message.location or {}).get("url")
            violations.append(f"{message.text} [{where}]")

    context.on("console", on_console)
    return context


def _close_delivered(context) -> None:
    """Close `context` once every console message of its pages has been delivered."""
    for open_page in context.pages:
        try:
            open_page.evaluate("0")  # deliver console events still on their way
        except Exception:  # noqa: BLE001, S110 - a closed or crashed page has nothing left
            pass
    context.close()


def _fail_on(violations) -> None:
    if violations:
        pytest.fail(
            "The page broke its Content-Security-Policy (or the policy headers have "
            "errors); move inline code and styles to static files:\n"
            + "\n".join(dict.fromkeys(violations)),
            pytrace=False,
        )


@pytest.fixture
def new_context(browser, live_server, csp_violations):
    """Open another watched browser context (a second visitor, JavaScript off…):
    `new_context(**playwright_options)`. Closed and checked at teardown."""
    opened = []

    def make(**options):
        context = _watched_context(browser, live_server, csp_violations, **options)
        opened.append(context)
        return context

    yield make
    for context in opened:
        _close_delivered(context)
    # Last of the browser fixtures to end (`context` needs this one), so every context
    # of the test is closed and its messages counted by now.
    _fail_on(csp_violations)


@pytest.fixture
def context(browser, live_server, csp_violations, new_context):
    context = _watched_context(browser, live_server, csp_violations)
    yield context
    _close_delivered(context)


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
