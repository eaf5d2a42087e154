"""Every review write a user (or staff) can cause, one transaction each.

Each write that changes what the public pages show moves the product's rating
aggregates with F() updates in the same transaction, bumps the page cache on commit and
records its engagement event through `event_record`.
"""

from dataclasses import dataclass, field

from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.db.models import F
from django.http import Http404
from django.utils import timezone

from core import images as _images
from core import pagecache
from core.images import CleanImage
from creators import featuring
from creators.events import event_record
from creators.models import EventKind, User
from creators.page_cache import creator_scope
from reviews.models import (
    MAX_REVIEW_PHOTOS,
    RATING_MAX,
    RATING_MIN,
    REVIEW_TEXT_MAX,
    REVIEW_TITLE_MAX,
    HelpfulVote,
    ReportReason,
    Review,
    ReviewEmailOptOut,
    ReviewPhoto,
    ReviewReport,
    ReviewResponse,
)
from reviews.selectors import review_eligibility
from shops.models import Product, ProductStatus

REVIEW_PHOTO = _images.ImageSpec(
    folder="reviews",
    variants={"thumb": _images.Variant(160, 160), "page": _images.Variant(1200, 1200, crop=False)},
)


def _touch_pages(product: Product, *, catalog: bool = True) -> None:
    """The product's and creator's pages (and the catalog cards' ratings) change on commit."""
    scopes = [creator_scope(product.shop.creator.handle)]
    pagecache.touch(*([pagecache.CATALOG, *scopes] if catalog else scopes))


def _move_rating(product_id: int, *, count: int, total: int) -> None:
    if count or total:
        Product.objects.filter(pk=product_id).update(
            rating_count=F("rating_count") + count, rating_sum=F("rating_sum") + total
        )


# Reviews -----------------------------------------------------------------------------------


@dataclass
class ReviewInput:
    rating: int | None
    title: str = ""
    body: str = ""
    photos: list[CleanImage] = field(default_factory=list)
    remove_photo_ids: list[int] = field(default_factory=list)


def _validate(data: ReviewInput, *, existing_photos: int) -> None:
    errors: dict[str, list[str]] = {}
    if data.rating is None:
        errors["rating"] = ["Choose a rating from 1 to 5 stars."]
    elif not isinstance(data.rating, int) or not RATING_MIN <= data.rating <= RATING_MAX:
        errors["rating"] = [f"A rating is 1 to 5 stars; {data.rating!r} is not."]
    if len(data.title) > REVIEW_TITLE_MAX:
        errors["title"] = [f"Keep the title to {REVIEW_TITLE_MAX} characters."]
    if len(data.body) > REVIEW_TEXT_MAX:
        errors["body"] = [
            f"Keep the review to {REVIEW_TEXT_MAX:,} characters; this one has {len(data.body):,}."
        ]
    photo_total = existing_photos + len(data.photos)
    if photo_total > MAX_REVIEW_PHOTOS:
        errors["photos"] = [
            f"A review can have at most {MAX_REVIEW_PHOTOS} photos; this would make {photo_total}."
        ]
    if errors:
        raise ValidationError(errors)


def review_write(*, author: User, product: Product, data: ReviewInput) -> tuple[Review, bool]:
    """Write the fan's review of `product`, or edit it if they already wrote one.

    Returns (review, created). Refuses, changing nothing, anyone who has not bought it.
    """
    data.title, data.body = data.title.strip(), data.body.strip()
    with _images.discard_on_error(), transaction.atomic():
        eligibility = review_eligibility(user=author, product=product)
        if not eligibility.allowed:
            raise ValidationError(eligibility.reason, code=eligibility.code)
        review = Review.objects.select_for_update().filter(product=product, author=author).first()
        old_photos = list(review.photos.all()) if review else []
        removed = [p for p in old_photos if p.pk in set(data.remove_photo_ids)]
        _validate(data, existing_photos=len(old_photos) - len(removed))
        created = review is None
        if created:
            try:
                with transaction.atomic():  # a double submit: the second one edits
                    review = Review.objects.create(
                        product=product, author=author, rating=data.rating,
                        title=data.title, body=data.body,
                    )  # fmt: skip
            except IntegrityError:
                return review_write(author=author, product=product, data=data)
            _move_rating(product.pk, count=1, total=data.rating)
        else:
            if not review.is_hidden:
                _move_rating(product.pk, count=0, total=data.rating - review.rating)
            review.rating, review.title, review.body = data.rating, data.title, data.body
            review.edited_at = timezone.now()
        if removed:
            ReviewPhoto.objects.filter(pk__in=[p.pk for p in removed]).delete()
            names = [n for p in removed for n in (p.image.name, *p.variants.values())]
            transaction.on_commit(lambda: _images.delete_files(names))
        position = max((p.position for p in old_photos if p not in removed), default=-1) + 1
        for offset, photo in enumerate(data.photos):
            stored = _images.store_image(photo, REVIEW_PHOTO)
            ReviewPhoto.objects.create(
                review=review, image=stored.name, variants=stored.variants,
                position=position + offset,
            )  # fmt: skip
        review.photo_count = len(old_photos) - len(removed) + len(data.photos)
        review.save()
        event_record(
            kind=EventKind.REVIEW,
            actor=author,
            creator=product.shop.creator,
            target=review,
            payload={
                "product_id": product.pk,
                "rating": review.rating,
                "edited": not created,
                "photos": review.photo_count,
            },
        )
        _touch_pages(product)
    return review, created


