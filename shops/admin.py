from django.contrib import admin, messages
from django.core.exceptions import ValidationError

from core import pagecache
from core.rich_text import markdown_to_html
from shops import downloads, lists
from shops import orders as order_services
from shops.models import (
    Checkout,
    Order,
    OrderItem,
    PostProduct,
    Product,
    ProductImage,
    ProductStatus,
    ShareLink,
    Shop,
    Tag,
    TastemakerList,
    TastemakerListItem,
    TastemakerListReport,
)
from shops.services import product_set_status


def _apply_service(model_admin, request, queryset, call, summary: str) -> None:
    """Run a service on each selected row (so its rules hold in admin too); report how
    many changed and why each refused one was refused."""
    changed, refused = 0, []
    for obj in queryset:
        try:
            call(obj)
        except ValidationError as exc:
            refused.append(f"{obj}: {' '.join(exc.messages)}")
        else:
            changed += 1
    model_admin.message_user(request, summary.format(changed))
    for message in refused:
        model_admin.message_user(request, message, level=messages.WARNING)


@admin.register(Shop)
class ShopAdmin(admin.ModelAdmin):
    list_display = [
        "name",
        "creator",
        "currency",
        "shipping_rate",
        "free_shipping_from",
        "is_open",
        "created_at",
    ]
    list_filter = ["is_open", "currency", "created_at"]
    search_fields = ["name", "creator__handle", "creator__user__email"]
    list_select_related = ["creator"]
    raw_id_fields = ["creator"]
    date_hierarchy = "created_at"


class ProductImageInline(admin.TabularInline):
    model = ProductImage
    extra = 0
    fields = ["position", "image", "alt_text"]
    readonly_fields = ["image"]  # images enter only through the validated upload path


@admin.register(Product)
class ProductAdmin(admin.ModelAdmin):
    list_display = [
        "title",
        "shop",
        "status",
        "kind",
        "price",
        "stock",
        "sales_count",
        "published_at",
    ]
    list_filter = ["status", "kind", "created_at", "tags"]
    search_fields = ["title", "sku", "slug", "shop__name", "shop__creator__handle"]
    list_select_related = ["shop"]
    raw_id_fields = ["shop"]
    # Status moves only through the actions below (the service's transition rules); the
    # digital file has no public URL, so the admin shows its name instead of a link.
    exclude = ["digital_file"]
    readonly_fields = [
        "status",
        "published_at",
        "download",
        "description_html",
        "sales_count",
        "created_at",
        "updated_at",
    ]
    filter_horizontal = ["tags"]
    inlines = [ProductImageInline]
    actions = ["archive", "back_to_draft"]
    date_hierarchy = "created_at"

    @admin.display(description="File to deliver")
    def download(self, obj):
        return downloads.digital_display_name(obj.digital_file.name) if obj.digital_file else "—"

    def save_model(self, request, obj, form, change):
        # Staff may fix a description; the page shows the sanitised rendering of it.
        obj.description_html = markdown_to_html(obj.description)
        super().save_model(request, obj, form, change)

    def _set_status(self, request, queryset, status: str, done: str) -> None:
        _apply_service(
            self,
            request,
            queryset,
            lambda product: product_set_status(product=product, status=status),
            f"{done} {{}} product(s).",
        )

    @admin.action(description="Archive (hide from fans)")
    def archive(self, request, queryset):
        self._set_status(request, queryset, ProductStatus.ARCHIVED, "Archived")

    @admin.action(description="Move back to draft (hide from fans)")
    def back_to_draft(self, request, queryset):
        self._set_status(request, queryset, ProductStatus.DRAFT, "Moved to draft")


@admin.register(Tag)
class TagAdmin(admin.ModelAdmin):
    list_display = ["name", "slug"]
    search_fields = ["name"]
    prepopulated_fields = {"slug": ["name"]}


