from django.contrib import admin

from omnicanal.core.admin import ReadOnlyAdmin
from omnicanal.marketplaces.models import ApiCall, Notification


@admin.register(Notification)
class NotificationAdmin(ReadOnlyAdmin):
    list_display = ("account", "topic", "resource", "status", "attempts", "received_at")
    list_filter = ("status", "topic")


@admin.register(ApiCall)
class ApiCallAdmin(ReadOnlyAdmin):
    list_display = ("account", "key", "status", "attempts", "last_status_code", "created_at")
    list_filter = ("status",)