def review_set_hidden(*, review: Review, hidden: bool) -> Review:
    """Staff moderation: a hidden review leaves the page and the rating; restoring it
    puts both back. Doing it twice changes nothing the second time."""
    with transaction.atomic():
        locked = (
            Review.objects.select_for_update(of=("self",))
            .select_related("product__shop__creator")
            .get(pk=review.pk)
        )
        if locked.is_hidden == hidden:
            return locked
        sign = -1 if hidden else 1
        _move_rating(locked.product_id, count=sign, total=sign * locked.rating)
        locked.is_hidden = hidden
        locked.hidden_at = timezone.now() if hidden else None
        locked.save(update_fields=["is_hidden", "hidden_at", "updated_at"])
        if hidden:
            ReviewReport.objects.filter(review=locked, resolved_at__isnull=True).update(
                resolved_at=timezone.now()
            )
        _touch_pages(locked.product)
    review.is_hidden, review.hidden_at = locked.is_hidden, locked.hidden_at
    return locked


# Creator responses -------------------------------------------------------------------------


def review_respond(*, creator_user: User, review: Review, body: str) -> ReviewResponse:
    """The product's creator answers a review in public (once; again edits the answer).

    `review` must come from `review_get_for_product_owner`, which 404s for anyone else;
    the owner check is repeated here so no caller can skip it.
    """
    body = body.strip()
    if review.product.shop.creator.user_id != creator_user.pk:
        raise Http404("No review.")
    if not body:
        raise ValidationError({"body": ["Write your response first."]})
    if len(body) > REVIEW_TEXT_MAX:
        raise ValidationError({"body": [f"Keep the response to {REVIEW_TEXT_MAX:,} characters."]})
    with transaction.atomic():
        response, created = ReviewResponse.objects.select_for_update().get_or_create(
            review=review, defaults={"author": creator_user, "body": body}
        )
        if not created:
            response.body = body
            response.save(update_fields=["body", "updated_at"])
        event_record(
            kind=EventKind.REVIEW_RESPONSE,
            actor=creator_user,
            creator=review.product.shop.creator,
            target=response,
            payload={
                "review_id": review.pk,
                "product_id": review.product_id,
                "edited": not created,
            },
        )
        _touch_pages(review.product, catalog=False)
    return response


# Featuring on the creator's page ----------------------------------------------------------


def review_feature(*, creator_user: User, review: Review, feature: bool) -> bool:
    """The product's creator shows a review on their page ("From our fans"), or stops;
    returns whether it is featured. `review` must come from
    `review_get_for_product_owner` (404 for anyone else); the check is repeated here."""
    creator = review.product.shop.creator
    if creator.user_id != creator_user.pk:
        raise Http404("No review.")
    if not feature:
        featuring.featured_remove(creator=creator, target=review)
        return False
    if review.is_hidden:
        raise ValidationError(
            "Our team hid this review, so it can’t be featured.", code="review_hidden"
        )
    featuring.featured_add(creator=creator, target=review, fan=review.author)
    return True


def _review_visible(review: Review) -> bool:
    return not review.is_hidden and review.product.status == ProductStatus.PUBLISHED


def review_featurable_register() -> None:
    """Let creators feature reviews (from ReviewsConfig.ready: creators never imports us)."""
    featuring.featurable_register(
        Review,
        noun="review",
        queryset=lambda: Review.objects.select_related("author", "product__shop__creator"),
        visible=_review_visible,
        template="reviews/partials/featured_review.html",
    )


# Helpful votes -----------------------------------------------------------------------------


def review_helpful_toggle(*, user: User, review: Review) -> tuple[Review, bool]:
    """Mark a review helpful, or take the mark back; returns (review, now_voted)."""
    if review.author_id == user.pk:
        raise ValidationError("You can’t mark your own review as helpful.", code="own_review")
    with transaction.atomic():
        deleted, _ = HelpfulVote.objects.filter(review=review, user=user).delete()
        if deleted:
            Review.objects.filter(pk=review.pk).update(helpful_count=F("helpful_count") - 1)
            voted = False
        else:
            try:
                with transaction.atomic():
                    HelpfulVote.objects.create(review=review, user=user)
            except IntegrityError:  # a double click landed first: already voted
                return Review.objects.get(pk=review.pk), True
            Review.objects.filter(pk=review.pk).update(helpful_count=F("helpful_count") + 1)
            voted = True
            event_record(
                kind=EventKind.REACTION,
                actor=user,
                creator=review.product.shop.creator,
                target=review,
                payload={
                    "target": "review",
                    "reaction": "helpful",
                    "product_id": review.product_id,
                },
            )
        # Helpful counts show on the product page only, not on catalog cards.
        _touch_pages(review.product, catalog=False)
    review.refresh_from_db(fields=["helpful_count"])
    return review, voted


# Reports -----------------------------------------------------------------------------------


def review_report(*, reporter: User, review: Review, reason: str, note: str = "") -> bool:
    """Flag a review for staff. Returns False if this person had reported it already."""
    note = note.strip()
    if reason not in ReportReason.values:
        raise ValidationError({"reason": ["Choose why you are reporting this review."]})
    if len(note) > 1000:
        raise ValidationError({"note": ["Keep the note to 1,000 characters."]})
    with transaction.atomic():
        _, created = ReviewReport.objects.get_or_create(
            review=review, reporter=reporter, defaults={"reason": reason, "note": note}
        )
    return created


# Preferences -------------------------------------------------------------------------------


def review_requests_set_enabled(*, user: User, enabled: bool) -> None:
    with transaction.atomic():
        if enabled:
            ReviewEmailOptOut.objects.filter(user=user).delete()
        else:
            ReviewEmailOptOut.objects.get_or_create(user=user)
