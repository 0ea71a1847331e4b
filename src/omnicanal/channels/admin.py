"""Django admin (role admin only). Inbox settings hold secrets: edit them in Console → Channels."""

from django.contrib import admin

from omnicanal.channels.models import Inbox


@admin.register(Inbox)
class InboxAdmin(admin.ModelAdmin):
    list_display = ("name", "public_id", "channel", "team", "active")
    list_filter = ("channel", "active")
    exclude = ("config",)  # secrets are never shown
    readonly_fields = ("public_id", "created_at", "updated_at")
