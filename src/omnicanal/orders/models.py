"""Order book tables: carts, orders and their lines, fulfilments, payments, refunds, returns and
disputes. Rules live in services.py; every SELECT … FOR UPDATE lives in locks.py.

Money is stored as DecimalField(14, 2) with the currency on the parent row (one currency per order).
Order numbers are derived from the primary key (AS-100123): human-readable, unique, and free of a
counter row that every concurrent checkout would queue on. The prefix is the business's
(settings.OMNICANAL["ORDER_NUMBER_PREFIX"]).
"""

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from omnicanal.core.ids import PublicIdField

NUMBER_OFFSET = 100000


def number_prefix() -> str:
    """The business's order-number prefix (settings.OMNICANAL["ORDER_NUMBER_PREFIX"], "AS-" by default)."""
    return str(settings.OMNICANAL.get("ORDER_NUMBER_PREFIX", "AS-"))


def money_field(**kw):
    return models.DecimalField(max_digits=14, decimal_places=2, **kw)


class CartStatus(models.TextChoices):
    ACTIVE = "active", pgettext_lazy("cart", "Active")
    ORDERED = "ordered", _("Ordered")
    ABANDONED = "abandoned", _("Abandoned")
    MERGED = "merged", _("Merged")


class Cart(models.Model):
    """One active cart per customer (any channel, any device); anonymous carts belong to a device."""

    public_id = PublicIdField(prefix="crt")
    customer_id = models.CharField(max_length=32, blank=True, default="", db_index=True)
    device_id = models.CharField(max_length=120, blank=True, default="")
    channel = models.CharField(max_length=30)
    status = models.CharField(max_length=12, choices=CartStatus.choices, default=CartStatus.ACTIVE)
    currency = models.CharField(max_length=3, default="CLP")
    created_at = models.DateTimeField()
    updated_at = models.DateTimeField()
    abandoned_at = models.DateTimeField(null=True, blank=True)
    order_id = models.CharField(max_length=32, blank=True, default="")

    class Meta:
        verbose_name = _("cart")
        constraints = [
            models.UniqueConstraint(fields=["customer_id"], condition=Q(status="active") & ~Q(customer_id=""),
                                    name="one_active_cart_per_customer"),
        ]


class CartLine(models.Model):
    cart = models.ForeignKey(Cart, on_delete=models.CASCADE, related_name="lines")
    sku = models.CharField(max_length=64)
    quantity = models.PositiveIntegerField()

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["cart", "sku"], name="one_cart_line_per_sku"),
            models.CheckConstraint(condition=Q(quantity__gt=0), name="cart_line_quantity_positive"),
        ]


class OrderStatus(models.TextChoices):
    PENDING_PAYMENT = "pending_payment", _("Pending payment")
    PAID = "paid", _("Paid")
    COMPLETED = "completed", _("Completed")
    CANCELLED = "cancelled", pgettext_lazy("order", "Cancelled")


class DeliveryMethod(models.TextChoices):
    SHIP = "ship", _("Ship to an address")
    PICKUP = "pickup", _("Pickup at a store")
    CURBSIDE = "curbside", _("Curbside")
    PICKUP_POINT = "pickup_point", _("Pickup point")
    CARRY_OUT = "carry_out", _("Carry-out")


class CancelCause(models.TextChoices):
    """Why an order was cancelled, as a code (orders.queries.CANCEL_CAUSE_CODES): what analytics counts
    and keeps; the words a person typed stay in Order.cancel_reason, which erasure blanks."""

    CUSTOMER_REQUEST = "customer_request", _("Customer asked")
    OUT_OF_STOCK = "out_of_stock", _("Out of stock")
    SUSPECTED_FRAUD = "suspected_fraud", _("Suspected fraud")
    PAYMENT_FAILED = "payment_failed", _("Payment declined")
    PAYMENT_ABANDONED = "payment_abandoned", _("Payment not completed")
    MARKETPLACE = "marketplace", _("Cancelled on the marketplace")
    OTHER = "other", pgettext_lazy("cancellation cause", "Other")


