"""Facts of the order book (topics "orders.<Name>"). Payload fields follow docs/inbox.md for the
notifier: customer_id, order_number, location(_name), pickup_code, carrier, tracking, amount.

Typed: money is a core Money (in the payload {"amount": "…", "currency": "…"}), lines and receipts
are the dataclasses below, never loose dicts. The order's number is `order_number` in every event;
`order_id` is its public id (loyalty keys the points of an order on it)."""

from __future__ import annotations

from dataclasses import dataclass

from omnicanal.core.money import Money


@dataclass(frozen=True)
class LineFact:
    """An order line as sold: its total after the coupon's share, and its category (earn rules)."""

    sku: str
    quantity: int
    amount: Money
    category: str


@dataclass(frozen=True)
class ReceiptLine:
    sku: str
    title: str
    quantity: int
    amount: Money


@dataclass(frozen=True)
class TaxLine:
    name: str
    rate: str
    included: bool
    base: Money
    amount: Money


@dataclass(frozen=True)
class ReceiptPayment:
    method: str
    amount: Money


@dataclass(frozen=True)
class Receipt:
    """What the emailed receipt shows beyond OrderPlaced's own fields (channels may not read orders)."""

    placed_at: str  # ISO 8601 in the store's time zone
    location: str
    location_name: str
    lines: tuple[ReceiptLine, ...]
    tax_lines: tuple[TaxLine, ...]
    payments: tuple[ReceiptPayment, ...]


@dataclass(frozen=True)
class OrderPlaced:
    order_id: str
    order_number: str
    customer_id: str
    channel: str
    delivery_method: str
    total: Money
    lines: tuple[LineFact, ...] = ()
    receipt_email: str = ""  # the POS's "receipt by email": the notifier emails the receipt there
    receipt: Receipt | None = None  # with receipt_email
    tracking_url: str = ""  # the customer's signed tracking link (orders.tracking)


@dataclass(frozen=True)
class OrderPaid:
    """Every payment captured. Loyalty earns the order's points on it (keyed on order_id)."""

    order_id: str
    order_number: str
    customer_id: str
    channel: str
    total: Money
    lines: tuple[LineFact, ...] = ()


@dataclass(frozen=True)
class OrderCancelled:
    order_id: str
    order_number: str
    customer_id: str
    reason: str
    total: Money
    paid: bool  # it had been paid: loyalty takes back the points it earned
    cause: str = ""  # the code (orders.queries.CANCEL_CAUSE_CODES); `reason` is the words as given


@dataclass(frozen=True)
class FulfillmentChanged:
    fulfillment_id: str
    order_id: str
    order_number: str
    customer_id: str
    location: str
    method: str
    status: str
    previous: str


@dataclass(frozen=True)
class FulfillmentReady:
    fulfillment_id: str
    order_id: str
    order_number: str
    customer_id: str
    location: str
    location_name: str
    pickup_code: str
    tracking_url: str = ""


@dataclass(frozen=True)
class FulfillmentShipped:
    fulfillment_id: str
    order_id: str
    order_number: str
    customer_id: str
    carrier: str
    tracking: str
    tracking_url: str


@dataclass(frozen=True)
class ReturnReceived:
    return_id: str
    return_number: str
    order_id: str
    order_number: str
    customer_id: str
    location: str
    refunded: Money  # loyalty takes back the points of this much of the order
    paid: bool  # the order had been paid (and may have earned points)


@dataclass(frozen=True)
class RefundIssued:
    refund_id: str
    order_id: str
    order_number: str
    customer_id: str
    amount: Money
    to: str


@dataclass(frozen=True)
class CartAbandoned:
    cart_id: str
    customer_id: str
    channel: str


@dataclass(frozen=True)
class TrackingResent:
    """An agent sent a shipment's tracking again (the notifier's "shipped" message, same fields)."""

    fulfillment_id: str
    order_id: str
    order_number: str
    customer_id: str
    carrier: str
    tracking: str
    tracking_url: str
    actor: str = ""


@dataclass(frozen=True)
class ReturnLabelCreated:
    """A return by mail got its prepaid label: the customer is sent the signed link to print it."""

    return_id: str
    return_number: str
    order_id: str
    order_number: str
    customer_id: str
    carrier: str
    tracking: str
    location: str  # the destination warehouse's code
    location_name: str
    label_url: str
    expires_at: str


@dataclass(frozen=True)
class ReturnInTransit:
    """A mail return's parcel was scanned by the carrier (or marked sent by staff)."""

    return_id: str
    order_id: str
    order_number: str
    customer_id: str
    carrier: str
    tracking: str
    location: str


@dataclass(frozen=True)
class StoredCardRemoved:
    """A saved card (Webpay Oneclick) is gone: the customer removed it, or their data was erased.
    Whoever charges it later (a subscription) must stop counting on it."""

    card_id: str
    customer_id: str
    why: str  # removed | erased
