"""Analytics' reactions to the order book's events, by topic name (it never imports orders' events):
each keeps the hourly and daily rollups up to date, reading the order's facts through orders.queries
(the events do not carry the locations and fulfilments). Batched in the worker, several events per
transaction: a checkout never waits for analytics (the sync reads the order again, some forty
statements), and each step counts from the order's current facts, so events of one order handled
in another order than they happened (two topics' drains) still land on the same cells."""

from __future__ import annotations

from omnicanal.analytics import (
    conversation_handlers,  # noqa: F401 - registers conversations' topics
    order_rollups,
    services,
)
from omnicanal.core import outbox
from omnicanal.orders import queries as orders


def _count_each_order(events: list[outbox.Envelope], count) -> None:
    """`count` (a services.do_count_*) each event's order, then sync what order_rollups keeps of it."""
    for event in events:
        fact = orders.order_fact(event["order_id"])
        if fact is not None:
            count(fact=fact)
            order_rollups.do_sync_order(order_id=fact.order_id)


@outbox.handles("orders.OrderPlaced", batch=True)
def count_orders_placed(events: list[outbox.Envelope]) -> None:
    _count_each_order(events, services.do_count_order)


@outbox.handles("orders.OrderCancelled", batch=True)
def count_orders_cancelled(events: list[outbox.Envelope]) -> None:
    _count_each_order(events, services.do_count_cancellation)


@outbox.handles("orders.ReturnReceived", batch=True)
def count_returns_received(events: list[outbox.Envelope]) -> None:
    for fact in orders.return_facts(return_ids=[event["return_id"] for event in events]):
        services.do_count_return(fact=fact)
        order_rollups.do_sync_order(order_id=fact.order_id)


# The order's other moves that change what order_rollups counts on its placement's cells: a payment
# captured (loyalty redemption), a fulfilment's step (cycle times, the promise kept or not).
@outbox.handles("orders.OrderPaid", batch=True)
def sync_orders_paid(events: list[outbox.Envelope]) -> None:
    for order_id in dict.fromkeys(event["order_id"] for event in events):
        order_rollups.do_sync_order(order_id=order_id)


@outbox.handles("orders.FulfillmentChanged", batch=True)
def sync_fulfillments_changed(events: list[outbox.Envelope]) -> None:
    for order_id in dict.fromkeys(event["order_id"] for event in events):
        order_rollups.do_sync_order(order_id=order_id)