class Order(models.Model):
    public_id = PublicIdField(prefix="ord")
    channel = models.CharField(max_length=30, db_index=True)
    customer_id = models.CharField(max_length=32, blank=True, default="", db_index=True)
    status = models.CharField(max_length=20, choices=OrderStatus.choices, default=OrderStatus.PENDING_PAYMENT)
    delivery_method = models.CharField(max_length=20, choices=DeliveryMethod.choices)
    delivery_location = models.CharField(max_length=32, blank=True, default="")  # pickup store, locker, POS store
    address = models.JSONField(null=True, blank=True)  # personal data: blanked on erasure
    contact = models.JSONField(default=dict, blank=True)  # {name, email, phone} for the receipt
    currency = models.CharField(max_length=3)
    subtotal = money_field()
    shipping = money_field(default=0)
    discount = money_field(default=0)
    total = money_field()
    tax = money_field(default=0)
    tax_lines = models.JSONField(default=list)
    coupon = models.CharField(max_length=40, blank=True, default="")
    cart_id = models.CharField(max_length=32, blank=True, default="")
    sourcing = models.JSONField(default=list)  # [{fulfillment, location, reason}]
    placed_by = models.CharField(max_length=100, blank=True, default="")
    placed_at = models.DateTimeField(db_index=True)
    paid_at = models.DateTimeField(null=True, blank=True)
    cancelled_at = models.DateTimeField(null=True, blank=True)
    cancel_reason = models.CharField(max_length=200, blank=True, default="")  # as typed; blanked on erasure
    cancel_cause = models.CharField(max_length=20, choices=CancelCause.choices, blank=True, default="", db_default="")

    class Meta:
        verbose_name = _("order")
        ordering = ["-placed_at", "-id"]
        constraints = [
            models.CheckConstraint(condition=Q(total__gte=0) & Q(subtotal__gte=0) & Q(discount__gte=0)
                                   & Q(shipping__gte=0), name="order_money_not_negative"),
        ]

    @property
    def number(self) -> str:
        return f"{number_prefix()}{NUMBER_OFFSET + self.pk}" if self.pk else ""


def pk_from_number(number: str) -> int | None:
    raw = number.strip().upper()
    prefix = number_prefix().upper()
    if prefix and raw.startswith(prefix):
        raw = raw[len(prefix):]
    if not raw.isdigit() or int(raw) <= NUMBER_OFFSET:
        return None
    return int(raw) - NUMBER_OFFSET


class OrderLine(models.Model):
    order = models.ForeignKey(Order, on_delete=models.CASCADE, related_name="lines")
    sku = models.CharField(max_length=64)
    title = models.CharField(max_length=200)
    category = models.CharField(max_length=80, blank=True, default="")
    quantity = models.PositiveIntegerField()
    unit_price = money_field()
    discount = money_field(default=0)  # this line's share of the order discount
    total = money_field()  # quantity × unit_price − discount
    cancelled = models.PositiveIntegerField(default=0)  # units cancelled (missing at picking, cancellation)
    returned = models.PositiveIntegerField(default=0)

    class Meta:
        ordering = ["pk"]
        constraints = [models.CheckConstraint(condition=Q(quantity__gt=0), name="order_line_quantity_positive")]


class FulfillmentMethod(models.TextChoices):
    SHIP = "ship", _("Ship")
    PICKUP = "pickup", _("Pickup")
    CURBSIDE = "curbside", _("Curbside")
    PICKUP_POINT = "pickup_point", _("Pickup point")
    SHIP_TO_STORE = "ship_to_store", _("Ship to store")
    CARRY_OUT = "carry_out", _("Carry-out")
    DROP_SHIP = "drop_ship", _("Drop-ship")


class FulfillmentStatus(models.TextChoices):
    PENDING = "pending", _("Pending")
    PICKING = "picking", _("Picking")
    PACKED = "packed", _("Packed")
    SHIPPED = "shipped", _("Shipped")
    DELIVERED = "delivered", _("Delivered")
    READY = "ready_for_pickup", _("Ready for pickup")
    ARRIVED = "arrived", _("Customer arrived")
    PICKED_UP = "picked_up", _("Picked up")
    CANCELLED = "cancelled", pgettext_lazy("order", "Cancelled")


