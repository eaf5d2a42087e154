"""A creator reads their relationship dashboard and switches between periods."""

import re
from datetime import timedelta
from zoneinfo import ZoneInfo

import pytest
from django.utils import timezone
from playwright.sync_api import Page, expect

from creators import rollup
from creators.models import CreatorMetricsDay, MetricsRecompute
from tests.creators.metrics_events import comment, creator_reply, follow, order
from tests.factories import UserFactory

pytestmark = [pytest.mark.e2e]


def test_creator_switches_the_dashboard_between_7_30_and_90_days(page: Page, creator, login_as):
    # Given a creator whose fans followed over three months, talked with them and bought
    now = timezone.now()
    fans = UserFactory.create_batch(6)
    for fan, days_ago in zip(fans, (80, 60, 25, 12, 3, 1), strict=True):
        follow(creator, fan, now - timedelta(days=days_ago))
    question = comment(creator, fans[0], now - timedelta(days=50))
    creator_reply(creator, question, now - timedelta(days=50) + timedelta(hours=5))
    recent = comment(creator, fans[4], now - timedelta(days=2, hours=12))
    creator_reply(creator, recent, now - timedelta(days=2, hours=11))
    order(creator, fans[1], now - timedelta(days=40), "80.00")
    order(creator, fans[4], now - timedelta(days=2), "12.50")
    rollup.rollup_incremental()
    login_as(creator.user)

    # When they open their Studio
    page.goto("/")
    page.get_by_role("link", name="Studio").first.click()

    # Then the dashboard shows the last 30 days, with cards and charts
    expect(page.get_by_role("link", name="30 days")).to_have_attribute("aria-current", "page")
    cards = page.get_by_role("list", name=re.compile("Headline numbers"))
    followers = cards.get_by_role("listitem").filter(has=page.get_by_text("Followers", exact=True))
    expect(followers).to_contain_text("+4 net (4 new, 0 unfollowed)")
    revenue = cards.get_by_role("listitem").filter(has=page.get_by_text("Revenue", exact=True))
    expect(revenue).to_contain_text("12.50 EUR")
    expect(page.get_by_role("img", name=re.compile("^Followers"))).to_be_visible()
    expect(page.get_by_role("img", name=re.compile("^Relationship funnel"))).to_be_visible()

    # When they switch to 7 days, the numbers cover only the last week
    page.get_by_role("link", name="7 days").click()
    expect(page.get_by_role("link", name="7 days")).to_have_attribute("aria-current", "page")
    expect(followers).to_contain_text("+2 net (2 new, 0 unfollowed)")
    expect(page.get_by_role("img", name=re.compile("^Conversation"))).to_be_visible()

    # And at 90 days the older purchase and the early followers are in
    page.get_by_role("link", name="90 days").click()
    expect(followers).to_contain_text("+6 net (6 new, 0 unfollowed)")
    expect(revenue).to_contain_text("92.50 EUR")
    # The charts' numbers are there as a table too
    revenue_chart = page.get_by_role("figure", name="Revenue")
    revenue_chart.get_by_text("Show the data").click()
    expect(revenue_chart.get_by_role("table")).to_contain_text("80.00")


def test_creator_picks_a_time_zone_and_the_dashboard_days_follow_it(page: Page, creator, login_as):
    # Given a creator in UTC with some history rolled up
    follow(creator, UserFactory(), timezone.now() - timedelta(days=2))
    rollup.rollup_incremental()
    login_as(creator.user)
    page.goto("/studio/")
    expect(page.get_by_text("Days and times in your time zone, UTC.")).to_be_visible()

    # When they choose Tokyo in their profile
    page.get_by_role("link", name=re.compile("^Edit your profile")).click()
    page.get_by_label(re.compile(r"^Time zone")).select_option("Asia/Tokyo")
    page.get_by_role("button", name="Save profile").click()
    expect(page.get_by_text("Your profile is updated.")).to_be_visible()

    # Then the dashboard's days are Tokyo's, recomputed at once
    page.goto("/studio/")
    expect(page.get_by_text("Days and times in your time zone, Asia/Tokyo.")).to_be_visible()
    tokyo_today = timezone.now().astimezone(ZoneInfo("Asia/Tokyo")).date()
    heading = page.get_by_role("heading", name=re.compile("^Your relationships"))
    expect(heading).to_contain_text(f"{tokyo_today.day} {tokyo_today:%b %Y}")
    expect(page.get_by_text("being recomputed")).to_have_count(0)
    assert not MetricsRecompute.objects.exists()
    last = CreatorMetricsDay.objects.filter(creator=creator).latest("date")
    assert last.date == tokyo_today
