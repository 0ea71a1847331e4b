"""The events other systems may subscribe to: `domain.fact` names over the outbox's topics.

Each name says which outbox topic it comes from, which payload field names its aggregate (the
deliveries of one aggregate to one endpoint go out in order), the fields every endpoint receives and
the fields only an endpoint with the `pii` scope receives. Any other payload field is never sent: a
field added to a domain's event stays inside until it is named here.
"""

from __future__ import annotations

from dataclasses import dataclass

PAYLOAD_VERSION = 1


@dataclass(frozen=True)
class EventSpec:
    name: str
    topic: str
    aggregate: str  # the payload field naming the aggregate; "" for one stream of its own ("stock")
    fields: tuple[str, ...]
    pii_fields: tuple[str, ...] = ()


_ORDER = ("order_id", "order_number", "customer_id")

EVENTS: dict[str, EventSpec] = {spec.name: spec for spec in (
    EventSpec("order.placed", "orders.OrderPlaced", "order_id",
              (*_ORDER, "channel", "delivery_method", "total", "lines"), ("receipt_email", "tracking_url")),
    EventSpec("order.paid", "orders.OrderPaid", "order_id", (*_ORDER, "channel", "total", "lines")),
    # The cause is a code (orders.causes); the staff's words may name the customer: personal.
    EventSpec("order.cancelled", "orders.OrderCancelled", "order_id", (*_ORDER, "cause", "total", "paid"), ("reason",)),
    EventSpec("fulfillment.changed", "orders.FulfillmentChanged", "order_id",
              ("fulfillment_id", *_ORDER, "location", "method", "status", "previous")),
    EventSpec("fulfillment.ready", "orders.FulfillmentReady", "order_id",
              ("fulfillment_id", *_ORDER, "location", "location_name"), ("pickup_code", "tracking_url")),
    EventSpec("fulfillment.shipped", "orders.FulfillmentShipped", "order_id",
              ("fulfillment_id", *_ORDER, "carrier", "tracking"), ("tracking_url",)),
    EventSpec("return.received", "orders.ReturnReceived", "order_id",
              ("return_id", "return_number", *_ORDER, "location", "refunded", "paid")),
    EventSpec("refund.issued", "orders.RefundIssued", "order_id", ("refund_id", *_ORDER, "amount", "to")),
    EventSpec("stock.changed", "inventory.StockChanged", "", ("kind", "reference", "lines")),
    EventSpec("customer.merged", "customers.CustomersMerged", "merged_id", ("survivor_id", "merged_id")),
    EventSpec("customer.erased", "customers.CustomerErased", "customer_id", ("customer_id",)),
    EventSpec("ticket.created", "conversations.TicketOpened", "ticket_id",
              ("ticket_id", "number", "conversation_id", "customer_id", "category", "order_ref", "return_ref")),
    EventSpec("ticket.status_changed", "conversations.TicketStatusChanged", "ticket_id",
              ("ticket_id", "number", "conversation_id", "status")),
    EventSpec("review.published", "feedback.ReviewPublished", "review_id",
              ("review_id", "customer_id", "sku", "product_handle", "rating")),
)}

BY_TOPIC: dict[str, list[EventSpec]] = {}
for _spec in EVENTS.values():
    BY_TOPIC.setdefault(_spec.topic, []).append(_spec)


def aggregate_of(spec: EventSpec, payload: dict) -> str:
    if not spec.aggregate:
        return spec.name.split(".", 1)[0]
    return f"{spec.aggregate}:{payload.get(spec.aggregate, '')}"


def data_for(spec: EventSpec, payload: dict, *, pii: bool) -> dict:
    """What an endpoint receives of one event: the named fields, personal ones only with `pii`."""
    names = spec.fields + (spec.pii_fields if pii else ())
    return {name: payload[name] for name in names if name in payload}
