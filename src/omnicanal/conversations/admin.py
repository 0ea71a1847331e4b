"""Django admin (role admin only): a read-mostly view of the inbox's tables for support."""

from django.contrib import admin

from omnicanal.conversations.models import (
    AgentProfile,
    CannedReply,
    Conversation,
    Message,
    SlaPolicy,
    Team,
    Ticket,
)


@admin.register(Conversation)
class ConversationAdmin(admin.ModelAdmin):
    list_display = ("public_id", "customer_id", "status", "priority", "assignee", "team", "last_channel", "last_message_at")
    list_filter = ("status", "priority", "last_channel", "team")
    search_fields = ("public_id", "customer_id", "subject")
    readonly_fields = ("public_id", "customer_id", "created_at", "updated_at")


@admin.register(Message)
class MessageAdmin(admin.ModelAdmin):
    list_display = ("public_id", "conversation", "direction", "channel", "author", "status", "created_at")
    list_filter = ("direction", "channel", "status", "author")
    search_fields = ("public_id", "external_id")
    readonly_fields = ("public_id", "conversation", "external_id", "created_at")


@admin.register(Ticket)
class TicketAdmin(admin.ModelAdmin):
    list_display = ("number", "public_id", "category", "status", "team", "resolution_due")
    list_filter = ("status", "category", "team")
    search_fields = ("public_id", "order_ref", "return_ref")


admin.site.register(Team)
admin.site.register(AgentProfile)
admin.site.register(SlaPolicy)
admin.site.register(CannedReply)
