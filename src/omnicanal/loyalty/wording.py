"""The loyalty domain's words for its codes (core/labels.py): accounts, movements, units."""

from django.utils.translation import gettext_lazy as _

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
