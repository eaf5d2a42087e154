"""A fan follows a creator; the creator sees it on the bell, opens it and marks it read."""

import pytest
from playwright.sync_api import Page, expect

from tests.factories import CreatorProfileFactory, ShopFactory, UserFactory, follow_recorded

pytestmark = [pytest.mark.e2e]


def test_creator_sees_a_new_follower_on_the_bell_and_marks_it_read(page: Page, login_as):
    # Given Ana's shop and a fan, Dana, who follows her (through the follow service).
    ana = ShopFactory(creator=CreatorProfileFactory(handle="ana_makes", display_name="Ana")).creator
    follow_recorded(fan=UserFactory(name="Dana"), creator=ana)

    # When Ana signs in, the header's bell says one unread notification.
    login_as(ana.user)
    page.goto("/")
    nav = page.get_by_role("navigation", name="Main")
    expect(nav.get_by_label("1 unread")).to_be_visible()
    nav.get_by_role("link", name="Notifications").click()

    # Then the notification is there, today, and marking it read clears the bell.
    expect(page.get_by_role("heading", name="Notifications", level=1)).to_be_visible()
    expect(page.get_by_role("heading", name="Today")).to_be_visible()
    expect(page.get_by_role("link", name="Dana started following you")).to_be_visible()
    page.get_by_role("button", name="Mark read").click()
    expect(page.get_by_role("button", name="Mark read")).to_have_count(0)
    expect(nav.get_by_label("1 unread")).to_have_count(0)
    page.reload()
    expect(page.get_by_role("link", name="Dana started following you")).to_be_visible()
    expect(page.get_by_text("(unread)")).to_have_count(0)
