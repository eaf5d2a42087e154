"""The hearts on product cards: the grid is one cached page for everyone, yet a fan sees
what they saved pressed, saves another in place, and without JavaScript the heart still
saves (the page's one hidden form carries the CSRF token)."""

from decimal import Decimal

import pytest
from playwright.sync_api import Page, expect

from shops import saved
from shops.models import SavedItem
from tests.e2e.conftest import session_cookie
from tests.factories import CreatorProfileFactory, ProductFactory, ShopFactory, UserFactory

pytestmark = [pytest.mark.e2e]


def test_card_hearts_show_saves_and_work_with_and_without_javascript(
    page: Page, login_as, new_context, live_server
):
    shop = ShopFactory(creator=CreatorProfileFactory(handle="ana_makes", display_name="Ana Makes"))
    mug = ProductFactory(shop=shop, title="Speckled mug", price=Decimal("24.00"))
    vase = ProductFactory(shop=shop, title="Tall vase", price=Decimal("40.00"))
    bowl = ProductFactory(shop=shop, title="Breakfast bowl", price=Decimal("18.00"))
    fan = UserFactory(name="Fay Fan")
    saved.saved_add(user=fan, product_id=mug.pk)
    login_as(fan)

    page.goto("/shop/")
    expect(
        page.get_by_role("button", name="Saved: Speckled mug (press to remove)")
    ).to_have_attribute("aria-pressed", "true")
    heart = page.get_by_role("button", name="Save Tall vase")
    expect(heart).to_have_attribute("aria-pressed", "false")
    heart.click()  # htmx: the heart is swapped in place, the page stays
    expect(page.get_by_role("button", name="Saved: Tall vase (press to remove)")).to_be_visible()
    assert page.url.endswith("/shop/")
    assert set(SavedItem.objects.filter(user=fan).values_list("product_id", flat=True)) == {
        mug.pk,
        vase.pk,
    }
    page.get_by_role("button", name="Saved: Speckled mug (press to remove)").click()
    expect(page.get_by_role("button", name="Save Speckled mug")).to_be_visible()
    assert not SavedItem.objects.filter(user=fan, product=mug).exists()

    # Without JavaScript the heart is a plain form post that comes back with a message.
    context = new_context(java_script_enabled=False)
    context.add_cookies([session_cookie(live_server, fan)])
    plain = context.new_page()
    plain.goto("/shop/")
    plain.get_by_role("button", name="Save Breakfast bowl").click()
    expect(plain.get_by_text("“Breakfast bowl” is in your Saved list")).to_be_visible()
    assert SavedItem.objects.filter(user=fan, product=bowl).exists()
    context.close()
