from django.contrib import admin, messages
from django.contrib.auth.admin import UserAdmin
from django.utils.translation import gettext_lazy as _

from omnicanal.core import outbox
from omnicanal.core.models import ApiKey, AuditEntry, OutboxEvent, User


class ReadOnlyAdmin(admin.ModelAdmin):
    """Rows that change only through their domain's services (or never): the admin only shows them."""

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False


@admin.register(User)
class StaffAdmin(UserAdmin):
    list_display = ["username", "first_name", "last_name", "role", "locations", "is_active"]
    list_filter = ["role", "is_active"]
    fieldsets = [*(UserAdmin.fieldsets or ()), (_("Role"), {"fields": ["role", "locations", "language", "time_zone"]})]


@admin.register(ApiKey)
class ApiKeyAdmin(admin.ModelAdmin):
    list_display = ["prefix", "name", "role", "locations", "scopes", "created_at", "last_used_at", "revoked_at"]
    readonly_fields = ["prefix", "secret_hash", "created_at", "last_used_at"]
    list_filter = ["role"]


@admin.register(OutboxEvent)
class OutboxEventAdmin(admin.ModelAdmin):
    list_display = ["id", "topic", "status", "attempts", "created_at", "next_attempt_at", "dispatched_at"]
    list_filter = ["status", "topic"]
    readonly_fields = [f.name for f in OutboxEvent._meta.fields]
    actions = ["retry"]

    @admin.action(description=_("Retry the selected failed events"))
    def retry(self, request, queryset):
        count = outbox.retry_failed(list(queryset.values_list("pk", flat=True)))
        self.message_user(request, _("%(count)d events will be retried.") % {"count": count}, messages.SUCCESS)


@admin.register(AuditEntry)
class AuditEntryAdmin(ReadOnlyAdmin):
    list_display = ["at", "actor_name", "actor_role", "action", "target_type", "target_id"]
    list_filter = ["action", "actor_role"]
    search_fields = ["target_id", "actor_name", "action"]
    readonly_fields = ["note_text"]

    @admin.display(description=_("note"))
    def note_text(self, obj: AuditEntry) -> str:
        """The free-text reason about a person, kept beside the entry until that person is erased."""
        from omnicanal.core import audit

        return audit.reason_of(obj)
