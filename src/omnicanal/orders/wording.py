"""The orders domain's words for its codes (core/labels.py): statuses, methods, reasons."""

from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from omnicanal.core import labels
from omnicanal.orders.models import (
    CancelCause,
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
labels.register("orders.cancel_cause", CancelCause.choices)
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
    "cause": pgettext_lazy("field", "Cancellation cause"),
    "kind": _("Kind"),
    "code": _("Code"),
    "address.line1": _("Address"),
    "address.city": _("City"),
    "address": _("Address"),
    "refund_to": _("Refund to"),
    "decision": _("Decision"),
})

# Field names as staff read them beside a validation error (core.labels.field); the guard
# core/tests/test_field_labels.py fails on an API input field no vocabulary names.
labels.register("orders.field", {
    "currency": pgettext_lazy("field", "Currency"),
    "cart_id": pgettext_lazy("field", "Cart"),
    "contact": pgettext_lazy("field", "Contact"),
    "delivery": pgettext_lazy("field", "Delivery"),
    "city": pgettext_lazy("field", "City"),
    "country": pgettext_lazy("field", "Country"),
    "line1": pgettext_lazy("field", "Address"),
    "line2": pgettext_lazy("field", "Address (line 2)"),
    "postal_code": pgettext_lazy("field", "Postal code"),
    "region": pgettext_lazy("field", "Region"),
    "lat": pgettext_lazy("field", "Latitude"),
    "lon": pgettext_lazy("field", "Longitude"),
    "gift_card_code": pgettext_lazy("field", "Gift card code"),
    "gift_card_pin": pgettext_lazy("field", "Gift card PIN"),
    "gift_card_amount": pgettext_lazy("field", "Gift card amount"),
    "presence": pgettext_lazy("field", "Customer present"),
    "qr": pgettext_lazy("field", "QR code"),
    "to": pgettext_lazy("field", "Refund to"),
    "order_id": pgettext_lazy("field", "Order"),
    "order_ref": pgettext_lazy("field", "Order"),
    "return_ref": pgettext_lazy("field", "Return"),
    "carrier": pgettext_lazy("field", "Carrier"),
    "missing": pgettext_lazy("field", "Missing quantity"),
    "parking_spot": pgettext_lazy("field", "Parking spot"),
    "spot": pgettext_lazy("field", "Parking spot"),
    "tracking": pgettext_lazy("field", "Tracking number"),
    "by_mail": pgettext_lazy("field", "Return by mail"),
    "exchange": pgettext_lazy("field", "Exchange"),
    "device_id": pgettext_lazy("field", "Device"),
    "confirm": pgettext_lazy("field", "Confirmation"),
    "cash_received": pgettext_lazy("field", "Cash received"),
    "pay_card": pgettext_lazy("field", "Card amount"),
    "pay_gift_card": pgettext_lazy("field", "Gift card amount"),
    "pay_points": pgettext_lazy("field", "Points to redeem"),
    "pay_stored_value": pgettext_lazy("field", "Store credit amount"),
    "use_credit": pgettext_lazy("field", "Use store credit"),
    "use_points": pgettext_lazy("field", "Use points"),
    "pickup_location": pgettext_lazy("field", "Pickup store"),
    "saved_address": pgettext_lazy("field", "Saved address"),
    "receipt_email": pgettext_lazy("field", "Receipt email"),
    "fulfillment": pgettext_lazy("field", "Fulfilment"),
    "payment": pgettext_lazy("field", "Payment"),
    "customer": pgettext_lazy("field", "Customer"),
    "status": pgettext_lazy("field", "Status"),
    "recipient": pgettext_lazy("field", "Recipient"),
    "photos": pgettext_lazy("field", "Photos"),
    "photos.filename": pgettext_lazy("field", "Photo file name"),
    "photos.data": pgettext_lazy("field", "Photo"),
    "store": pgettext_lazy("field", "Store"),
    "credit_amount": pgettext_lazy("field", "Store credit amount"),
    "points_amount": pgettext_lazy("field", "Points"),
})
