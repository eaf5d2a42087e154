"""A fan makes her profile public, buys a mug and chooses to show the purchase; another
fan follows her and sees "1 person you follow bought this" on the (cached) product page
and her purchase in his feed. Then she turns her profile private and both disappear."""

import re
from decimal import Decimal

import pytest
from playwright.sync_api import Page, expect

from creators.models import FanFollow, FanProfile
from shops.models import Order, OrderStatus
from tests.e2e.conftest import session_cookie
from tests.factories import CreatorProfileFactory, ProductFactory, ShopFactory, UserFactory

pytestmark = [pytest.mark.e2e]


def _second_browser(new_context, live_server, user) -> Page:
    context = new_context()
    context.add_cookies([session_cookie(live_server, user)])
    return context.new_page()


def _buy_with_the_test_card(page: Page) -> None:
    page.goto("/@ana_makes/p/speckled-mug/")
    page.get_by_role("button", name="Add to cart").click()
    expect(page.get_by_text("is in your cart")).to_be_visible()
    page.goto("/checkout/")
    page.get_by_label("Full name").fill("Lena Fan")
    page.get_by_label("Address", exact=True).fill("1 Clay Street")
    page.get_by_label("City").fill("Lisbon")
    page.get_by_label("Postal code").fill("1100-001")
    page.get_by_label("Country").select_option("PT")
    page.get_by_label("Card (test mode)").check()
    page.get_by_label("Card number").fill("4242 4242 4242 4242")
    page.get_by_label("Expiry (MM/YY)").fill("12/99")
    page.get_by_label("Security code (CVC)").fill("123")
    page.get_by_role("button", name="Review order").click()
    page.get_by_role("button", name="Place order").click()
    expect(page.get_by_role("heading", name="Thank you for your order")).to_be_visible()


def test_fan_shows_a_purchase_and_her_follower_sees_it(
    page: Page, login_as, new_context, live_server
):
    shop = ShopFactory(creator=CreatorProfileFactory(handle="ana_makes", display_name="Ana Makes"))
    ProductFactory(shop=shop, title="Speckled mug", slug="speckled-mug", price=Decimal("24.00"))
    lena = UserFactory(email="lena@example.com", name="")
    bruno = UserFactory(email="bruno@example.com", name="Bruno")
    login_as(lena)

    # Lena makes her profile public (it is private until she does), under a name.
    page.goto("/account/")
    page.get_by_role("link", name="Public profile").click()
    expect(page.get_by_text("Your profile is private.")).to_be_visible()
    page.get_by_label("Your name").fill("Lena")
    page.get_by_label("Make my profile public").check()
    page.get_by_role("button", name="Save").click()
    expect(page.get_by_text("Saved: your profile is public.")).to_be_visible()
    profile_url = FanProfile.objects.get(user=lena).get_absolute_url()

    # She buys the mug; on the confirmation page she chooses to show it (off by default).
    _buy_with_the_test_card(page)
    order = Order.objects.get(buyer=lena)
    assert order.status == OrderStatus.PAID and order.show_on_profile is False
    show = page.get_by_label("Show this purchase on my public profile and to people who follow me")
    expect(show).not_to_be_checked()
    show.check()  # htmx saves it as soon as the box changes
    expect(page.get_by_text("Shown: your name appears on the product page")).to_be_visible()
    order.refresh_from_db()
    assert order.show_on_profile is True

    # Bruno finds her profile, sees the mug there and follows her (in place, htmx).
    other = _second_browser(new_context, live_server, bruno)
    other.goto(profile_url)
    expect(other.get_by_role("heading", name="Lena", level=1)).to_be_visible()
    expect(other.get_by_role("link", name="Speckled mug")).to_be_visible()
    other.get_by_role("button", name="Follow Lena").click()
    expect(other.get_by_role("button", name=re.compile("^Following Lena"))).to_be_visible()
    assert FanFollow.objects.filter(follower=bruno, followed=lena).exists()

    # The product page (from the page cache for everyone) tells Bruno, and names Lena.
    other.goto("/@ana_makes/p/speckled-mug/")
    expect(other.get_by_text("1 person you follow bought this")).to_be_visible()
    expect(other.locator(".bought-this")).to_contain_text("Lena bought this")
    # His feed has her purchase under "From people you follow".
    other.get_by_role("link", name="Feed", exact=True).click()
    people = other.get_by_role("region", name="From people you follow")
    expect(people).to_contain_text("Lena bought Speckled mug")

    # Lena goes private: her name leaves the cached product page and Bruno's feed at once.
    page.goto("/account/profile/")
    page.get_by_label("Make my profile public").uncheck()
    page.get_by_role("button", name="Save").click()
    expect(
        page.get_by_text("Saved: your profile is private, nobody else can see it.")
    ).to_be_visible()
    other.goto("/@ana_makes/p/speckled-mug/")
    expect(other.locator(".bought-this")).to_have_text(re.compile(r"1 fan bought this"))
    expect(other.get_by_text("person you follow bought this")).to_have_count(0)
    other.goto("/feed/")
    expect(other.get_by_text("From people you follow")).to_have_count(0)
    assert other.goto(profile_url).status == 404
    other.context.close()
