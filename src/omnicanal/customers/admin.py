from django.contrib import admin

from omnicanal.core.admin import ReadOnlyAdmin
from omnicanal.customers.models import Customer, Identity, MergeRecord, MergeSuggestion


class IdentityInline(admin.TabularInline):
    model = Identity
    extra = 0
    readonly_fields = ["kind", "value", "verified", "source_channel", "first_seen_at", "last_seen_at"]
    can_delete = False


@admin.register(Customer)
class CustomerAdmin(ReadOnlyAdmin):
    """Read-only: customers change through services (console pages and the API), never here."""

    list_display = ["public_id", "name", "anonymous", "merged_into", "erased_at", "created_at"]
    search_fields = ["public_id", "name_key"]
    list_filter = ["anonymous"]
    inlines = [IdentityInline]


@admin.register(MergeSuggestion)
class MergeSuggestionAdmin(admin.ModelAdmin):
    list_display = ["public_id", "customer_a", "customer_b", "score", "status", "created_at", "decided_by"]
    list_filter = ["status"]

    def has_change_permission(self, request, obj=None):
        return False


@admin.register(MergeRecord)
class MergeRecordAdmin(admin.ModelAdmin):
    list_display = ["survivor", "merged", "at", "reason", "actor"]

    def has_change_permission(self, request, obj=None):
        return False
