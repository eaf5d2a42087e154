"""The enforced Content-Security-Policy in a real browser: what it blocks, and proof that
the harness (tests/e2e/conftest.py) reports every violation, so a journey that breaks
the policy fails."""

import pytest
from playwright.sync_api import Page, expect

from tests.e2e import conftest as harness

pytestmark = [pytest.mark.e2e]

INJECT = """(html) => {
  const script = document.createElement("script");
  script.textContent = "window.injectedScriptRan = true";
  document.head.append(script);
  document.body.insertAdjacentHTML("beforeend", html);
}"""


def test_injected_inline_code_is_blocked_and_the_harness_reports_it(page: Page, csp_violations):
    page.goto("/")
    expect(page.get_by_role("link", name="Sell on relcommerce")).to_be_visible()
    assert csp_violations == []  # the page itself breaks nothing

    # What a sanitiser slip would let through: an inline script, an inline handler, a
    # style attribute. The browser must refuse all three.
    with page.expect_console_message(lambda m: "style-src" in m.text):
        page.evaluate(
            INJECT,
            '<img src="data:," alt="" onerror="window.injectedHandlerRan = true">'
            '<p id="styled" style="color: rgb(255, 0, 0)">styled</p>',
        )
    assert page.evaluate("window.injectedScriptRan") is None
    assert page.evaluate("window.injectedHandlerRan") is None
    assert page.locator("#styled").evaluate("el => getComputedStyle(el).color") != (
        "rgb(255, 0, 0)"
    )

    page.evaluate("0")  # let the last console messages arrive
    blocked = " ".join(csp_violations)
    for directive in ("script-src-elem", "script-src-attr", "style-src-attr"):
        assert f"Content Security Policy violation: {directive} blocked" in blocked, blocked
    # Left in the list, these would fail this test at teardown, with the list printed.
    with pytest.raises(pytest.fail.Exception, match="Content Security Policy violation"):
        harness._fail_on(csp_violations)
    csp_violations.clear()


def test_the_site_scripts_run_under_the_policy(page: Page):
    """Scripts from /static/ run (htmx among them) and htmx added no inline style."""
    page.goto("/")
    expect(page.get_by_role("link", name="Sell on relcommerce")).to_be_visible()
    page.wait_for_function("window.htmx !== undefined")
    assert page.evaluate("htmx.config.includeIndicatorStyles") is False
    assert page.evaluate("htmx.config.allowEval") is False
    assert page.locator("head style").count() == 0
