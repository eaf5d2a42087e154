from django.contrib import admin, messages
from django.core.exceptions import ValidationError

from creators.rich_text import markdown_to_html
from shops import downloads
from shops.models import Product, ProductImage, ProductStatus, Shop, Tag
from shops.services import product_set_status


@admin.register(Shop)
class ShopAdmin(admin.ModelAdmin):
    list_display = ["name", "creator", "currency", "is_open", "created_at"]
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
        # Through the service, so the status rules hold here too.
        changed, refused = 0, []
        for product in queryset:
            try:
                product_set_status(product=product, status=status)
            except ValidationError as exc:
                refused.append(f"{product}: {' '.join(exc.messages)}")
            else:
                changed += 1
        self.message_user(request, f"{done} {changed} product(s).")
        for message in refused:
            self.message_user(request, message, level=messages.WARNING)

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
