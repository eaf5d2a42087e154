"""A creator sets a shipping rate in the Studio; a fan pays it at checkout (bank transfer),
then changes their mind and cancels the unpaid order from their order page."""

import re
from decimal import Decimal

import pytest
from playwright.sync_api import Page, expect

from shops.models import Order, OrderStatus
from tests.factories import CreatorProfileFactory, ProductFactory, ShopFactory, UserFactory

pytestmark = [pytest.mark.e2e]


def test_creator_sets_shipping_fan_pays_it_then_cancels_before_paying(
    page: Page, login_as, mailoutbox
):
    shop = ShopFactory(creator=CreatorProfileFactory(handle="ana_makes", display_name="Ana"))
    mug = ProductFactory(
        shop=shop, title="Speckled mug", slug="speckled-mug", price=Decimal("24.00"), stock=3
    )

    # Ana sets €4.50 shipping per order, free from €100, in her Studio.
    login_as(shop.creator.user)
    page.goto("/")
    page.get_by_role("navigation", name="Main").get_by_role("link", name="Studio").click()
    page.get_by_role("link", name=re.compile("^Shipping")).click()
    page.get_by_label("Shipping per order (EUR)").fill("4.50")
    page.get_by_label(re.compile(r"^Free shipping from \(EUR\)")).fill("100")
    page.get_by_role("button", name="Save shipping").click()
    expect(page.get_by_text("Shipping settings saved.")).to_be_visible()

    # A fan buys the mug: the cart and the review show the shipping, once.
    page.context.clear_cookies()
    login_as(UserFactory(email="buyer@example.com"))
    page.goto("/@ana_makes/p/speckled-mug/")
    page.get_by_role("button", name="Add to cart").click()
    page.goto("/cart/")
    expect(page.get_by_text("Shipping: €4.50")).to_be_visible()
    expect(page.get_by_text("Total: €28.50")).to_be_visible()
    page.get_by_role("link", name="Checkout").click()
    page.get_by_label("Full name").fill("New Fan")
    page.get_by_label("Address", exact=True).fill("1 Clay Street")
    page.get_by_label("City").fill("Lisbon")
    page.get_by_label("Postal code").fill("1100-001")
    page.get_by_label("Country").select_option("PT")
    page.get_by_label(re.compile("bank transfer")).check()
    page.get_by_role("button", name="Review order").click()
    expect(page.get_by_text("Shipping (Ana): €4.50")).to_be_visible()
    expect(page.get_by_text("Total: €28.50")).to_be_visible()
    page.get_by_role("button", name="Place order").click()
    expect(page.get_by_role("heading", name="Thank you for your order")).to_be_visible()
    order = Order.objects.get()
    assert (order.shipping_cost, order.total) == (Decimal("4.50"), Decimal("28.50"))

    # They change their mind before paying: cancel, confirm, and the mug is back on sale.
    page.get_by_role("link", name=f"See order {order.number}").click()
    page.get_by_role("link", name=f"Cancel order {order.number}").click()
    expect(page.get_by_role("heading", name=f"Cancel order {order.number}?")).to_be_visible()
    page.get_by_role("button", name=f"Yes, cancel order {order.number}").click()
    expect(page.get_by_text(f"Order {order.number} is cancelled.")).to_be_visible()
    expect(page.get_by_text("You cancelled this order.")).to_be_visible()
    order.refresh_from_db()
    mug.refresh_from_db()
    assert order.status == OrderStatus.CANCELLED and mug.stock == 3
    assert any(m.to == [shop.creator.user.email] and "before paying" in m.body for m in mailoutbox)
