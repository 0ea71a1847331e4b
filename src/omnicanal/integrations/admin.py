from django.contrib import admin

from omnicanal.core.admin import ReadOnlyAdmin
from omnicanal.integrations.models import WebhookDelivery


@admin.register(WebhookDelivery)
class WebhookDeliveryAdmin(ReadOnlyAdmin):
    list_display = ("public_id", "endpoint", "event_name", "status", "attempts", "created_at")
    list_filter = ("status", "event_name")
    exclude = ("body",)  # may hold personal data (pii endpoints)
