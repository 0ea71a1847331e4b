"""Read-only views of the ledger for admins: the ledger is changed by services only."""

from django.contrib import admin

from omnicanal.loyalty.models import Account, Coupon, CouponUse, Entry, GiftCard, Program, Tier, Transfer


class ReadOnly(admin.ModelAdmin):
    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False


@admin.register(Account)
class AccountAdmin(ReadOnly):
    list_display = ["public_id", "owner_kind", "owner_id", "kind", "unit", "balance", "pending", "closed_at"]
    list_filter = ["owner_kind", "kind", "unit"]
    search_fields = ["public_id", "owner_id"]


@admin.register(Transfer)
class TransferAdmin(ReadOnly):
    list_display = ["public_id", "created_at", "kind", "status", "amount", "unit", "debit", "credit", "reference"]
    list_filter = ["kind", "status", "unit"]
    search_fields = ["public_id", "key", "reference", "payment"]


@admin.register(Entry)
class EntryAdmin(ReadOnly):
    list_display = ["id", "created_at", "account", "amount", "unit", "balance_after", "transfer"]
    list_filter = ["unit"]


@admin.register(GiftCard)
class GiftCardAdmin(ReadOnly):
    list_display = ["public_id", "issued_at", "currency", "initial_amount", "expires_at", "blocked_at"]
    exclude = ["pin_hash", "code"]


@admin.register(Coupon)
class CouponAdmin(ReadOnly):
    list_display = ["code", "kind", "value", "uses", "max_uses", "active", "ends_at"]
    search_fields = ["code"]


@admin.register(CouponUse)
class CouponUseAdmin(ReadOnly):
    list_display = ["coupon", "order_ref", "customer_id", "channel", "discount", "used_at", "released_at"]


admin.site.register(Program, ReadOnly)
admin.site.register(Tier, ReadOnly)
