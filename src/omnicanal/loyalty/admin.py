"""Read-only views of the ledger for admins: the ledger is changed by services only."""

from django.contrib import admin

from omnicanal.core.admin import ReadOnlyAdmin
from omnicanal.loyalty.models import (
    Account,
    Coupon,
    CouponUse,
    Entry,
    GiftCard,
    Program,
    Tier,
    Transfer,
    ValueGrant,
)


@admin.register(Account)
class AccountAdmin(ReadOnlyAdmin):
    list_display = ["public_id", "owner_kind", "owner_id", "kind", "unit", "balance", "pending", "closed_at"]
    list_filter = ["owner_kind", "kind", "unit"]
    search_fields = ["public_id", "owner_id"]


@admin.register(Transfer)
class TransferAdmin(ReadOnlyAdmin):
    list_display = ["public_id", "created_at", "kind", "status", "amount", "unit", "debit", "credit", "reference"]
    list_filter = ["kind", "status", "unit"]
    search_fields = ["public_id", "key", "reference", "payment"]


@admin.register(Entry)
class EntryAdmin(ReadOnlyAdmin):
    list_display = ["id", "created_at", "account", "amount", "unit", "balance_after", "transfer"]
    list_filter = ["unit"]


@admin.register(GiftCard)
class GiftCardAdmin(ReadOnlyAdmin):
    list_display = ["public_id", "issued_at", "currency", "initial_amount", "expires_at", "blocked_at"]
    exclude = ["pin_hash", "code"]


@admin.register(Coupon)
class CouponAdmin(ReadOnlyAdmin):
    list_display = ["code", "kind", "value", "uses", "max_uses", "active", "ends_at"]
    search_fields = ["code"]


@admin.register(CouponUse)
class CouponUseAdmin(ReadOnlyAdmin):
    list_display = ["coupon", "order_ref", "customer_id", "channel", "discount", "used_at", "released_at"]


admin.site.register(Program, ReadOnlyAdmin)
admin.site.register(Tier, ReadOnlyAdmin)


@admin.register(ValueGrant)
class ValueGrantAdmin(ReadOnlyAdmin):
    list_display = ("public_id", "kind", "status", "customer_id", "amount", "currency", "requested_by", "requested_at",
                    "decided_by")
    list_filter = ("status", "kind")
