"""A visitor browses the catalog, searches, fills a cart from two creators, then signs in
and finds the same cart. (Checkout and orders extend this journey when they land.)"""

import re
from decimal import Decimal

import pytest
from playwright.sync_api import Page, expect

from shops.models import CartLine
from tests.factories import (
    CreatorProfileFactory,
    ProductFactory,
    ShopFactory,
    UserFactory,
)

pytestmark = [pytest.mark.e2e]


def test_visitor_searches_fills_a_cart_from_two_creators_and_keeps_it_at_sign_in(
    page: Page, password
):
    ana = ShopFactory(creator=CreatorProfileFactory(handle="ana_makes", display_name="Ana"))
    li = ShopFactory(creator=CreatorProfileFactory(handle="li_knits", display_name="Li"))
    ProductFactory(shop=ana, title="Speckled mug", slug="speckled-mug", price=Decimal("24.00"))
    ProductFactory(shop=li, title="Wool scarf", slug="wool-scarf", price=Decimal("55.50"), stock=2)
    ProductFactory(shop=li, title="Draft hat", slug="draft-hat", status="draft")
    fan = UserFactory(email="buyer@example.com")

    # The catalog lists what is for sale, never drafts.
    page.goto("/")
    page.get_by_role("link", name="Shop", exact=True).first.click()
    expect(page.get_by_role("heading", level=1)).to_be_visible()
    expect(page.get_by_text("Speckled mug")).to_be_visible()
    expect(page.get_by_text("Draft hat")).to_have_count(0)

    # Search finds the mug; its page adds two to the cart.
    page.get_by_label("Search products").fill("mug")
    page.get_by_label("Search products").press("Enter")
    expect(page.get_by_text("Wool scarf")).to_have_count(0)
    page.get_by_role("link", name=re.compile("Speckled mug")).first.click()
    page.get_by_label("Quantity").fill("2")
    page.get_by_role("button", name="Add to cart").click()
    expect(page.get_by_text("“Speckled mug” is in your cart (2).")).to_be_visible()

    # Asking for more scarves than exist is refused with a clear message.
    page.goto("/@li_knits/p/wool-scarf/")
    page.get_by_label("Quantity").evaluate("input => input.removeAttribute('max')")
    page.get_by_label("Quantity").fill("3")
    page.get_by_role("button", name="Add to cart").click()
    expect(page.get_by_text("Only 2 of “Wool scarf” left")).to_be_visible()
    page.get_by_label("Quantity").fill("1")
    page.get_by_role("button", name="Add to cart").click()

    # The cart groups the lines by shop, with totals from the database.
    page.get_by_role("link", name=re.compile(r"^Cart")).click()
    expect(page.get_by_role("heading", name="Ana")).to_be_visible()
    expect(page.get_by_role("heading", name="Li")).to_be_visible()
    expect(page.get_by_text("Total: €103.50")).to_be_visible()

    # Signing in keeps the cart.
    page.get_by_role("link", name="Sign in").first.click()
    page.get_by_label(re.compile(r"^Email")).fill(fan.email)
    page.get_by_label(re.compile(r"^Password")).fill(password)
    page.get_by_role("button", name="Sign In").click()
    page.goto("/cart/")
    expect(page.get_by_text("Total: €103.50")).to_be_visible()
    assert sorted(CartLine.objects.filter(cart__user=fan).values_list("quantity", flat=True)) == [
        1,
        2,
    ]
