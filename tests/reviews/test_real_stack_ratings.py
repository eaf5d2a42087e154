"""Rating totals under concurrent writes (PostgreSQL: SQLite serialises writers anyway)."""

import pytest

from reviews.models import HelpfulVote, Review
from reviews.ratings import ratings_repair
from reviews.services import ReviewInput, review_helpful_toggle, review_set_hidden, review_write
from shops.models import Product
from tests.factories import ProductFactory, UserFactory, paid_order_of
from tests.races import race

pytestmark = [pytest.mark.real_stack, pytest.mark.django_db(transaction=True)]


def test_concurrent_reviews_edits_and_hides_keep_the_totals_exact():
    # Given a mug with two reviews, and six more buyers.
    mug = ProductFactory()
    fans = UserFactory.create_batch(8)
    for fan in fans:
        paid_order_of(buyer=fan, product=mug)
    first, _ = review_write(author=fans[0], product=mug, data=ReviewInput(rating=5))
    review_write(author=fans[1], product=mug, data=ReviewInput(rating=1))

    # When six fans review, one edits, staff hide one and a double submit races itself.
    actions = [
        (lambda f=fan, r=rating: review_write(author=f, product=mug, data=ReviewInput(rating=r)))
        for fan, rating in zip(fans[2:8], (5, 4, 3, 2, 1, 4), strict=True)
    ]
    actions += [
        lambda: review_write(author=fans[1], product=mug, data=ReviewInput(rating=3)),
        lambda: review_set_hidden(review=first, hidden=True),
        lambda: review_write(author=fans[7], product=mug, data=ReviewInput(rating=4)),
    ]
    errors = race(actions)

    # Then every write landed and the stored totals equal a recount.
    assert errors == []
    assert Review.objects.filter(product=mug).count() == 8
    mug.refresh_from_db()
    assert (mug.rating_count, mug.rating_sum) == (7, 5 + 4 + 3 + 2 + 1 + 4 + 3)
    assert ratings_repair() == 0


def test_racing_helpful_clicks_count_each_fan_once():
    mug = ProductFactory()
    author = UserFactory()
    paid_order_of(buyer=author, product=mug)
    review, _ = review_write(author=author, product=mug, data=ReviewInput(rating=4))
    fans = UserFactory.create_batch(5)
    errors = race([lambda f=fan: review_helpful_toggle(user=f, review=review) for fan in fans])
    assert errors == []
    review.refresh_from_db()
    assert review.helpful_count == HelpfulVote.objects.filter(review=review).count() == 5
    assert Product.objects.get(pk=mug.pk).rating_count == 1
