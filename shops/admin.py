from django.contrib import admin

from shops.models import Product, ProductImage, ProductStatus, Shop, Tag


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
        updated = queryset.update(status=ProductStatus.ARCHIVED)
        self.message_user(request, f"Archived {updated} product(s).")


@admin.register(Tag)
class TagAdmin(admin.ModelAdmin):
    list_display = ["name", "slug"]
    search_fields = ["name"]
    prepopulated_fields = {"slug": ["name"]}
