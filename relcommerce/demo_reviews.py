"""Demo reviews for `seed_demo`: verified buyers rate the hand-written creators' products,
creators answer some reviews, other fans mark some helpful.

Everything goes through the real use cases — a fan without a paid order of the product
first buys it (`cart_add`, `order_place` with the test card), then `review_write`,
`review_respond`, `review_helpful_toggle` — so ratings, events and orders look exactly
like ones made in the browser. Each decision (does fan n review product p, with how many
stars, does the creator answer, does fan m find it helpful) comes from its own
`random.Random` keyed by the seed and the natural keys involved, so growing `--fans`
only adds, and a second run finds everything in place and writes nothing.
"""

import random
import uuid
from dataclasses import dataclass

from django.core.exceptions import ValidationError
from django.db.models import F, Max
from django.test.utils import override_settings

from creators.models import EngagementEvent, User
from reviews.models import HelpfulVote, Review, ReviewResponse
from reviews.services import ReviewInput, review_helpful_toggle, review_respond, review_write
from shops.cart import cart_add
from shops.checkout import Address, order_place
from shops.models import Cart, OrderItem, Product, ProductKind, ProductStatus
from shops.orders import PAID_STATUSES
from shops.payments import PAYMENT_PROVIDERS

PRODUCTS_PER_CREATOR = 4  # the newest published products of each hand-written creator
REVIEWER_POOL = 24  # the first fans; a fan's choices never depend on how many there are
REVIEW_CHANCE = 0.14
RESPONSE_CHANCE = 0.45
HELPFUL_CHANCE = 0.12
TEST_CARD = {"card_number": "4242424242424242", "card_expiry": "12/99", "card_cvc": "123"}
ADDRESS = Address(
    name="Demo Fan", line1="12 Market Street", city="Lisbon", postal_code="1100-148", country="PT"
)

# (title, text) by stars: what buyers of handmade goods say.
WORDS = {
    5: [
        (
            "Even better in person",
            "The photos don’t do it justice. Beautifully made and it "
            "arrived wrapped with so much care. Already planning my next order.",
        ),
        (
            "A new favourite",
            "I use it every single day. You can tell a real person made "
            "this, and that’s exactly why I bought it.",
        ),
        ("Perfect gift", "Bought it for my sister and ended up ordering one for myself too."),
    ],
    4: [
        (
            "Lovely, slightly smaller than expected",
            "Gorgeous work and great quality. It’s a "
            "little smaller than I pictured, so check the measurements, but I love it.",
        ),
        (
            "Really happy with it",
            "Well made and shipped quickly. The colour is a touch "
            "darker than on my screen, which I actually prefer.",
        ),
    ],
    3: [
        (
            "Nice, but shipping took a while",
            "The piece itself is nice. It took almost two "
            "weeks to arrive, which I wasn’t expecting.",
        ),
    ],
    2: [
        (
            "Not quite what I hoped",
            "The finish had a few rough spots. Still usable, but I expected more for the price.",
        ),
    ],
    1: [
        (
            "Arrived damaged",
            "Sadly it was cracked when I opened the box. The packaging could be sturdier.",
        ),
    ],
}
RESPONSES = {
    5: "Thank you so much — it makes my day to hear this!",
    4: "Thank you! Good point about the size; I’ve added measurements to the listing.",
    3: "Thanks for your patience. The post office was slow that week; I’m sorry it took so long.",
    2: "I’m sorry it wasn’t up to standard. Please send me a message and I’ll make it right.",
    1: "I’m so sorry! I’ve emailed you about a replacement and I’m switching to sturdier boxes.",
}


@dataclass
class ReviewsReport:
    orders: int = 0
    reviews: int = 0
    responses: int = 0
    helpful_votes: int = 0


def _rng(seed: int, *keys) -> random.Random:
    return random.Random(":".join(map(str, (seed, "reviews", *keys))))


def _stars(rng: random.Random) -> int:
    return rng.choices((5, 4, 3, 2, 1), (46, 30, 12, 7, 5))[0]


