"""A creator ships a paid order from the Studio; the fan then sees it shipped, with the
tracking number, on their order page. (Orders come from factories until checkout lands.)"""

import re

import pytest
from playwright.sync_api import Page, expect

from shops.models import OrderStatus
from tests.factories import (
    CreatorProfileFactory,
    OrderFactory,
    OrderItemFactory,
    ShopFactory,
    UserFactory,
)

pytestmark = [pytest.mark.e2e]


def test_creator_ships_a_paid_order_and_the_fan_sees_the_tracking_number(
    page: Page, login_as, mailoutbox
):
    # Given a paid order of a physical mug from Ana's shop.
    shop = ShopFactory(creator=CreatorProfileFactory(handle="ana_makes", display_name="Ana"))
    fan = UserFactory(email="buyer@example.com")
    order = OrderFactory(
        checkout__buyer=fan, shop=shop, status=OrderStatus.PAID, number="RC-424242"
    )
    OrderItemFactory(order=order, product__title="Speckled mug", title="Speckled mug")

    # When Ana opens Studio → Orders → the order and marks it shipped with a tracking number.
    login_as(shop.creator.user)
    page.goto("/")
    page.get_by_role("navigation", name="Main").get_by_role("link", name="Studio").click()
    page.get_by_role("link", name=re.compile("^Orders")).click()
    expect(page.get_by_role("heading", name="Orders", level=1)).to_be_visible()
    page.get_by_role("link", name="RC-424242").click()
    expect(page.get_by_role("heading", name="Order RC-424242")).to_be_visible()
    page.get_by_label("Tracking number").fill("TRK-77-PT")
    page.get_by_role("button", name="Mark shipped").click()
    expect(page.get_by_text("Order RC-424242 is marked shipped.")).to_be_visible()
    expect(page.get_by_role("button", name="Mark shipped")).to_have_count(0)

    # Then the fan finds it under Your orders, shipped, with the tracking number.
    page.context.clear_cookies()
    login_as(fan)
    page.goto("/")
    page.get_by_role("navigation", name="Main").get_by_role("link", name="Your orders").click()
    expect(page.get_by_role("heading", name="Your orders")).to_be_visible()
    page.get_by_role("link", name="RC-424242").click()
    expect(page.get_by_role("heading", name="Order RC-424242")).to_be_visible()
    expect(page.get_by_text("Shipped").first).to_be_visible()
    expect(page.get_by_text("TRK-77-PT")).to_be_visible()
    expect(page.get_by_text("Speckled mug")).to_be_visible()
    # And the shipping email went to the fan.
    assert any("TRK-77-PT" in m.body and m.to == ["buyer@example.com"] for m in mailoutbox)