class Fulfillment(models.Model):
    public_id = PublicIdField(prefix="ful")
    order = models.ForeignKey(Order, on_delete=models.CASCADE, related_name="fulfillments")
    location = models.CharField(max_length=32, db_index=True)  # where the goods leave from
    handover_location = models.CharField(max_length=32, blank=True, default="", db_index=True)  # pickup here
    method = models.CharField(max_length=20, choices=FulfillmentMethod.choices)
    status = models.CharField(max_length=20, choices=FulfillmentStatus.choices, default=FulfillmentStatus.PENDING,
                              db_index=True)
    reservation_ref = models.CharField(max_length=64)  # the inventory reservation holding its units
    reason = models.CharField(max_length=300, blank=True, default="")  # why sourcing chose this location
    pickup_code = models.CharField(max_length=8, blank=True, default="")
    carrier = models.CharField(max_length=60, blank=True, default="")
    tracking = models.CharField(max_length=100, blank=True, default="")
    transfer_id = models.CharField(max_length=32, blank=True, default="")
    parking_spot = models.CharField(max_length=40, blank=True, default="")
    promised_at = models.DateTimeField(null=True, blank=True)
    created_at = models.DateTimeField()
    updated_at = models.DateTimeField()
    history = models.JSONField(default=list)  # [{at, status, actor}]

    class Meta:
        ordering = ["pk"]


class FulfillmentLine(models.Model):
    fulfillment = models.ForeignKey(Fulfillment, on_delete=models.CASCADE, related_name="lines")
    order_line = models.ForeignKey(OrderLine, on_delete=models.CASCADE, related_name="fulfillment_lines")
    sku = models.CharField(max_length=64)
    quantity = models.PositiveIntegerField()

    class Meta:
        ordering = ["pk"]


class PaymentMethod(models.TextChoices):
    CARD = "card", _("Card (online)")
    CARD_PRESENT = "card_present", _("Card (in person)")
    CASH = "cash", _("Cash")
    STORED_VALUE = "stored_value", _("Store credit / wallet")
    POINTS = "points", _("Points")
    GIFT_CARD = "gift_card", _("Gift card")


class PaymentStatus(models.TextChoices):
    PENDING = "pending", _("Pending")
    CAPTURED = "captured", _("Captured")
    FAILED = "failed", _("Failed")
    VOIDED = "voided", _("Voided")


class Payment(models.Model):
    public_id = PublicIdField(prefix="pay")
    order = models.ForeignKey(Order, on_delete=models.CASCADE, related_name="payments")
    method = models.CharField(max_length=20, choices=PaymentMethod.choices)
    provider = models.CharField(max_length=30)
    status = models.CharField(max_length=10, choices=PaymentStatus.choices, default=PaymentStatus.PENDING)
    amount = money_field()
    refunded = money_field(default=0)
    provider_ref = models.CharField(max_length=100, blank=True, default="", db_index=True)
    created_at = models.DateTimeField()
    updated_at = models.DateTimeField()

    class Meta:
        ordering = ["pk"]
        constraints = [
            models.CheckConstraint(condition=Q(amount__gt=0), name="payment_amount_positive"),
            models.CheckConstraint(condition=Q(refunded__gte=0) & Q(refunded__lte=models.F("amount")),
                                   name="payment_refund_within_amount"),
        ]


class Refund(models.Model):
    public_id = PublicIdField(prefix="rfd")
    order = models.ForeignKey(Order, on_delete=models.CASCADE, related_name="refunds")
    payment = models.ForeignKey(Payment, null=True, blank=True, on_delete=models.PROTECT, related_name="refunds")
    to = models.CharField(max_length=20)  # original | store_credit
    amount = money_field()
    reason = models.CharField(max_length=200, blank=True, default="")
    reference = models.CharField(max_length=40, blank=True, default="")  # ret_…, cancel, dispute …
    created_at = models.DateTimeField()

    class Meta:
        ordering = ["pk"]
        constraints = [models.CheckConstraint(condition=Q(amount__gt=0), name="refund_amount_positive")]


class ReturnStatus(models.TextChoices):
    REQUESTED = "requested", pgettext_lazy("return", "Requested")
    IN_TRANSIT = "in_transit", _("In transit")  # a mail return's parcel is on its way
    RECEIVED = "received", pgettext_lazy("return", "Received")
    CANCELLED = "cancelled", pgettext_lazy("return", "Cancelled")


