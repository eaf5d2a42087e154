from django.contrib import admin

from shops.models import Shop


@admin.register(Shop)
class ShopAdmin(admin.ModelAdmin):
    list_display = ["name", "creator", "currency", "is_open", "created_at"]
    list_filter = ["is_open", "currency", "created_at"]
    search_fields = ["name", "creator__handle", "creator__user__email"]
    list_select_related = ["creator"]
    raw_id_fields = ["creator"]
    date_hierarchy = "created_at"
