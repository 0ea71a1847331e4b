"""Facts of the order book (topics "orders.<Name>"). Payload fields follow docs/inbox.md for the
notifier: customer_id, order_number, location(_name), pickup_code, carrier, tracking, amount."""

from __future__ import annotations

from dataclasses import dataclass, field


@dataclass(frozen=True)
class OrderPlaced:
    order_id: str
    number: str
    order_number: str
    customer_id: str
    channel: str
    delivery_method: str
    total: dict
    lines: list = field(default_factory=list)  # [{sku, quantity, amount, category}]
    receipt_email: str = ""  # the POS's "receipt by email": the notifier emails the receipt there
    # With receipt_email: {placed_at, location, location_name, lines: [{sku, title, quantity, amount}],
    # tax_lines, payments: [{method, amount}]}, what the receipt shows (channels may not read orders).
    receipt: dict = field(default_factory=dict)


@dataclass(frozen=True)
class OrderPaid:
    order_id: str
    number: str
    order_number: str
    customer_id: str
    channel: str
    total: dict


@dataclass(frozen=True)
class OrderCancelled:
    order_id: str
    number: str
    order_number: str
    customer_id: str
    reason: str


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
    number: str
    order_number: str
    customer_id: str
    location: str


@dataclass(frozen=True)
class RefundIssued:
    refund_id: str
    order_id: str
    order_number: str
    customer_id: str
    amount: dict
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
