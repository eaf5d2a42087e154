"""A visitor fills a cart from two creators, signs up at checkout, pays with the test
card and sees one order per shop. (The creator shipping it is the orders journey.)"""

import re
from decimal import Decimal

import pytest
from playwright.sync_api import Page, expect

from shops.models import Order, OrderStatus
from tests.factories import CreatorProfileFactory, ProductFactory, ShopFactory

pytestmark = [pytest.mark.e2e]


def test_visitor_signs_up_at_checkout_pays_by_test_card_and_gets_two_orders(
    page: Page, mailoutbox, password
):
    ana = ShopFactory(creator=CreatorProfileFactory(handle="ana_makes", display_name="Ana"))
    li = ShopFactory(creator=CreatorProfileFactory(handle="li_knits", display_name="Li"))
    ProductFactory(shop=ana, title="Speckled mug", slug="speckled-mug", price=Decimal("24.00"))
    ProductFactory(shop=li, title="Wool scarf", slug="wool-scarf", price=Decimal("55.50"))

    # A visitor puts one product of each creator in the cart…
    for url in ("/@ana_makes/p/speckled-mug/", "/@li_knits/p/wool-scarf/"):
        page.goto(url)
        page.get_by_role("button", name="Add to cart").click()
        expect(page.get_by_text("is in your cart")).to_be_visible()
    page.goto("/cart/")
    expect(page.get_by_text("Total: €79.50")).to_be_visible()

    # …presses Checkout, and is asked to sign in; they sign up instead.
    page.get_by_role("link", name="Checkout").click()
    expect(page).to_have_url(re.compile(r"/accounts/login/\?next=(/|%2F)checkout"))
    page.get_by_role("main").get_by_role("link", name="sign up", exact=True).click()
    expect(page).to_have_url(re.compile(r"/accounts/signup/\?next=(/|%2F)checkout"))
    page.get_by_label(re.compile(r"^Email")).fill("newfan@example.com")
    page.get_by_label(re.compile(r"^Password$")).fill(password)
    page.get_by_label(re.compile(r"^Password \(again\)")).fill(password)
    page.get_by_role("button", name=re.compile("Sign Up", re.IGNORECASE)).click()

    # The verification link arrives by email; confirming signs them in.
    link = re.search(r"https?://\S+/accounts/confirm-email/\S+", mailoutbox[-1].body).group(0)
    page.goto(link)
    page.get_by_role("button", name="Confirm").click()
    # (the login form's "sign up" link carries `next` through verification)
    expect(page).to_have_url(re.compile(r"/checkout/$"))
    expect(page.get_by_role("heading", name="Checkout", level=1)).to_be_visible()

    # The form: email prefilled, a shipping address for the physical goods, the test card.
    expect(page.get_by_label("Email")).to_have_value("newfan@example.com")
    page.get_by_label("Full name").fill("New Fan")
    page.get_by_label("Address", exact=True).fill("1 Clay Street")
    page.get_by_label("City").fill("Lisbon")
    page.get_by_label("Postal code").fill("1100-001")
    page.get_by_label("Country").select_option("PT")
    page.get_by_label("Card (test mode)").check()
    page.get_by_label("Card number").fill("4242 4242 4242 4242")
    page.get_by_label("Expiry (MM/YY)").fill("12/99")
    page.get_by_label("Security code (CVC)").fill("123")
    page.get_by_role("button", name="Review order").click()

    # The review shows each shop's subtotal and the total; placing the order confirms it.
    expect(page.get_by_role("heading", name="Review your order")).to_be_visible()
    expect(page.get_by_text("Subtotal (Ana): €24.00")).to_be_visible()
    expect(page.get_by_text("Subtotal (Li): €55.50")).to_be_visible()
    expect(page.get_by_text("Total: €79.50")).to_be_visible()
    page.get_by_role("button", name="Place order").click()

    expect(page.get_by_role("heading", name="Thank you for your order")).to_be_visible()
    orders = list(Order.objects.order_by("shop__name"))
    assert [order.shop for order in orders] == [ana, li]
    assert all(order.status == OrderStatus.PAID for order in orders)
    for order in orders:
        expect(page.get_by_role("heading", name=re.compile(order.number))).to_be_visible()
    page.get_by_role("link", name=f"See order {orders[0].number}").click()
    expect(page.get_by_text(orders[0].number).first).to_be_visible()
