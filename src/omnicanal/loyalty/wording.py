"""The loyalty domain's words for its codes (core/labels.py): accounts, movements, units."""

from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from omnicanal.core import labels
from omnicanal.loyalty.models import (
    AccountKind,
    Activity,
    CouponKind,
    GrantKind,
    GrantStatus,
    OwnerKind,
    RuleKind,
    TransferKind,
    TransferStatus,
)

labels.register("loyalty.owner_kind", OwnerKind.choices)
labels.register("loyalty.account_kind", AccountKind.choices)
labels.register("loyalty.transfer_kind", TransferKind.choices)
labels.register("loyalty.transfer_status", TransferStatus.choices)
labels.register("loyalty.rule_kind", RuleKind.choices)
labels.register("loyalty.activity", Activity.choices)
labels.register("loyalty.coupon_kind", CouponKind.choices)
labels.register("loyalty.grant_kind", GrantKind.choices)
labels.register("loyalty.grant_status", GrantStatus.choices)
# The unit an amount is counted in, as a word after the number ("Earned 120 points").
labels.register("loyalty.unit", {
    "points": _("points"),
    "coins": _("coins"),
})  # a stored-value amount's unit is its currency code (CLP), which reads the same everywhere
# Field names as staff read them beside a validation error (core.labels.field).
labels.register("loyalty.field", {
    "points": _("Points"),
    "pin": _("PIN"),
    "code": _("Code"),
    "max_uses": _("Maximum uses"),
    "customer_id": _("Customer id"),
    "value": _("Value"),
    "prefix": _("Prefix"),
    "count": _("How many codes"),
    "expires_at": _("Valid until"),
    "ends_at": _("Valid until"),
})

# Field names as staff read them beside a validation error (core.labels.field); the guard
# core/tests/test_field_labels.py fails on an API input field no vocabulary names.
labels.register("loyalty.field", {
    "purchaser_id": pgettext_lazy("field", "Buyer"),
    "buy_quantity": pgettext_lazy("field", "Quantity to buy"),
    "get_quantity": pgettext_lazy("field", "Quantity given"),
    "max_uses_per_customer": pgettext_lazy("field", "Maximum uses per customer"),
    "min_spend": pgettext_lazy("field", "Minimum spend"),
    "skus": pgettext_lazy("field", "Products (SKUs)"),
    "categories": pgettext_lazy("field", "Categories"),
    "channels": pgettext_lazy("field", "Channels"),
    "starts_at": pgettext_lazy("field", "Valid from"),
    "uses_per_code": pgettext_lazy("field", "Uses per code"),
    "subtotal": pgettext_lazy("field", "Subtotal"),
    "earn_multiplier": pgettext_lazy("field", "Earning multiplier"),
    "earn_per": pgettext_lazy("field", "Spend per point"),
    "earn_points": pgettext_lazy("field", "Points earned"),
    "point_value": pgettext_lazy("field", "Value of a point"),
    "points_expire_months": pgettext_lazy("field", "Points expire after (months)"),
    "expiry_notice_days": pgettext_lazy("field", "Expiry notice (days before)"),
    "qr_ttl_seconds": pgettext_lazy("field", "QR code lifetime (seconds)"),
    "max_per_customer": pgettext_lazy("field", "Maximum per customer"),
    "multiplier": pgettext_lazy("field", "Multiplier"),
    "benefits": pgettext_lazy("field", "Benefits"),
    "unit": pgettext_lazy("field", "Unit"),
    "grant": pgettext_lazy("field", "Grant"),
    "rule": pgettext_lazy("field", "Rule"),
    "rules": pgettext_lazy("field", "Rules"),
    "activity_kind": pgettext_lazy("field", "Activity"),
})
