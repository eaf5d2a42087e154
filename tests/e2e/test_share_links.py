"""Fan A shares a product with their own link; fan B opens it, signs up and buys with the
test card; A sees the credited purchase under "Your shares"; the creator sees A among
the top advocates and thanks A; A finds the thank-you note in their notifications."""

import re
from decimal import Decimal

import pytest
from playwright.sync_api import Page, expect

from shops.models import Order, ShareLink
from tests.e2e.conftest import TIMEOUT_MS, session_cookie
from tests.factories import CreatorProfileFactory, ProductFactory, ShopFactory, UserFactory

pytestmark = [pytest.mark.e2e]


def _new_page(browser, live_server, user=None) -> Page:
    """Another browser with its own cookies, signed in as `user` if given."""
    context = browser.new_context(base_url=live_server.url, locale="en-US")
    context.set_default_timeout(TIMEOUT_MS)
    if user is not None:
        context.add_cookies([session_cookie(live_server, user)])
    return context.new_page()


def test_a_shared_link_brings_a_purchase_credited_to_the_fan_who_shared_it(
    page: Page, context, login_as, browser, live_server, mailoutbox, password
):
    shop = ShopFactory(creator=CreatorProfileFactory(handle="ana_makes", display_name="Ana Makes"))
    ProductFactory(shop=shop, title="Speckled mug", slug="speckled-mug", price=Decimal("24.00"))
    fan_a = UserFactory(email="amy@example.com", name="Amy Advocate")
    login_as(fan_a)
    context.grant_permissions(["clipboard-read", "clipboard-write"])

    # Fan A presses Share on the product page and copies their own link.
    page.goto("/@ana_makes/p/speckled-mug/")
    page.get_by_role("button", name="Share").click()
    link_box = page.get_by_label("Your share link")
    expect(link_box).to_have_value(re.compile(r"/r/[0-9A-Za-z]{10}$"))
    page.get_by_role("button", name="Copy link").click()
    expect(page.get_by_role("status").filter(has_text="Copied.")).to_be_visible()
    share_url = link_box.input_value()
    assert page.evaluate("navigator.clipboard.readText()") == share_url
    expect(page.get_by_role("link", name="WhatsApp")).to_have_attribute(
        "href", re.compile(r"^https://wa\.me/\?text=.*%2Fr%2F")
    )

    # Fan B, in another browser, opens the link and lands on the product…
    buyer = _new_page(browser, live_server)
    buyer.goto(share_url)
    expect(buyer).to_have_url(re.compile(r"/@ana_makes/p/speckled-mug/$"))
    buyer.get_by_role("button", name="Add to cart").click()
    expect(buyer.get_by_text("is in your cart")).to_be_visible()

    # …signs up at checkout and pays with the test card.
    buyer.goto("/cart/")
    buyer.get_by_role("link", name="Checkout").click()
    buyer.get_by_role("main").get_by_role("link", name="sign up", exact=True).click()
    buyer.get_by_label(re.compile(r"^Email")).fill("bea@example.com")
    buyer.get_by_label(re.compile(r"^Password$")).fill(password)
    buyer.get_by_label(re.compile(r"^Password \(again\)")).fill(password)
    buyer.get_by_role("button", name=re.compile("Sign Up", re.IGNORECASE)).click()
    confirm = re.search(r"https?://\S+/accounts/confirm-email/\S+", mailoutbox[-1].body).group(0)
    buyer.goto(confirm)
    buyer.get_by_role("button", name="Confirm").click()
    expect(buyer).to_have_url(re.compile(r"/checkout/$"))
    buyer.get_by_label("Full name").fill("Bea Buyer")
    buyer.get_by_label("Address", exact=True).fill("1 Clay Street")
    buyer.get_by_label("City").fill("Lisbon")
    buyer.get_by_label("Postal code").fill("1100-001")
    buyer.get_by_label("Country").select_option("PT")
    buyer.get_by_label("Card (test mode)").check()
    buyer.get_by_label("Card number").fill("4242 4242 4242 4242")
    buyer.get_by_label("Expiry (MM/YY)").fill("12/99")
    buyer.get_by_label("Security code (CVC)").fill("123")
    buyer.get_by_role("button", name="Review order").click()
    buyer.get_by_role("button", name="Place order").click()
    expect(buyer.get_by_role("heading", name="Thank you for your order")).to_be_visible()
    buyer.context.close()

    order = Order.objects.get()
    assert order.referral == ShareLink.objects.get(sharer=fan_a)

    # Fan A sees the visit and the purchase credited to their link.
    page.goto("/account/")
    page.get_by_role("link", name="Your shares").click()
    expect(page.get_by_text("Your shares: 1 visit, 1 purchase.")).to_be_visible()
    row = page.get_by_role("row", name=re.compile("Speckled mug"))
    expect(row.get_by_role("cell").nth(1)).to_have_text("1")
    expect(row.get_by_role("cell").nth(2)).to_have_text("1")

    # The creator finds Amy among the top advocates in the Studio.
    studio = _new_page(browser, live_server, shop.creator.user)
    studio.goto("/studio/")
    studio.get_by_role("link", name=re.compile("^Advocates")).click()
    expect(studio.get_by_role("heading", name="Your top advocates")).to_be_visible()
    top = studio.get_by_role("row", name=re.compile("Amy Advocate"))
    expect(top).to_contain_text("€24.00")
    expect(top.get_by_role("cell").first).to_have_text("1")

    # …and thanks her from there: bringing a purchase counts as interacting.
    top.get_by_role("link", name="Thank Amy Advocate").click()
    expect(studio.get_by_role("heading", name=re.compile("^Thank Amy"), level=1)).to_be_visible()
    studio.get_by_label("Your note").fill("Thank you for telling your friends about our mugs!")
    studio.get_by_role("button", name="Send thank-you note").click()
    expect(studio.get_by_text(re.compile("Your thank-you note is on its way"))).to_be_visible()
    expect(studio.get_by_role("heading", name="Your top advocates")).to_be_visible()
    studio.context.close()

    # Fan A gets the thank-you in her notifications.
    page.goto("/")
    page.get_by_role("navigation", name="Main").get_by_role("link", name="Notifications").click()
    page.get_by_role("link", name="Ana Makes sent you a thank-you note").click()
    expect(page.get_by_text("Thank you for telling your friends about our mugs!")).to_be_visible()
