"""Staff moderation: hide and restore reviews (through the service, so ratings follow),
read reports. Reviews are never deleted here: hiding keeps the rating totals right."""

from django.contrib import admin
from django.db.models import Count, Q
from django.utils import timezone

from reviews.models import (
    HelpfulVote,
    Review,
    ReviewPhoto,
    ReviewReport,
    ReviewRequest,
    ReviewResponse,
)
from reviews.services import review_set_hidden
from shops.admin import _apply_service


def _set_hidden(model_admin, request, reviews, *, hidden: bool) -> None:
    _apply_service(
        model_admin,
        request,
        reviews,
        lambda review: review_set_hidden(review=review, hidden=hidden),
        "{} review(s) " + ("hidden." if hidden else "restored."),
    )


class ReviewPhotoInline(admin.TabularInline):
    model = ReviewPhoto
    extra = 0
    fields = ["position", "image"]
    readonly_fields = ["position", "image"]
    can_delete = False


class ReviewResponseInline(admin.StackedInline):
    model = ReviewResponse
    extra = 0
    fields = ["author", "body", "created_at"]
    readonly_fields = ["author", "body", "created_at"]
    can_delete = False


@admin.register(Review)
class ReviewAdmin(admin.ModelAdmin):
    list_display = [
        "__str__", "product", "author", "rating", "is_hidden", "open_reports",
        "helpful_count", "created_at",
    ]  # fmt: skip
    list_filter = ["is_hidden", "rating", "created_at"]
    search_fields = [
        "title",
        "body",
        "author__email",
        "product__title",
        "product__shop__creator__handle",
    ]
    list_select_related = ["product", "author"]
    raw_id_fields = ["product", "author"]
    date_hierarchy = "created_at"
    # Content and visibility change only through the services (ratings move with them).
    readonly_fields = [
        "product", "author", "rating", "title", "body", "is_hidden", "hidden_at",
        "photo_count", "helpful_count", "created_at", "edited_at",
    ]  # fmt: skip
    inlines = [ReviewPhotoInline, ReviewResponseInline]
    actions = ["hide_reviews", "restore_reviews"]

    def get_queryset(self, request):
        return (
            super()
            .get_queryset(request)
            .annotate(
                open_report_count=Count("reports", filter=Q(reports__resolved_at__isnull=True))
            )
        )

    @admin.display(description="Open reports", ordering="open_report_count")
    def open_reports(self, obj):
        return obj.open_report_count

    def has_add_permission(self, request):
        return False  # reviews come from buyers only

    def has_delete_permission(self, request, obj=None):
        return False  # hide instead: deleting would bypass the rating totals

    @admin.action(description="Hide selected reviews (off the page and the rating)")
    def hide_reviews(self, request, queryset):
        _set_hidden(self, request, queryset, hidden=True)

    @admin.action(description="Restore selected reviews")
    def restore_reviews(self, request, queryset):
        _set_hidden(self, request, queryset, hidden=False)


@admin.register(ReviewReport)
class ReviewReportAdmin(admin.ModelAdmin):
    list_display = ["review", "reason", "reporter", "created_at", "resolved_at"]
    list_filter = [("resolved_at", admin.EmptyFieldListFilter), "reason", "created_at"]
    list_select_related = ["review", "reporter"]
    raw_id_fields = ["review", "reporter"]
    readonly_fields = ["review", "reporter", "reason", "note", "created_at", "resolved_at"]
    actions = ["hide_reported_reviews", "dismiss_reports"]

    def has_add_permission(self, request):
        return False

    @admin.action(description="Hide the reported reviews (resolves their reports)")
    def hide_reported_reviews(self, request, queryset):
        reviews = Review.objects.filter(pk__in=queryset.values("review_id"))
        _set_hidden(self, request, reviews, hidden=True)

    @admin.action(description="Dismiss the selected reports (keep the reviews)")
    def dismiss_reports(self, request, queryset):
        count = queryset.filter(resolved_at__isnull=True).update(resolved_at=timezone.now())
        self.message_user(request, f"{count} report(s) dismissed.")


@admin.register(ReviewRequest)
class ReviewRequestAdmin(admin.ModelAdmin):
    list_display = ["order", "outcome", "created_at"]
    list_filter = ["outcome", "created_at"]
    list_select_related = ["order"]
    raw_id_fields = ["order"]
    readonly_fields = ["order", "outcome", "created_at"]


admin.site.register(
    HelpfulVote, raw_id_fields=["review", "user"], list_display=["review", "user", "created_at"]
)
