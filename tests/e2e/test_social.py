"""A fan follows a creator (htmx, no reload), the creator publishes a post featuring a
product, the fan finds it in their feed and adds the product to the cart from the post."""

import re
from decimal import Decimal

import pytest
from playwright.sync_api import Page, expect

from creators.models import Follow, Post
from shops.models import CartLine, PostProduct
from tests.e2e.conftest import TIMEOUT_MS, session_cookie
from tests.factories import CreatorProfileFactory, ProductFactory, ShopFactory, UserFactory

pytestmark = [pytest.mark.e2e]


def _signed_in_page(browser, live_server, user) -> Page:
    """A second browser (its own cookies) signed in as `user`."""
    context = browser.new_context(base_url=live_server.url, locale="en-US")
    context.set_default_timeout(TIMEOUT_MS)
    context.add_cookies([session_cookie(live_server, user)])
    return context.new_page()


def test_fan_follows_creator_posts_and_buys_from_the_feed(
    page: Page, login_as, browser, live_server
):
    shop = ShopFactory(creator=CreatorProfileFactory(handle="ana_makes", display_name="Ana Makes"))
    ProductFactory(shop=shop, title="Speckled mug", slug="speckled-mug", price=Decimal("24.00"))
    fan = UserFactory(email="fan@example.com")
    login_as(fan)

    # The fan follows Ana from her page: the button changes in place, no page load.
    page.goto("/@ana_makes/")
    page.evaluate("window.__sameDocument = true")
    page.get_by_role("button", name="Follow Ana Makes").click()
    expect(page.get_by_role("button", name=re.compile("^Following Ana Makes"))).to_be_visible()
    expect(page.locator(".creator-header .follow__count")).to_have_text("1 follower")
    assert page.evaluate("window.__sameDocument") is True
    assert Follow.objects.filter(follower=fan, followed=shop.creator.user).exists()

    # Ana writes a post in her Studio featuring the mug, and publishes it now.
    studio = _signed_in_page(browser, live_server, shop.creator.user)
    studio.goto("/studio/")
    studio.get_by_role("link", name=re.compile("^Posts")).click()
    studio.get_by_role("link", name="Write a post").first.click()
    studio.get_by_label("Post", exact=True).fill("The **speckled** batch is out of the kiln!")
    studio.get_by_label("Speckled mug").check()
    studio.get_by_label("Publish now").check()
    studio.get_by_role("button", name="Save post").click()
    expect(studio.get_by_text("Your post is published.")).to_be_visible()
    post = Post.objects.get()
    assert PostProduct.objects.filter(post=post, product__title="Speckled mug").exists()
    studio.context.close()

    # The fan sees it in the feed and adds the featured mug to the cart from the post.
    page.get_by_role("link", name="Feed", exact=True).click()
    expect(page.get_by_role("heading", name="Your feed")).to_be_visible()
    expect(page.get_by_text("batch is out of the kiln!")).to_be_visible()
    expect(page.locator(".post-card strong")).to_have_text("speckled")
    page.get_by_role("button", name=re.compile(r"^Add to cart.*Speckled mug")).click()
    expect(page.get_by_text("“Speckled mug” is in your cart (1).")).to_be_visible()
    assert CartLine.objects.filter(cart__user=fan, product__title="Speckled mug").count() == 1
