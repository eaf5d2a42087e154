"""Verified-purchase reviews, creator responses, helpful votes, reports and review requests.

Every row here is written by `reviews.services`; the product's rating aggregates
(`shops.Product.rating_count/rating_sum`) move in the same transactions.
"""

from django.conf import settings
from django.contrib.contenttypes.fields import GenericRelation
from django.db import models
from django.utils import timezone

from core.images import VariantURLs
from creators.models import TimeStampedModel
from shops.models import Order, Product

RATING_MIN, RATING_MAX = 1, 5
REVIEW_TEXT_MAX = 5_000
REVIEW_TITLE_MAX = 120
MAX_REVIEW_PHOTOS = 4


class Review(TimeStampedModel):
    """One fan's review of one product: writing again edits it (unique per pair)."""

    product = models.ForeignKey(Product, on_delete=models.CASCADE, related_name="reviews")
    author = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="reviews"
    )
    rating = models.PositiveSmallIntegerField()
    title = models.CharField(max_length=REVIEW_TITLE_MAX, blank=True)
    body = models.TextField(max_length=REVIEW_TEXT_MAX, blank=True)
    photo_count = models.PositiveSmallIntegerField(default=0, editable=False)
    helpful_count = models.PositiveIntegerField(default=0, editable=False)
    is_hidden = models.BooleanField(
        default=False, help_text="Hidden by staff: not shown and not counted in the rating."
    )
    hidden_at = models.DateTimeField(null=True, blank=True, editable=False)
    edited_at = models.DateTimeField(null=True, blank=True, editable=False)
    # No column: deleting a review deletes its place on the creator's page.
    featured = GenericRelation(
        "creators.FeaturedItem", content_type_field="target_type", object_id_field="target_id"
    )

    class Meta:
        ordering = ["-created_at", "-id"]
        constraints = [
            models.UniqueConstraint(fields=["product", "author"], name="review_one_per_fan"),
            models.CheckConstraint(
                condition=models.Q(rating__gte=RATING_MIN, rating__lte=RATING_MAX),
                name="review_rating_1_to_5",
            ),
        ]
        indexes = [
            models.Index(fields=["product", "is_hidden", "-created_at"], name="review_newest_idx"),
            models.Index(
                fields=["product", "is_hidden", "-helpful_count"], name="review_helpful_idx"
            ),
            models.Index(fields=["product", "is_hidden", "rating"], name="review_rating_idx"),
        ]

    def __str__(self):
        return f"{self.rating}★ on {self.product_id} by {self.author_id}"

    def get_absolute_url(self):
        return f"{self.product.get_absolute_url()}#review-{self.pk}"

    @property
    def author_name(self) -> str:
        """Fans are shown by first name; without one, never by anything from their email."""
        return self.author.name.split(" ")[0] if self.author.name.strip() else "A fan"


class ReviewPhoto(models.Model):
    review = models.ForeignKey(Review, on_delete=models.CASCADE, related_name="photos")
    image = models.ImageField(upload_to="reviews/")
    variants = models.JSONField(default=dict, editable=False)
    position = models.PositiveSmallIntegerField(default=0)

    class Meta:
        ordering = ["position", "id"]

    def __str__(self):
        return f"photo {self.position} of review {self.review_id}"

    @property
    def urls(self):

        return VariantURLs(self.variants)


class ReviewResponse(TimeStampedModel):
    """The creator's one public answer to a review, shown under it with the Creator badge."""

    review = models.OneToOneField(Review, on_delete=models.CASCADE, related_name="response")
    author = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+")
    body = models.TextField(max_length=REVIEW_TEXT_MAX)

    class Meta:
        ordering = ["-created_at"]

    def __str__(self):
        return f"response to review {self.review_id}"


class HelpfulVote(models.Model):
    review = models.ForeignKey(Review, on_delete=models.CASCADE, related_name="helpful_votes")
    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+")
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["-created_at"]
        constraints = [
            models.UniqueConstraint(fields=["review", "user"], name="helpful_vote_once"),
        ]
        indexes = [models.Index(fields=["user", "review"], name="helpful_vote_user_idx")]

    def __str__(self):
        return f"{self.user_id} found {self.review_id} helpful"


class ReportReason(models.TextChoices):
    SPAM = "spam", "Spam or advertising"
    OFFENSIVE = "offensive", "Offensive or abusive"
    OFF_TOPIC = "off_topic", "Not about this product"
    PRIVATE = "private", "Shares private information"
    OTHER = "other", "Something else"


class ReviewReport(models.Model):
    """A signed-in user flags a review for staff; one report per person per review."""

    review = models.ForeignKey(Review, on_delete=models.CASCADE, related_name="reports")
    reporter = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+"
    )
    reason = models.CharField(max_length=16, choices=ReportReason.choices)
    note = models.TextField(max_length=1000, blank=True)
    created_at = models.DateTimeField(default=timezone.now)
    resolved_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-created_at"]
        constraints = [
            models.UniqueConstraint(fields=["review", "reporter"], name="review_report_once"),
        ]

    def __str__(self):
        return f"report of review {self.review_id}: {self.reason}"


class ReviewRequestOutcome(models.TextChoices):
    SENT = "sent", "Email sent"
    OPTED_OUT = "opted_out", "Fan turned these emails off"
    NOTHING_TO_REVIEW = "nothing", "Everything already reviewed (or gone)"


class ReviewRequest(models.Model):
    """The one review-request decision for an order: the periodic task writes it once,
    so a retried or overlapping run never emails a fan twice about the same order."""

    order = models.OneToOneField(Order, on_delete=models.CASCADE, related_name="review_request")
    outcome = models.CharField(max_length=16, choices=ReviewRequestOutcome.choices)
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["-created_at"]

    def __str__(self):
        return f"review request for order {self.order_id}: {self.outcome}"


class ReviewEmailOptOut(models.Model):
    """A fan who asked for no review-request emails (preferences page or unsubscribe link)."""

    user = models.OneToOneField(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="review_email_opt_out"
    )
    created_at = models.DateTimeField(default=timezone.now)

    def __str__(self):
        return f"no review requests for {self.user_id}"