# Orders --------------------------------------------------------------------------------------
# Status changes only through the services of shops/orders.py, so the state machine, stock,
# sales counts, events and emails hold here too. Order contents are snapshots: read-only.


class OrderItemInline(admin.TabularInline):
    model = OrderItem
    extra = 0
    fields = ["title", "kind", "unit_price", "quantity", "product"]
    readonly_fields = fields
    can_delete = False

    def has_add_permission(self, request, obj=None):
        return False


@admin.register(Order)
class OrderAdmin(admin.ModelAdmin):
    list_display = [
        "number",
        "shop",
        "email",
        "status",
        "subtotal",
        "shipping_cost",
        "total",
        "currency",
        "created_at",
    ]
    list_filter = ["status", "shop", "created_at", ("referral", admin.EmptyFieldListFilter)]
    search_fields = ["number", "email", "shop__name", "referral__code"]
    list_select_related = ["shop"]
    date_hierarchy = "created_at"
    inlines = [OrderItemInline]
    actions = ["mark_paid", "mark_delivered", "cancel"]
    readonly_fields = [
        "number",
        "checkout",
        "shop",
        "buyer",
        "email",
        "status",
        "currency",
        "subtotal",
        "shipping_cost",
        "total",
        "tracking_number",
        "tracking_url",
        "paid_at",
        "shipped_at",
        "delivered_at",
        "cancelled_at",
        "stock_returned",
        "cancelled_by_buyer",
        "referral",
        "referred_by",
        "show_on_profile",  # the buyer's own choice ("I bought this")
        "created_at",
        "updated_at",
    ]

    @admin.display(description="Referred by (share link's fan)")
    def referred_by(self, obj):
        return obj.referral.sharer if obj.referral_id else "—"

    def has_add_permission(self, request):
        return False

    def has_delete_permission(self, request, obj=None):
        return False

    def _apply(self, request, queryset, service, done: str) -> None:
        _apply_service(
            self,
            request,
            queryset,
            lambda order: service(order=order, by=request.user),
            f"{done} {{}} order(s).",
        )

    @admin.action(description="Mark paid")
    def mark_paid(self, request, queryset):
        self._apply(request, queryset, order_services.order_mark_paid, "Marked paid")

    @admin.action(description="Mark delivered")
    def mark_delivered(self, request, queryset):
        self._apply(request, queryset, order_services.order_mark_delivered, "Marked delivered")

    @admin.action(description="Cancel (returns stock; a paid order is then due a refund)")
    def cancel(self, request, queryset):
        self._apply(request, queryset, order_services.order_cancel, "Cancelled")


@admin.register(Checkout)
class CheckoutAdmin(admin.ModelAdmin):
    list_display = [
        "idempotency_key",
        "email",
        "total",
        "currency",
        "payment_provider",
        "created_at",
    ]
    list_filter = ["payment_provider", "created_at"]
    search_fields = ["email", "payment_reference", "idempotency_key"]
    date_hierarchy = "created_at"

    def get_readonly_fields(self, request, obj=None):
        return [field.name for field in self.model._meta.fields]

    def has_add_permission(self, request):
        return False

    def has_delete_permission(self, request, obj=None):
        return False

    def has_change_permission(self, request, obj=None):
        return False


@admin.register(PostProduct)
class PostProductAdmin(admin.ModelAdmin):
    """Which products a post features (written by the Studio post form)."""

    list_display = ["post", "product", "position"]
    search_fields = ["product__title", "post__creator__creator_profile__handle"]
    list_select_related = ["post", "product"]
    raw_id_fields = ["post", "product"]


@admin.register(ShareLink)
class ShareLinkAdmin(admin.ModelAdmin):
    """Fans' share links and what they brought (read-only: written by shops/referrals.py);
    the orders each is credited with are listed under Orders, filtered by referral."""

    list_display = ["code", "sharer", "target_kind", "creator", "visits", "purchases", "created_at"]
    search_fields = ["code", "sharer__email", "sharer__name", "creator__handle"]
    list_select_related = ["sharer", "creator"]
    date_hierarchy = "created_at"

    def get_readonly_fields(self, request, obj=None):
        return [field.name for field in self.model._meta.fields]

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False


