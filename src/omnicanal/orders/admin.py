"""Read-only admin views of the order book (changes go through the console and the services)."""

from django.contrib import admin

from omnicanal.core.admin import ReadOnlyAdmin
from omnicanal.orders.models import Cart, Dispute, Fulfillment, Order, Payment, Refund, Return


@admin.register(Order)
class OrderAdmin(ReadOnlyAdmin):
    list_display = ("public_id", "channel", "status", "delivery_method", "total", "placed_at")
    list_filter = ("channel", "status", "delivery_method")
    search_fields = ("public_id", "customer_id")


@admin.register(Fulfillment)
class FulfillmentAdmin(ReadOnlyAdmin):
    list_display = ("public_id", "location", "handover_location", "method", "status", "updated_at")
    list_filter = ("method", "status", "location")


@admin.register(Payment)
class PaymentAdmin(ReadOnlyAdmin):
    list_display = ("public_id", "method", "provider", "status", "amount", "refunded")
    list_filter = ("method", "provider", "status")


for model in (Cart, Refund, Return, Dispute):
    admin.site.register(model, ReadOnlyAdmin)
