"""A new visitor becomes a creator, in the browser: sign up, verify, open a shop."""

import re

import pytest
from playwright.sync_api import Page, expect

from creators.models import CreatorProfile, EngagementEvent, EventKind
from shops.models import Shop
from tests.factories import UserFactory

pytestmark = [pytest.mark.e2e]

CONFIRM_LINK = re.compile(r"https?://\S+/accounts/confirm-email/\S+?/")
PASSWORD = "a-long-and-unusual-passphrase-42"


def _sign_up_and_verify(page: Page, mailoutbox, email: str) -> None:
    # Given a visitor on the home page, styled by the site's own stylesheet
    with page.expect_response(lambda r: r.url.endswith("/static/css/site.css")) as css:
        page.goto("/")
    assert css.value.ok, f"site.css: HTTP {css.value.status}"
    assert css.value.headers["content-type"].startswith("text/css")

    # When they sign up with an email and a password (twice)
    page.get_by_role("link", name="Sign up").first.click()
    page.get_by_label("Email").fill(email)
    page.get_by_label(re.compile(r"^Password\W*$")).fill(PASSWORD)
    page.get_by_label(re.compile(r"^Password \(again\)")).fill(PASSWORD)
    page.get_by_role("button", name=re.compile("sign up", re.I)).click()

    # Then they are asked to verify their email, and the link is in their inbox
    expect(page.get_by_role("heading", level=1)).to_have_text(re.compile("verify your email", re.I))
    assert [message.to for message in mailoutbox] == [[email]]
    link = CONFIRM_LINK.search(mailoutbox[0].body)
    assert link, f"no confirmation link in:\n{mailoutbox[0].body}"

    # When they open the link and confirm, they are signed in
    page.goto(link.group(0))
    page.get_by_role("button", name="Confirm").click()
    expect(page.get_by_role("button", name="Sign out")).to_be_visible()


def test_visitor_signs_up_verifies_opens_a_shop_and_sees_their_page(
    page: Page, mailoutbox, image_file
):
    _sign_up_and_verify(page, mailoutbox, "new.creator@example.com")

    # When they open a shop with a handle, a name, a bio and an avatar
    page.get_by_role("link", name="Open a shop").first.click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Open your shop")
    page.get_by_label(re.compile(r"^Handle")).fill("Clay_Studio")
    page.get_by_label(re.compile(r"^Display name")).fill("Clay Studio")
    page.get_by_label(re.compile(r"^Bio")).fill("Hand-thrown mugs from Lisbon.")
    page.get_by_label(re.compile(r"^Avatar")).set_input_files(image_file("me.png"))
    page.get_by_role("button", name="Open my shop").click()

    # Then they land on their public page: name, bio and avatar
    expect(page).to_have_url(re.compile(r"/@Clay_Studio/$"))
    expect(page.get_by_role("heading", level=1)).to_have_text("Clay Studio")
    expect(page.get_by_text("Hand-thrown mugs from Lisbon.")).to_be_visible()
    expect(page.get_by_text("Your shop is open")).to_be_visible()
    avatar = page.get_by_role("img", name="Clay Studio", exact=True)
    expect(avatar).to_be_visible()
    avatar.evaluate("img => img.decode()")  # waits until loaded; rejects if it cannot be
    assert avatar.evaluate("img => img.naturalWidth") > 0

    profile = CreatorProfile.objects.get(handle="Clay_Studio")
    assert profile.user.email == "new.creator@example.com"
    assert Shop.objects.filter(creator=profile).exists()


@pytest.mark.real_stack
def test_opening_a_shop_does_not_wait_for_a_worker(page: Page, login_as, image_file):
    """On the real stack the dispatch task goes to Redis; no worker runs in this test, so
    the page must not depend on it having run. The event waits for a worker (or the
    sweeper)."""
    user = UserFactory(email="no.worker@example.com")
    login_as(user)
    page.goto("/open-shop/")
    page.get_by_label(re.compile(r"^Handle")).fill("queued_maker")
    page.get_by_label(re.compile(r"^Display name")).fill("Queued Maker")
    page.get_by_label(re.compile(r"^Avatar")).set_input_files(image_file())
    page.get_by_role("button", name="Open my shop").click()

    expect(page.get_by_role("heading", level=1)).to_have_text("Queued Maker")
    event = EngagementEvent.objects.get(creator__user=user, kind=EventKind.SHOP_OPENED)
    assert event.dispatched_at is None