def _bought(fan: User, product: Product) -> bool:
    return OrderItem.objects.filter(
        order__buyer=fan, order__status__in=PAID_STATUSES, product=product
    ).exists()


def _buy(*, seed: int, fan: User, product: Product) -> None:
    cart, _ = Cart.objects.get_or_create(user=fan)
    cart.lines.all().delete()
    cart_add(cart=cart, product_id=product.pk, quantity=1)
    order_place(
        buyer=fan,
        cart=cart,
        email=fan.email,
        address=ADDRESS if product.kind == ProductKind.PHYSICAL else None,
        provider=PAYMENT_PROVIDERS["test"],
        payment_data=TEST_CARD,
        idempotency_key=uuid.uuid5(uuid.NAMESPACE_URL, f"{seed}:demo-order:{fan.pk}:{product.pk}"),
    )


def _products(handles: list[str]) -> list[Product]:
    """The newest published products of these creators. Not filtered by stock, which demo
    orders change: the choice must be the same on every run (a fan who cannot buy a
    sold-out product simply doesn't review it)."""
    chosen = []
    for handle in handles:
        chosen += list(
            Product.objects.filter(
                shop__creator__handle=handle,
                shop__is_open=True,
                status=ProductStatus.PUBLISHED,
            )
            .select_related("shop__creator__user")
            .order_by("-published_at", "slug")[:PRODUCTS_PER_CREATOR]
        )
    return chosen


# Demo orders email nobody (the demo fans' addresses are not real).
@override_settings(EMAIL_BACKEND="django.core.mail.backends.dummy.EmailBackend")
def reviews_seed(*, seed: int, handles: list[str], fan_ids: list[tuple[int, int]]) -> ReviewsReport:
    """Seed the reviews of `handles`' products by the first fans of `fan_ids` (number, id)."""
    report = ReviewsReport()
    events_before = EngagementEvent.objects.aggregate(last=Max("id"))["last"] or 0
    first = [user_id for _, user_id in sorted(fan_ids)[:REVIEWER_POOL]]
    by_id = User.objects.in_bulk(first)
    pool = [by_id[user_id] for user_id in first if user_id in by_id]
    for product in _products(handles):
        creator_user = product.shop.creator.user
        for fan in pool:
            rng = _rng(seed, product.shop.creator.handle, product.slug, fan.email)
            if rng.random() >= REVIEW_CHANCE:
                continue
            stars = _stars(rng)
            title, body = rng.choice(WORDS[stars])
            review = Review.objects.filter(product=product, author=fan).first()
            if review is None:
                if not _bought(fan, product):
                    try:
                        _buy(seed=seed, fan=fan, product=product)
                    except ValidationError:
                        continue  # sold out meanwhile: this fan doesn't review it
                    report.orders += 1
                review, _ = review_write(
                    author=fan,
                    product=product,
                    data=ReviewInput(rating=stars, title=title, body=body),
                )
                report.reviews += 1
            if (
                rng.random() < RESPONSE_CHANCE
                and not ReviewResponse.objects.filter(review=review).exists()
            ):
                review_respond(creator_user=creator_user, review=review, body=RESPONSES[stars])
                report.responses += 1
            report.helpful_votes += _helpful_votes(
                key=(seed, product.shop.creator.handle, product.slug, fan.email),
                review=review,
                pool=pool,
            )
    # Like the follow history, demo activity is not new work for the event pipeline.
    EngagementEvent.objects.filter(pk__gt=events_before, dispatched_at__isnull=True).update(
        dispatched_at=F("created_at")
    )
    return report


def _helpful_votes(*, key: tuple, review: Review, pool: list[User]) -> int:
    voted = set(HelpfulVote.objects.filter(review=review).values_list("user_id", flat=True))
    added = 0
    for fan in pool:
        if fan.pk == review.author_id or fan.pk in voted:
            continue
        if _rng(*key, "helpful", fan.email).random() < HELPFUL_CHANCE:
            review_helpful_toggle(user=fan, review=review)
            added += 1
    return added
