"""A buyer reviews a mug with a photo, the creator answers, another fan finds it helpful,
and the product page shows the new average and histogram."""

import re

import pytest
from playwright.sync_api import Page, expect

from reviews.services import ReviewInput, review_write
from tests.factories import (
    CreatorProfileFactory,
    ProductFactory,
    ShopFactory,
    UserFactory,
    paid_order_of,
)

pytestmark = [pytest.mark.e2e]


def test_a_verified_review_with_a_photo_a_response_and_a_helpful_vote(
    page: Page, login_as, image_file
):
    # Given Ana's mug, already reviewed 5 stars by one buyer, and bought by Bea.
    shop = ShopFactory(creator=CreatorProfileFactory(handle="ana_makes", display_name="Ana"))
    mug = ProductFactory(shop=shop, title="Speckled mug", slug="speckled-mug")
    earlier = UserFactory(name="Eli Early")
    paid_order_of(buyer=earlier, product=mug)
    review_write(author=earlier, product=mug, data=ReviewInput(rating=5, title="Perfect"))
    bea = UserFactory(name="Bea Buyer")
    paid_order_of(buyer=bea, product=mug)
    cal = UserFactory(name="Cal Other")

    # When Bea writes a 4-star review with a photo from the product page.
    login_as(bea)
    page.goto(mug.get_absolute_url())
    page.get_by_role("link", name="Write a review").click()
    expect(page.get_by_role("heading", name="Write a review")).to_be_visible()
    page.get_by_label("4 stars", exact=True).check()
    page.get_by_label("Title").fill("Warm hands, happy mornings")
    page.get_by_label("Your review").fill("The glaze is even nicer in person.")
    page.get_by_label("Photos").set_input_files(image_file("mug.png"))
    page.get_by_role("button", name="Publish review").click()
    expect(page.get_by_text("Thank you! Your review is published.")).to_be_visible()
    bea_review = page.get_by_role("article", name="Warm hands, happy mornings")
    expect(bea_review.get_by_text("Verified purchase")).to_be_visible()
    expect(bea_review.get_by_role("img", name=re.compile("Photo 1 from Bea"))).to_be_visible()

    # And Ana responds from her product page.
    page.context.clear_cookies()
    login_as(shop.creator.user)
    page.goto(mug.get_absolute_url())
    page.get_by_role("article", name="Warm hands, happy mornings").get_by_role(
        "link", name="Respond"
    ).click()
    page.get_by_label("Your public response").fill("Thank you, Bea! Enjoy your coffee.")
    page.get_by_role("button", name="Publish response").click()
    expect(page.get_by_text("Your response is published.")).to_be_visible()

    # And Cal, another fan, marks it helpful (htmx swaps the button in place).
    page.context.clear_cookies()
    login_as(cal)
    page.goto(mug.get_absolute_url())
    review = page.get_by_role("article", name="Warm hands, happy mornings")
    expect(review.get_by_text("Thank you, Bea! Enjoy your coffee.")).to_be_visible()
    expect(review.get_by_text("Creator", exact=True)).to_be_visible()
    review.get_by_role("button", name="Helpful").click()
    expect(review.get_by_role("button", name="Helpful")).to_have_attribute("aria-pressed", "true")
    expect(review.get_by_text("1 found this helpful")).to_be_visible()

    # Then the product page shows the new average and histogram, for anyone.
    page.context.clear_cookies()
    page.goto(mug.get_absolute_url())
    expect(page.locator(".review-summary__number")).to_have_text("4.5")
    expect(page.get_by_text("2 reviews, all from verified buyers")).to_be_visible()
    histogram = page.get_by_role("table", name="Ratings by number of stars")
    expect(histogram.get_by_role("row", name=re.compile("^5 stars"))).to_contain_text("1")
    expect(histogram.get_by_role("row", name=re.compile("^4 stars"))).to_contain_text("1")
    expect(histogram.get_by_role("row", name=re.compile("^3 stars"))).to_contain_text("0")
    expect(page.get_by_text("1 found this helpful")).to_be_visible()
