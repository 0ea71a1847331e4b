"""What the order book's API answers (issue 14 item 6): one `Out` schema per wire form that
queries.py builds (`cart_dict`, `order_dict`, `fulfillment_dict`, `return_dict`, `dispute_dict`).
They describe those dicts field by field; a key only some answers carry (an order's `refunds`,
`returns` and `disputes` in its full form, a fulfilment's `pickup_code`, a mail return's label) has a
default and the handlers answer with `exclude_unset`, so it stays absent where the dict has none.
Times are ISO 8601 text (`Timestamp`), money `{amount, currency}` with the amount as a decimal string.
"""

from __future__ import annotations

from typing import Any

from omnicanal.core.schemas import MoneyOut, Out, StoredOut, Timestamp


class SkuQuantityOut(Out):
    sku: str
    quantity: int


class TaxLineOut(StoredOut):
    name: str
    rate: str
    included: bool
    base: MoneyOut
    amount: MoneyOut


# --- carts ---------------------------------------------------------------------------------------------


class CartLineOut(Out):
    sku: str
    title: str
    quantity: int
    unit_price: MoneyOut
    total: MoneyOut
    available: int
    in_stock: bool


class CartTotalsOut(Out):
    subtotal: MoneyOut
    total: MoneyOut
    tax_lines: list[TaxLineOut]


class CartOut(Out):
    id: str
    customer_id: str | None
    channel: str
    status: str
    lines: list[CartLineOut]
    totals: CartTotalsOut
    updated_at: Timestamp


class HoldOut(Out):
    reservation_id: str
    expires_at: Timestamp


class CheckoutOut(CartOut):
    """The cart and the stock held for it until `hold.expires_at`."""

    hold: HoldOut


# --- fulfilments ---------------------------------------------------------------------------------------


class FulfillmentOut(Out):
    id: str
    location: str
    handover_location: str | None
    method: str
    status: str
    lines: list[SkuQuantityOut]
    reason: str
    carrier: str | None
    tracking: str | None
    transfer_id: str | None
    parking_spot: str | None
    promised_at: Timestamp | None
    order_id: str | None
    pickup_code: str | None = None  # present when the fulfilment has one; null for whom may not see it


class PickupCodeOut(Out):
    id: str
    status: str
    reissued: bool


# --- returns -------------------------------------------------------------------------------------------


class ReturnLineOut(Out):
    sku: str
    quantity: int
    reason: str
    received: int
    condition: str | None


class ShipToOut(Out):
    """A return parcel's destination as the label prints it (only `location` and `name` for an
    unknown location)."""

    location: str
    name: str
    line1: str | None = None
    line2: str | None = None
    city: str | None = None
    region: str | None = None
    postal_code: str | None = None
    country: str | None = None


class ReturnOut(Out):
    id: str
    order_id: str
    location: str
    status: str
    refund_to: str
    refunded: MoneyOut
    exchange_order_id: str | None
    lines: list[ReturnLineOut]
    created_at: Timestamp
    by_mail: bool
    received_location: str | None
    received_at: Timestamp | None
    # Only a return by mail carries its label:
    carrier: str | None = None
    tracking: str | None = None
    ship_to: ShipToOut | None = None
    label_url: str | None = None
    label_expires_at: Timestamp | None = None
    sent_at: Timestamp | None = None


# --- disputes ------------------------------------------------------------------------------------------


class DisputeOut(Out):
    id: str
    order_id: str
    order_number: str
    kind: str
    status: str
    note: str
    decision: str | None
    amount: MoneyOut
    opened_by: str | None
    decided_by: str | None
    created_at: Timestamp
    decided_at: Timestamp | None
    history: list[dict[str, Any]]


class OrderDisputeOut(Out):
    """A dispute as its order lists it."""

    id: str
    kind: str
    status: str
    decision: str | None
    amount: MoneyOut


# --- orders --------------------------------------------------------------------------------------------


class AddressOut(StoredOut):
    line1: str | None = None
    line2: str | None = None
    city: str | None = None
    region: str | None = None
    postal_code: str | None = None
    country: str | None = None
    lat: float | None = None
    lon: float | None = None


class DeliveryOut(Out):
    method: str
    location: str | None
    address: AddressOut | None  # null for a reader who may not see personal data


class OrderLineOut(Out):
    sku: str
    title: str
    quantity: int
    unit_price: MoneyOut
    discount: MoneyOut
    total: MoneyOut
    cancelled: int
    returned: int


class OrderTotalsOut(Out):
    subtotal: MoneyOut
    shipping: MoneyOut
    discount: MoneyOut
    total: MoneyOut
    tax: MoneyOut
    tax_lines: list[TaxLineOut]
    paid: MoneyOut
    refunded: MoneyOut
    due: MoneyOut | None = None  # what is left to pay before the goods may leave (pay at pickup)


class PaymentOut(Out):
    id: str
    method: str
    provider: str
    status: str
    amount: MoneyOut
    refunded: MoneyOut


class RefundOut(Out):
    id: str
    to: str
    amount: MoneyOut
    reason: str
    reference: str
    payment_id: str | None
    at: Timestamp


class SourcingOut(StoredOut):
    """Why a fulfilment ships from where it does; `why` is the language-neutral reason."""

    fulfillment: str | None = None
    location: str | None = None
    method: str | None = None
    reason: str | None = None
    why: dict[str, Any] | None = None


class OrderOut(Out):
    """An order; `refunds`, `returns` and `disputes` only in its full form (one order, not a list
    nor the answer to placing it)."""

    id: str
    number: str
    status: str
    channel: str
    customer_id: str | None
    delivery: DeliveryOut
    lines: list[OrderLineOut]
    totals: OrderTotalsOut
    coupon: str | None
    fulfillments: list[FulfillmentOut]
    payments: list[PaymentOut]
    sourcing: list[SourcingOut]
    placed_at: Timestamp
    # the full form only: why and when a cancelled order was cancelled (orders.causes' codes)
    cancel_cause: str | None = None
    cancelled_at: Timestamp | None = None
    refunds: list[RefundOut] | None = None
    returns: list[ReturnOut] | None = None
    disputes: list[OrderDisputeOut] | None = None


class ShortPickOut(Out):
    """A short pick: re-sourced to another fulfilment, or the missing units refunded."""

    resourced_to: str | None
    refund: str | None  # the amount refunded, as a decimal string
    order: OrderOut
