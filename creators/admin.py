from django.contrib import admin, messages
from django.contrib.auth.admin import UserAdmin as DjangoUserAdmin
from django.db import transaction
from django.utils.html import format_html

from core import images
from creators import moderation, rollup
from creators.models import (
    Block,
    Comment,
    CreatorMetricsDay,
    CreatorProfile,
    EngagementEvent,
    FanBadge,
    FanFollow,
    FanoutChunk,
    FanProfile,
    FanRelationship,
    FeaturedItem,
    Follow,
    Post,
    PostImage,
    Report,
    ReportStatus,
    ThankYouNote,
    User,
)


class _ReadOnlyAdmin(admin.ModelAdmin):
    """Support reads these; creators write them through their pages. Staff may delete
    (an abusive note, a featured item) but not invent or edit them."""

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False


class _LedgerAdmin(_ReadOnlyAdmin):
    """The outbox's books: what happened, never edited nor deleted by hand."""

    def has_delete_permission(self, request, obj=None):
        return False


@admin.register(User)
class UserAdmin(DjangoUserAdmin):
    ordering = ["-date_joined"]
    list_display = ["email", "name", "is_active", "is_staff", "date_joined", "last_login"]
    list_filter = ["is_active", "is_staff", "is_superuser", "date_joined"]
    search_fields = ["email", "name", "creator_profile__handle"]
    fieldsets = [
        (None, {"fields": ["email", "password"]}),
        ("Profile", {"fields": ["name"]}),
        (
            "Permissions",
            {"fields": ["is_active", "is_staff", "is_superuser", "groups", "user_permissions"]},
        ),
        ("Dates", {"fields": ["last_login", "date_joined"]}),
    ]
    add_fieldsets = [
        (None, {"classes": ["wide"], "fields": ["email", "password1", "password2"]}),
    ]


@admin.register(CreatorProfile)
class CreatorProfileAdmin(admin.ModelAdmin):
    list_display = ["handle", "display_name", "user", "is_featured", "created_at", "avatar_preview"]
    list_filter = ["is_featured", "created_at"]
    list_editable = ["is_featured"]
    search_fields = ["handle", "display_name", "user__email"]
    list_select_related = ["user"]
    raw_id_fields = ["user"]
    # Images change only through the validated upload path or the removal action below.
    readonly_fields = ["avatar", "banner", "avatar_preview", "created_at", "updated_at"]
    actions = ["remove_images"]
    date_hierarchy = "created_at"

    def save_model(self, request, obj, form, change):
        with transaction.atomic():
            super().save_model(request, obj, form, change)
            if change and "time_zone" in form.changed_data:
                # The creator's metrics days begin at another hour now: rebuild them.
                rollup.metrics_recompute_request(creator=obj)

    @admin.display(description="Avatar")
    def avatar_preview(self, obj):
        url = obj.avatar_urls.get("sm")
        if not url:
            return "—"
        return format_html('<img src="{}" alt="" width="32" height="32">', url)

    @admin.action(description="Remove avatar and banner (moderation)")
    def remove_images(self, request, queryset):
        for profile in queryset:
            old = [profile.avatar.name, profile.banner.name]
            old += [*profile.avatar_variants.values(), *profile.banner_variants.values()]
            with transaction.atomic():
                profile.avatar = profile.banner = ""
                profile.avatar_variants = profile.banner_variants = {}
                profile.save(
                    update_fields=[
                        "avatar",
                        "banner",
                        "avatar_variants",
                        "banner_variants",
                        "updated_at",
                    ]
                )
                transaction.on_commit(lambda old=old: images.delete_files(old))
        messages.success(request, f"Removed the images of {queryset.count()} creator(s).")


@admin.register(Follow)
class FollowAdmin(admin.ModelAdmin):
    list_display = ["follower", "followed", "created_at"]
    search_fields = ["follower__email", "followed__email", "followed__creator_profile__handle"]
    list_select_related = ["follower", "followed"]
    raw_id_fields = ["follower", "followed"]
    date_hierarchy = "created_at"


@admin.register(FanProfile)
class FanProfileAdmin(admin.ModelAdmin):
    """Staff can make a profile private (e.g. an abusive name); saving touches the cached
    pages that named the fan (core/pagecache.py)."""

    list_display = ["user", "public_id", "is_public", "made_public_at", "updated_at"]
    list_filter = ["is_public"]
    search_fields = ["user__email", "user__name", "public_id"]
    list_select_related = ["user"]
    raw_id_fields = ["user"]
    readonly_fields = ["public_id", "made_public_at"]


