"""Bad input in the browser: a clear message on the page, and nothing created."""

import re

import pytest
from playwright.sync_api import Page, expect

from creators.models import CreatorProfile, EngagementEvent
from shops.models import Cart, CartLine, Shop
from tests.factories import CreatorProfileFactory, ProductFactory, ShopFactory, UserFactory

pytestmark = [pytest.mark.e2e]


@pytest.fixture
def open_shop_page(page: Page, login_as) -> Page:
    login_as(UserFactory(email="fan@example.com"))
    page.goto("/")
    page.get_by_role("link", name="Open a shop").first.click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Open your shop")
    return page


def _fill(page: Page, *, handle: str, avatar=None) -> None:
    page.get_by_label(re.compile(r"^Handle")).fill(handle)
    page.get_by_label(re.compile(r"^Display name")).fill("Someone")
    if avatar is not None:
        page.get_by_label(re.compile(r"^Avatar")).set_input_files(avatar)
    page.get_by_role("button", name="Open my shop").click()


def _expect_field_error(page: Page, label: str, message: str) -> None:
    """The message is on the page, the field is flagged invalid, and the form says so."""
    expect(page.get_by_text(message)).to_be_visible()
    expect(page.get_by_label(re.compile(rf"^{label}"))).to_have_attribute("aria-invalid", "true")


def _assert_nothing_created(page: Page) -> None:
    # Still on the form, which kept what was typed, and the database is untouched.
    expect(page.get_by_role("heading", level=1)).to_have_text("Open your shop")
    expect(page.get_by_label(re.compile(r"^Display name"))).to_have_value("Someone")
    assert not CreatorProfile.objects.exists()
    assert not Shop.objects.exists()
    assert not EngagementEvent.objects.exists()


def test_reserved_handle_is_refused_with_a_clear_message(open_shop_page: Page, image_file):
    _fill(open_shop_page, handle="admin", avatar=image_file())

    _expect_field_error(
        open_shop_page, "Handle", "“admin” is reserved. Please choose another handle."
    )
    _assert_nothing_created(open_shop_page)


def test_html_disguised_as_png_is_refused_with_a_clear_message(open_shop_page: Page, tmp_path):
    fake = tmp_path / "avatar.png"
    fake.write_bytes(b"<html><body><script>alert('hi')</script></body></html>")

    _fill(open_shop_page, handle="honest_maker", avatar=fake)

    _expect_field_error(
        open_shop_page,
        "Avatar",
        "SVG and HTML files are not accepted. Upload a JPEG, PNG, WebP or GIF image.",
    )
    _assert_nothing_created(open_shop_page)


def test_a_cart_form_edited_to_name_a_draft_says_not_for_sale_and_adds_nothing(page: Page):
    """Someone edits the product page's hidden product id to a draft's (ids are
    sequential): the cart says the product is not for sale, names nothing, and stays empty."""
    shop = ShopFactory(creator=CreatorProfileFactory(handle="ana_makes", display_name="Ana"))
    mug = ProductFactory(shop=shop, title="Speckled mug", slug="speckled-mug")
    draft = ProductFactory(shop=shop, title="Unannounced teapot", status="draft")

    page.goto(mug.get_absolute_url())
    page.locator('input[name="product"]').first.evaluate(
        "(input, id) => { input.value = id }", str(draft.pk)
    )
    page.get_by_role("button", name="Add to cart").click()

    expect(page.get_by_role("status").filter(has_text="not for sale")).to_have_text(
        "That product is not for sale."
    )
    expect(page.get_by_text("Unannounced teapot")).to_have_count(0)
    assert "Unannounced teapot" not in page.content()
    assert not CartLine.objects.exists()
    assert not Cart.objects.exists()