class Return(models.Model):
    public_id = PublicIdField(prefix="ret")
    order = models.ForeignKey(Order, on_delete=models.CASCADE, related_name="returns")
    location = models.CharField(max_length=32, db_index=True)  # a returns-capable location (by mail: where to)
    refund_to = models.CharField(max_length=20, default="original")
    # By mail: the parcel travels with our label (carrier and a tracking number we generate) to
    # `location`; it may still be received elsewhere (`received_location` says where).
    by_mail = models.BooleanField(default=False)
    carrier = models.CharField(max_length=60, blank=True, default="")
    tracking = models.CharField(max_length=40, blank=True, default="", db_index=True)
    sent_at = models.DateTimeField(null=True, blank=True)
    received_location = models.CharField(max_length=32, blank=True, default="")
    history = models.JSONField(default=list, blank=True)  # [{at, status, actor, …}]
    status = models.CharField(max_length=12, choices=ReturnStatus.choices, default=ReturnStatus.REQUESTED)
    exchange_order_id = models.CharField(max_length=32, blank=True, default="")
    created_at = models.DateTimeField()
    received_at = models.DateTimeField(null=True, blank=True)
    refunded = money_field(default=0)

    class Meta:
        ordering = ["-pk"]


class ReturnLine(models.Model):
    ret = models.ForeignKey(Return, on_delete=models.CASCADE, related_name="lines")
    order_line = models.ForeignKey(OrderLine, on_delete=models.CASCADE, related_name="return_lines")
    sku = models.CharField(max_length=64)
    quantity = models.PositiveIntegerField()
    reason = models.CharField(max_length=60)
    received = models.PositiveIntegerField(default=0)
    condition = models.CharField(max_length=12, blank=True, default="")  # resellable | damaged


class DisputeStatus(models.TextChoices):
    OPEN = "open", _("Open")
    RESOLVED = "resolved", _("Resolved")
    REJECTED = "rejected", _("Rejected")


class Dispute(models.Model):
    public_id = PublicIdField(prefix="dsp")
    order = models.ForeignKey(Order, on_delete=models.CASCADE, related_name="disputes")
    kind = models.CharField(max_length=20)  # not_received | defective
    status = models.CharField(max_length=10, choices=DisputeStatus.choices, default=DisputeStatus.OPEN)
    note = models.TextField(blank=True, default="")
    decision = models.CharField(max_length=20, blank=True, default="")  # refund | partial_refund | replacement | reject
    amount = money_field(default=0)
    decided_by = models.CharField(max_length=100, blank=True, default="")
    opened_by = models.CharField(max_length=100, blank=True, default="")
    created_at = models.DateTimeField()
    decided_at = models.DateTimeField(null=True, blank=True)
    history = models.JSONField(default=list, blank=True)  # [{at, status, actor, decision?, amount?, note?}]
    # A marketplace's claim this dispute mirrors ("mercadolibre:5298893830"): opened there under the
    # marketplace's own rules, once per reference.
    external_ref = models.CharField(max_length=80, blank=True, default="", db_index=True)

    class Meta:
        ordering = ["created_at", "pk"]


class ProviderEvent(models.Model):
    """A payment provider's webhook delivery, once (replays change nothing)."""

    provider = models.CharField(max_length=30)
    event_id = models.CharField(max_length=100)
    received_at = models.DateTimeField()

    class Meta:
        constraints = [models.UniqueConstraint(fields=["provider", "event_id"], name="one_provider_event")]


class StoredCardStatus(models.TextChoices):
    PENDING = "pending", _("Being saved")  # the inscription was started; the cardholder is on Transbank's page
    ACTIVE = "active", pgettext_lazy("card", "Saved")


class StoredCard(models.Model):
    """A customer's card kept at Transbank (Webpay Oneclick Mall, orders/oneclick.py): we hold only
    Transbank's `tbk_user` (encrypted at rest), the Oneclick username it was enrolled under, the
    card's brand and last four digits — never the card number. A pending row is an inscription in
    progress, found again by Transbank's `token` when the cardholder comes back."""

    public_id = PublicIdField(prefix="crd")
    customer_id = models.CharField(max_length=32, db_index=True)
    username = models.CharField(max_length=40)  # the Oneclick username (stays when customers merge)
    status = models.CharField(max_length=10, choices=StoredCardStatus.choices, default=StoredCardStatus.PENDING)
    token = models.CharField(max_length=64, blank=True, default="", db_index=True)  # the inscription's, while pending
    tbk_user = models.TextField(blank=True, default="")  # core.crypto: "fernet:…"
    card_type = models.CharField(max_length=20, blank=True, default="")  # Visa, Mastercard, …
    last4 = models.CharField(max_length=4, blank=True, default="")
    created_at = models.DateTimeField()
    updated_at = models.DateTimeField()

    class Meta:
        ordering = ["pk"]
        constraints = [
            models.CheckConstraint(condition=Q(status__in=["pending", "active"]), name="stored_card_status_known"),
        ]