@admin.register(FanFollow)
class FanFollowAdmin(admin.ModelAdmin):
    list_display = ["follower", "followed", "created_at"]
    search_fields = ["follower__email", "followed__email", "followed__fan_profile__public_id"]
    list_select_related = ["follower", "followed"]
    raw_id_fields = ["follower", "followed"]
    date_hierarchy = "created_at"


@admin.register(EngagementEvent)
class EngagementEventAdmin(_LedgerAdmin):
    """Read-only: the event log is append-only history."""

    list_display = [
        "id",
        "kind",
        "actor",
        "creator",
        "target_type",
        "target_id",
        "created_at",
        "planned_at",
        "dispatched_at",
    ]
    list_filter = ["kind", ("dispatched_at", admin.EmptyFieldListFilter), "created_at"]
    search_fields = ["actor__email", "creator__handle"]
    list_select_related = ["actor", "creator", "target_type"]
    date_hierarchy = "created_at"
    show_full_result_count = False


@admin.register(FanoutChunk)
class FanoutChunkAdmin(_LedgerAdmin):
    """Read-only: the outbox's books (creators/outbox.py); `manage.py outbox_status`."""

    list_display = ["event", "after", "upto", "created_at", "done_at"]
    list_filter = [("done_at", admin.EmptyFieldListFilter)]
    raw_id_fields = ["event"]
    show_full_result_count = False


class _DerivedAdmin(_ReadOnlyAdmin):
    """Roll-up rows are recomputed from events (`manage.py metrics_rollup`), never edited."""


@admin.register(CreatorMetricsDay)
class CreatorMetricsDayAdmin(_DerivedAdmin):
    """Site-wide overview: the newest day first, its creators by ROR score. Each
    creator's dates are days in that creator's time zone."""

    list_display = [
        "date",
        "creator",
        "ror_score",
        "followers",
        "engaged_fans",
        "comments",
        "answered_48h",
        "unanswered",
        "orders",
        "revenue",
        "reviews",
    ]
    ordering = ["-date", "-ror_score"]
    date_hierarchy = "date"
    search_fields = ["creator__handle"]
    list_select_related = ["creator"]


@admin.register(FanRelationship)
class FanRelationshipAdmin(_DerivedAdmin):
    list_display = [
        "creator",
        "fan",
        "stage",
        "is_follower",
        "interactions",
        "purchases",
        "spent",
        "last_interaction_at",
        "is_fading",
    ]
    list_filter = ["stage", "is_fading", "is_follower"]
    search_fields = ["creator__handle", "fan__email"]
    list_select_related = ["creator", "fan"]
    raw_id_fields = ["creator", "fan", "last_comment_event"]


@admin.register(FanBadge)
class FanBadgeAdmin(_DerivedAdmin):
    """Rebuilt from events after each roll-up (creators/badges.py), never edited."""

    list_display = ["creator", "fan", "kind", "rank", "count", "updated_at"]
    list_filter = ["kind"]
    search_fields = ["creator__handle", "fan__email"]
    list_select_related = ["creator", "fan"]
    raw_id_fields = ["creator", "fan"]


@admin.register(FeaturedItem)
class FeaturedItemAdmin(_ReadOnlyAdmin):
    list_display = ["creator", "fan", "target_type", "target_id", "created_at"]
    search_fields = ["creator__handle", "fan__email"]
    list_select_related = ["creator", "fan", "target_type"]
    raw_id_fields = ["creator", "fan"]


@admin.register(ThankYouNote)
class ThankYouNoteAdmin(_ReadOnlyAdmin):
    list_display = ["creator", "fan", "sent_on", "body"]
    date_hierarchy = "created_at"
    search_fields = ["creator__handle", "fan__email", "body"]
    list_select_related = ["creator", "fan"]
    raw_id_fields = ["creator", "fan"]


class PostImageInline(admin.TabularInline):
    model = PostImage
    extra = 0
    fields = ["position", "image", "alt_text"]
    readonly_fields = ["image"]  # images enter only through the validated upload path


@admin.register(Post)
class PostAdmin(admin.ModelAdmin):
    """Staff can read and correct posts; publishing goes through the Studio or the
    scheduler, so the post_published event is recorded exactly once."""

    list_display = ["id", "creator", "status", "visibility", "is_question", "published_at"]
    list_filter = ["status", "visibility", "is_question", "published_at"]
    search_fields = ["body", "creator__email", "creator__creator_profile__handle"]
    list_select_related = ["creator"]
    raw_id_fields = ["creator"]
    readonly_fields = ["body", "status", "publish_at", "published_at", "created_at", "updated_at"]
    inlines = [PostImageInline]
    date_hierarchy = "created_at"
    show_full_result_count = False


