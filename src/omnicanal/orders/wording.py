"""The orders domain's words for its codes (core/labels.py): statuses, methods, reasons."""

from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from omnicanal.core import labels
from omnicanal.orders.models import (
    CartStatus,
    DeliveryMethod,
    DisputeStatus,
    FulfillmentMethod,
    FulfillmentStatus,
    OrderStatus,
    PaymentMethod,
    PaymentStatus,
    ReturnStatus,
)

labels.register("orders.cart_status", CartStatus.choices)
labels.register("orders.order_status", OrderStatus.choices)
labels.register("orders.delivery_method", DeliveryMethod.choices)
labels.register("orders.fulfillment_method", FulfillmentMethod.choices)
labels.register("orders.fulfillment_status", FulfillmentStatus.choices)
labels.register("orders.payment_method", PaymentMethod.choices)
labels.register("orders.payment_method", {
    # codes the API takes beside the model's (a payment names its stored-value account kind)
    "store_credit": _("Store credit"),
    "wallet": pgettext_lazy("payment method", "Wallet"),
    "coupon": pgettext_lazy("payment method", "Coupon"),
})
labels.register("orders.payment_status", PaymentStatus.choices)
labels.register("orders.return_status", ReturnStatus.choices)
labels.register("orders.dispute_status", DisputeStatus.choices)
labels.register("orders.dispute_kind", {
    "not_received": _("Not received"),
    "defective": _("Defective"),
})
labels.register("orders.return_reason", {
    "size": _("Wrong size"),
    "changed_mind": _("Changed mind"),
    "defective": _("Defective"),
    "not_as_described": _("Not as described"),
    "other": pgettext_lazy("return reason", "Other"),
})
labels.register("orders.refund_to", {
    "original": _("Original payment"),
    "store_credit": _("Store credit"),
})
labels.register("orders.condition", {
    "resellable": _("Resellable"),
    "damaged": _("Damaged"),
})
labels.register("orders.refund_reason", {
    "return": _("Return"),
    "cancelled": _("Order cancelled"),
    "dispute not_received": _("Dispute: not received"),
    "dispute defective": _("Dispute: defective"),
}, free_text=True)
# Who took a payment (Payment.provider): ours by code, a payment provider's brand as written.
labels.register("orders.payment_provider", {
    "cash": _("Cash drawer"),
    "terminal": _("Card terminal"),
    "loyalty": _("Loyalty programme"),
}, free_text=True)
# Field names as staff read them beside a validation error (core.labels.field).
labels.register("orders.field", {
    "lines.sku": _("Product"),
    "lines.quantity": _("Quantity"),
    "lines": _("Lines"),
    "payments.amount.amount": _("Amount paid"),
    "payments.method": _("Payment method"),
    "payments": _("Payments"),
    "amount": _("Amount"),
    "location": _("Location"),
    "delivery_method": _("Delivery"),
    "method": _("Method"),
    "coupon": _("Coupon"),
    "reason": _("Reason"),
    "kind": _("Kind"),
    "code": _("Code"),
    "address.line1": _("Address"),
    "address.city": _("City"),
    "address": _("Address"),
    "refund_to": _("Refund to"),
    "decision": _("Decision"),
})
