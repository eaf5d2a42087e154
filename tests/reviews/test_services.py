"""The rules of reviews, exercised through the services (and the admin that calls them)."""

from io import StringIO

import pytest
from django.core.exceptions import ValidationError
from django.core.management import call_command
from django.http import Http404

from core.images import clean_image_upload
from creators.models import EngagementEvent, EventKind
from reviews.models import HelpfulVote, Review, ReviewPhoto, ReviewReport, ReviewResponse
from reviews.services import (
    ReviewInput,
    review_helpful_toggle,
    review_report,
    review_respond,
    review_set_hidden,
    review_write,
)
from shops.models import OrderStatus, Product
from tests.factories import (
    CreatorProfileFactory,
    ProductFactory,
    ShopFactory,
    UserFactory,
    paid_order_of,
)
from tests.images import image_upload

pytestmark = pytest.mark.django_db


def totals(product) -> tuple[int, int]:
    product = Product.objects.get(pk=product.pk)
    return product.rating_count, product.rating_sum


def write(author, product, rating=4, **fields):
    return review_write(author=author, product=product, data=ReviewInput(rating=rating, **fields))


def buyer_of(product, **fields):
    fan = UserFactory()
    paid_order_of(buyer=fan, product=product, **fields)
    return fan


# --- Who may review -------------------------------------------------------------------


@pytest.mark.parametrize("status", [OrderStatus.PAID, OrderStatus.SHIPPED, OrderStatus.DELIVERED])
def test_a_buyer_with_a_paid_order_writes_a_verified_review(mug, status):
    fan = buyer_of(mug, status=status)
    review, created = write(fan, mug, 5, title=" Great mug ", body="Holds heat.")
    assert created and review.rating == 5 and review.title == "Great mug"
    assert totals(mug) == (1, 5)
    event = EngagementEvent.objects.get(kind=EventKind.REVIEW)
    assert event.actor == fan and event.creator == mug.shop.creator and event.target == review
    assert event.payload == {"product_id": mug.pk, "rating": 5, "edited": False, "photos": 0}


@pytest.mark.parametrize("status", [OrderStatus.AWAITING_PAYMENT, OrderStatus.CANCELLED])
def test_a_fan_whose_order_is_unpaid_or_cancelled_is_told_why_and_nothing_changes(mug, status):
    fan = buyer_of(mug, status=status)
    with pytest.raises(ValidationError) as exc:
        write(fan, mug)
    assert exc.value.code == "not_a_buyer"
    assert "Only fans who bought this product can review it" in exc.value.messages[0]
    assert not Review.objects.exists() and totals(mug) == (0, 0)
    assert not EngagementEvent.objects.filter(kind=EventKind.REVIEW).exists()


def test_buying_another_product_of_the_shop_does_not_count(mug):
    fan = buyer_of(ProductFactory(shop=mug.shop))
    with pytest.raises(ValidationError, match="Only fans who bought"):
        write(fan, mug)


def test_a_creator_cannot_review_their_own_product(mug, creator):
    paid_order_of(buyer=creator.user, product=mug)  # even having bought it
    with pytest.raises(ValidationError, match="can’t review your own product"):
        write(creator.user, mug)
    assert not Review.objects.exists()


def test_writing_again_edits_the_one_review_and_moves_the_rating(mug, buyer):
    first, _ = write(buyer, mug, 2, body="Chipped.")
    again, created = write(buyer, mug, 5, body="They replaced it: perfect.")
    assert not created and again.pk == first.pk and again.edited_at is not None
    assert Review.objects.count() == 1
    assert totals(mug) == (1, 5)
    edited = EngagementEvent.objects.filter(kind=EventKind.REVIEW).order_by("id").last()
    assert edited.payload["edited"] is True


@pytest.mark.parametrize(
    ("rating", "message"), [(None, "Choose a rating"), (0, "1 to 5"), (6, "1 to 5"), (-1, "1 to 5")]
)
def test_a_rating_outside_one_to_five_is_refused(mug, buyer, rating, message):
    with pytest.raises(ValidationError) as exc:
        write(buyer, mug, rating)
    assert message in exc.value.message_dict["rating"][0]
    assert not Review.objects.exists() and totals(mug) == (0, 0)


def test_over_long_text_is_refused_and_an_existing_review_stays(mug, buyer):
    write(buyer, mug, 3, body="Fine.")
    with pytest.raises(ValidationError) as exc:
        write(buyer, mug, 1, body="x" * 5001)
    assert "5,000 characters" in exc.value.message_dict["body"][0]
    review = Review.objects.get()
    assert (review.rating, review.body) == (3, "Fine.") and totals(mug) == (1, 3)


def test_photos_go_through_the_image_gate_up_to_four(mug, buyer, settings):
    photos = [clean_image_upload(image_upload(f"p{n}.png")) for n in range(3)]
    review, _ = write(buyer, mug, photos=photos)
    assert review.photo_count == 3
    stored = list(review.photos.all())
    assert [p.position for p in stored] == [0, 1, 2]
    assert set(stored[0].variants) == {"thumb", "page"}
    more = [clean_image_upload(image_upload(f"q{n}.png")) for n in range(2)]
    with pytest.raises(ValidationError, match="at most 4 photos; this would make 5"):
        write(buyer, mug, photos=more)
    assert ReviewPhoto.objects.count() == 3
    # Removing one makes room.
    review, _ = write(buyer, mug, photos=more, remove_photo_ids=[stored[0].pk])
    assert review.photo_count == 4 and ReviewPhoto.objects.count() == 4


