from django.contrib import admin

from omnicanal.catalog.models import Brand, Category, Channel, Listing, Product, Variant


@admin.register(Category)
class CategoryAdmin(admin.ModelAdmin):
    list_display = ["slug", "name_es", "parent", "purchase_cycle", "replenish_days", "return_window_days"]
    list_filter = ["purchase_cycle"]


@admin.register(Brand)
class BrandAdmin(admin.ModelAdmin):
    list_display = ["slug", "name"]


class VariantInline(admin.TabularInline):
    model = Variant
    fields = ["sku", "gtin", "attributes", "price", "position"]
    extra = 0


@admin.register(Product)
class ProductAdmin(admin.ModelAdmin):
    list_display = ["public_id", "handle", "name_es", "category", "brand", "base_price", "active"]
    search_fields = ["handle", "name_es", "variants__sku"]
    list_filter = ["category", "brand", "active"]
    readonly_fields = ["public_id", "created_at", "updated_at"]
    inlines = [VariantInline]


@admin.register(Channel)
class ChannelAdmin(admin.ModelAdmin):
    list_display = ["code", "name", "reference", "price_above_pct", "price_below_pct", "publish_by_default", "active"]


@admin.register(Listing)
class ListingAdmin(admin.ModelAdmin):
    list_display = ["variant", "channel", "price", "title_es", "published", "updated_at"]
    list_filter = ["channel", "published"]
    search_fields = ["variant__sku"]