# Conversation and moderation ---------------------------------------------------------------


@admin.register(Comment)
class CommentAdmin(admin.ModelAdmin):
    """Staff read comments and hide or show them; text changes only through the site."""

    list_display = ["id", "author", "creator", "post", "target_type", "is_hidden", "created_at"]
    list_filter = ["is_hidden", ("deleted_at", admin.EmptyFieldListFilter), "created_at"]
    search_fields = ["body", "author__email", "creator__creator_profile__handle"]
    list_select_related = ["author", "creator", "target_type"]
    raw_id_fields = ["author", "creator", "post", "parent"]
    readonly_fields = [
        "body",
        "created_at",
        "edited_at",
        "deleted_at",
        "first_response_at",
        "handled_at",
        "reaction_count",
    ]
    actions = ["hide", "unhide"]
    date_hierarchy = "created_at"
    show_full_result_count = False

    @admin.action(description="Hide the selected comments")
    def hide(self, request, queryset):
        changed = sum(moderation.comment_set_hidden(comment=c, hidden=True) for c in queryset)
        messages.success(request, f"Hid {changed} comment(s).")

    @admin.action(description="Show the selected comments again")
    def unhide(self, request, queryset):
        changed = sum(moderation.comment_set_hidden(comment=c, hidden=False) for c in queryset)
        messages.success(request, f"Showed {changed} comment(s) again.")


class ReportStatusFilter(admin.SimpleListFilter):
    """Open reports unless staff pick another status (or all)."""

    title = "status"
    parameter_name = "status"

    def lookups(self, request, model_admin):
        return [*ReportStatus.choices, ("all", "All")]

    def queryset(self, request, queryset):
        value = self.value() or ReportStatus.OPEN
        return queryset if value == "all" else queryset.filter(status=value)

    def choices(self, changelist):
        current = self.value() or ReportStatus.OPEN
        for value, label in self.lookup_choices:
            yield {
                "selected": current == value,
                "query_string": changelist.get_query_string({self.parameter_name: value}),
                "display": label,
            }


@admin.register(Report)
class ReportAdmin(admin.ModelAdmin):
    """Open reports first (the default filter); bulk actions resolve them."""

    list_display = ["id", "status", "reason", "reported", "reporter", "created_at"]
    list_filter = [ReportStatusFilter, "reason", "created_at"]
    search_fields = ["details", "reporter__email", "comment__body", "post__body"]
    list_select_related = ["reporter", "comment__author", "post__creator"]
    raw_id_fields = ["reporter", "comment", "post", "resolved_by"]
    readonly_fields = ["created_at", "resolved_at", "resolved_by"]
    actions = ["hide_content", "dismiss", "suspend_authors"]
    date_hierarchy = "created_at"

    @admin.display(description="Reported")
    def reported(self, obj):
        if obj.comment_id:
            body = obj.comment.body or "(removed)"
            return f"Comment by {obj.comment.author}: {body[:80]}"
        return f"Post #{obj.post_id} by {obj.post.creator}"

    @admin.action(description="Hide the reported comments")
    def hide_content(self, request, queryset):
        hidden, skipped = moderation.reports_hide(reports=queryset, staff=request.user)
        messages.success(request, f"Hid {hidden} comment(s) and resolved their reports.")
        if skipped:
            messages.warning(
                request,
                f"{skipped} post report(s) left open: delete a post from its own admin page.",
            )

    @admin.action(description="Dismiss the selected reports")
    def dismiss(self, request, queryset):
        count = moderation.reports_dismiss(reports=queryset, staff=request.user)
        messages.success(request, f"Dismissed {count} report(s).")

    @admin.action(description="Suspend the authors (deactivate their accounts)")
    def suspend_authors(self, request, queryset):
        count = moderation.reports_suspend_authors(reports=queryset, staff=request.user)
        messages.success(request, f"Suspended {count} account(s); their reports are resolved.")


@admin.register(Block)
class BlockAdmin(admin.ModelAdmin):
    list_display = ["creator", "blocked", "created_at"]
    search_fields = ["creator__email", "blocked__email", "creator__creator_profile__handle"]
    list_select_related = ["creator", "blocked"]
    raw_id_fields = ["creator", "blocked"]
