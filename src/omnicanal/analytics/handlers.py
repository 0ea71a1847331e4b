"""Analytics' reactions to the order book's events, by topic name (it never imports orders' events):
each keeps the hourly and daily rollups up to date in the handler's own transaction, reading the
order's facts through orders.queries (the events do not carry the locations and fulfilments)."""

from __future__ import annotations

from omnicanal.analytics import (
    conversation_handlers,  # noqa: F401 - registers conversations' topics
    order_rollups,
    services,
)
from omnicanal.core import outbox
from omnicanal.orders import queries as orders


@outbox.handles("orders.OrderPlaced")
def count_order_placed(event: outbox.Envelope) -> None:
    fact = orders.order_fact(event["order_id"])
    if fact is not None:
        services.do_count_order(fact=fact)
        order_rollups.do_sync_order(order_id=fact.order_id)


@outbox.handles("orders.OrderCancelled")
def count_order_cancelled(event: outbox.Envelope) -> None:
    fact = orders.order_fact(event["order_id"])
    if fact is not None:
        services.do_count_cancellation(fact=fact)
        order_rollups.do_sync_order(order_id=fact.order_id)


@outbox.handles("orders.ReturnReceived")
def count_return_received(event: outbox.Envelope) -> None:
    for fact in orders.return_facts(return_ids=[event["return_id"]]):
        services.do_count_return(fact=fact)
        order_rollups.do_sync_order(order_id=fact.order_id)


# The order's other moves that change what order_rollups counts on its placement's cells: a payment
# captured (loyalty redemption), a fulfilment's step (cycle times, the promise kept or not).
@outbox.handles("orders.OrderPaid")
def sync_order_paid(event: outbox.Envelope) -> None:
    order_rollups.do_sync_order(order_id=event["order_id"])


@outbox.handles("orders.FulfillmentChanged")
def sync_fulfillment_changed(event: outbox.Envelope) -> None:
    order_rollups.do_sync_order(order_id=event["order_id"])