# Tastemaker lists --------------------------------------------------------------------------
# Staff feature lists on the home page and hide reported ones; the home page is cached, so
# every change here touches the catalog scope (shops/lists.py does it for the actions).


class TastemakerListItemInline(admin.TabularInline):
    model = TastemakerListItem
    extra = 0
    fields = ["position", "product", "note", "added_at"]
    readonly_fields = fields
    can_delete = False

    def has_add_permission(self, request, obj=None):
        return False


@admin.register(TastemakerList)
class TastemakerListAdmin(admin.ModelAdmin):
    list_display = ["title", "author", "follower_count", "is_featured", "is_hidden", "created_at"]
    list_filter = ["is_featured", "is_hidden", "created_at"]
    search_fields = ["title", "author__email", "author__name"]
    list_select_related = ["author"]
    raw_id_fields = ["author"]
    readonly_fields = ["follower_count", "created_at", "updated_at"]
    inlines = [TastemakerListItemInline]
    actions = ["feature", "unfeature", "hide", "unhide"]
    date_hierarchy = "created_at"

    def save_model(self, request, obj, form, change):
        super().save_model(request, obj, form, change)
        pagecache.touch(pagecache.CATALOG)  # featured or not, it may be on the home page

    def delete_model(self, request, obj):
        super().delete_model(request, obj)
        pagecache.touch(pagecache.CATALOG)

    def delete_queryset(self, request, queryset):
        super().delete_queryset(request, queryset)
        pagecache.touch(pagecache.CATALOG)

    @admin.action(description="Feature on the home page")
    def feature(self, request, queryset):
        changed = lists.lists_set_featured(lists=queryset, featured=True)
        self.message_user(
            request, f"Featured {changed} list(s) (public ones show on the home page)."
        )

    @admin.action(description="Stop featuring")
    def unfeature(self, request, queryset):
        changed = lists.lists_set_featured(lists=queryset, featured=False)
        self.message_user(request, f"{changed} list(s) no longer featured.")

    @admin.action(description="Hide (only the author sees them; resolves their reports)")
    def hide(self, request, queryset):
        changed = lists.lists_set_hidden(lists=queryset, hidden=True, staff=request.user)
        self.message_user(request, f"Hid {changed} list(s).")

    @admin.action(description="Show again")
    def unhide(self, request, queryset):
        changed = lists.lists_set_hidden(lists=queryset, hidden=False, staff=request.user)
        self.message_user(request, f"{changed} list(s) visible again.")


@admin.register(TastemakerListReport)
class TastemakerListReportAdmin(admin.ModelAdmin):
    list_display = ["taste_list", "reporter", "reason", "status", "created_at"]
    list_filter = ["status", "reason", "created_at"]
    search_fields = ["taste_list__title", "reporter__email", "details"]
    list_select_related = ["taste_list", "reporter"]
    actions = ["hide_lists", "dismiss"]
    date_hierarchy = "created_at"

    def get_readonly_fields(self, request, obj=None):
        return [field.name for field in self.model._meta.fields]

    def has_add_permission(self, request):
        return False

    @admin.action(description="Hide the reported lists")
    def hide_lists(self, request, queryset):
        reported = TastemakerList.objects.filter(
            pk__in=queryset.values_list("taste_list_id", flat=True)
        )
        changed = lists.lists_set_hidden(lists=reported, hidden=True, staff=request.user)
        self.message_user(request, f"Hid {changed} list(s); their open reports are resolved.")

    @admin.action(description="Dismiss (nothing wrong)")
    def dismiss(self, request, queryset):
        changed = lists.list_reports_dismiss(reports=queryset, staff=request.user)
        self.message_user(request, f"Dismissed {changed} report(s).")
