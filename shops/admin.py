from django.contrib import admin, messages
from django.core.exceptions import ValidationError

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
    readonly_fields = ["description_html", "sales_count", "created_at", "updated_at"]
    filter_horizontal = ["tags"]
    inlines = [ProductImageInline]
    actions = ["archive"]
    date_hierarchy = "created_at"

    @admin.action(description="Archive (hide from fans)")
    def archive(self, request, queryset):
        # Through the service, so the status rules hold here too (archived stays archived).
        archived, refused = 0, 0
        for product in queryset:
            try:
                product_set_status(product=product, status=ProductStatus.ARCHIVED)
            except ValidationError:
                refused += 1
            else:
                archived += 1
        self.message_user(request, f"Archived {archived} product(s).")
        if refused:
            self.message_user(
                request,
                f"{refused} product(s) were already archived and stay as they are.",
                level=messages.WARNING,
            )


@admin.register(Tag)
class TagAdmin(admin.ModelAdmin):
    list_display = ["name", "slug"]
    search_fields = ["name"]
    prepopulated_fields = {"slug": ["name"]}
