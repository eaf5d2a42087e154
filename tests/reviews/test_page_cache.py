"""Review writes show at once on the cached product, creator and catalog pages.

These commit for real (`transactional_db`): the page cache is invalidated on commit.
"""

import re

import pytest
from django.test import Client
from django.urls import reverse

from reviews.services import (
    ReviewInput,
    review_helpful_toggle,
    review_respond,
    review_set_hidden,
    review_write,
)
from tests.factories import ProductFactory, ShopFactory, UserFactory, paid_order_of

pytestmark = [pytest.mark.page_cache, pytest.mark.django_db(transaction=True)]


def visit(url, client=None) -> str:
    response = (client or Client()).get(url)
    assert response.status_code == 200
    return re.sub(r"\s+", " ", response.content.decode())


def test_every_review_write_shows_at_once_on_the_cached_pages():
    shop = ShopFactory(creator__handle="ana_makes")
    mug = ProductFactory(shop=shop, title="Speckled mug")
    fan = UserFactory()
    paid_order_of(buyer=fan, product=mug)
    pages = [mug.get_absolute_url(), shop.creator.get_absolute_url(), reverse("catalog")]
    for url in pages:
        visit(url), visit(url)  # stored, then replayed
    assert "No reviews yet" in visit(pages[0])

    review, _ = review_write(author=fan, product=mug, data=ReviewInput(rating=4, title="Warm"))
    for url in pages:
        assert 'rating__value">4.0<' in visit(url), url
    assert "Warm" in visit(pages[0])

    review_respond(creator_user=shop.creator.user, review=review, body="Thanks for the kind words")
    assert "Thanks for the kind words" in visit(pages[0])

    review_helpful_toggle(user=UserFactory(), review=review)
    assert "1 found this helpful" in visit(pages[0])

    review_set_hidden(review=review, hidden=True)
    for url in pages:
        assert "rating__value" not in visit(url), url
    assert "Warm" not in visit(pages[0])


def test_a_signed_in_buyer_gets_their_own_call_to_action_from_the_shared_page():
    mug = ProductFactory(title="Speckled mug")
    buyer, other = UserFactory(), UserFactory()
    paid_order_of(buyer=buyer, product=mug)
    url = mug.get_absolute_url()
    visit(url), visit(url)
    clients = {}
    for name, user in (("buyer", buyer), ("other", other)):
        clients[name] = Client()
        clients[name].force_login(user)
    assert "Write a review" in visit(url, clients["buyer"])
    assert "Only fans who bought this product can review it" in visit(url, clients["other"])
    assert "Sign in to write a review" in visit(url)