# --- Aggregates ---------------------------------------------------------------------------


def test_aggregates_follow_create_edit_hide_restore_and_the_repair_command(mug):
    fans = [buyer_of(mug) for _ in range(3)]
    reviews = [write(fan, mug, rating)[0] for fan, rating in zip(fans, (5, 4, 1), strict=True)]
    assert totals(mug) == (3, 10)
    write(fans[2], mug, 2)  # edit 1 → 2
    assert totals(mug) == (3, 11)
    review_set_hidden(review=reviews[0], hidden=True)
    assert totals(mug) == (2, 6)
    review_set_hidden(review=reviews[0], hidden=True)  # twice: no change
    assert totals(mug) == (2, 6)
    write(fans[0], mug, 3)  # editing a hidden review leaves the totals alone
    assert totals(mug) == (2, 6)
    review_set_hidden(review=reviews[0], hidden=False)
    assert totals(mug) == (3, 9)
    assert Product.objects.get(pk=mug.pk).rating_average == 3.0
    # Drift (a cascade, a manual fix) is repaired from the reviews table.
    Product.objects.filter(pk=mug.pk).update(rating_count=40, rating_sum=7)
    other = ProductFactory(shop=mug.shop)
    out = StringIO()
    call_command("reviews_repair_ratings", stdout=out)
    assert "1 product(s) corrected" in out.getvalue()
    assert totals(mug) == (3, 9) and totals(other) == (0, 0)


def test_hiding_resolves_open_reports(mug, buyer):
    review, _ = write(buyer, mug)
    review_report(reporter=UserFactory(), review=review, reason="spam")
    review_set_hidden(review=review, hidden=True)
    assert ReviewReport.objects.get().resolved_at is not None


def test_admin_actions_hide_and_restore_through_the_service(admin_client, mug, buyer):
    review, _ = write(buyer, mug, 4)
    url = "/admin/reviews/review/"
    admin_client.post(url, {"action": "hide_reviews", "_selected_action": [review.pk]})
    assert Review.objects.get().is_hidden and totals(mug) == (0, 0)
    admin_client.post(url, {"action": "restore_reviews", "_selected_action": [review.pk]})
    assert not Review.objects.get().is_hidden and totals(mug) == (1, 4)
    assert admin_client.get(f"{url}{review.pk}/delete/").status_code == 403


# --- Responses, votes, reports ------------------------------------------------------------


def test_the_creator_responds_once_and_edits_the_response(mug, buyer, creator):
    review, _ = write(buyer, mug)
    review_respond(creator_user=creator.user, review=review, body="Thank you, Bea!")
    review_respond(creator_user=creator.user, review=review, body="Thank you so much, Bea!")
    response = ReviewResponse.objects.get()
    assert response.body == "Thank you so much, Bea!" and response.author == creator.user
    events = EngagementEvent.objects.filter(kind=EventKind.REVIEW_RESPONSE).order_by("id")
    assert [e.payload["edited"] for e in events] == [False, True]
    assert events[0].creator == creator


def test_another_creator_cannot_respond(mug, buyer):
    review, _ = write(buyer, mug)
    other = ShopFactory(creator=CreatorProfileFactory()).creator
    with pytest.raises(Http404):
        review_respond(creator_user=other.user, review=review, body="Try mine instead")
    assert not ReviewResponse.objects.exists()


def test_helpful_votes_toggle_once_each_and_record_a_reaction(mug, buyer):
    review, _ = write(buyer, mug)
    fan = UserFactory()
    review, voted = review_helpful_toggle(user=fan, review=review)
    assert voted and review.helpful_count == 1
    event = EngagementEvent.objects.get(kind=EventKind.REACTION)
    assert event.payload == {"target": "review", "reaction": "helpful", "product_id": mug.pk}
    assert event.target == review and event.actor == fan
    review, voted = review_helpful_toggle(user=fan, review=review)
    assert not voted and review.helpful_count == 0 and not HelpfulVote.objects.exists()


def test_no_helpful_vote_on_your_own_review(mug, buyer):
    review, _ = write(buyer, mug)
    with pytest.raises(ValidationError, match="your own review"):
        review_helpful_toggle(user=buyer, review=review)
    assert Review.objects.get().helpful_count == 0


def test_anyone_signed_in_reports_once(mug, buyer, creator):
    review, _ = write(buyer, mug)
    assert review_report(reporter=creator.user, review=review, reason="offensive", note=" rude ")
    assert not review_report(reporter=creator.user, review=review, reason="spam")
    report = ReviewReport.objects.get()
    assert (report.reason, report.note) == ("offensive", "rude")
    with pytest.raises(ValidationError):
        review_report(reporter=UserFactory(), review=review, reason="because")


def test_staff_hide_reported_reviews_or_dismiss_reports_from_the_reports_list(
    admin_client, mug, buyer
):
    review, _ = write(buyer, mug, 2)
    review_report(reporter=UserFactory(), review=review, reason="spam")
    report = ReviewReport.objects.get()
    url = "/admin/reviews/reviewreport/"
    assert admin_client.get(url).status_code == 200
    admin_client.post(url, {"action": "dismiss_reports", "_selected_action": [report.pk]})
    assert ReviewReport.objects.get().resolved_at is not None and totals(mug) == (1, 2)
    admin_client.post(url, {"action": "hide_reported_reviews", "_selected_action": [report.pk]})
    assert Review.objects.get().is_hidden and totals(mug) == (0, 0)
    assert admin_client.get("/admin/reviews/review/").status_code == 200
