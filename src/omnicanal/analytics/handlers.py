"""Analytics' reactions to the order book's events, by topic name (it never imports orders' events):
each keeps the hourly and daily rollups up to date, reading the order's facts through orders.queries
(the events do not carry the locations and fulfilments). Batched in the worker, several events per
transaction: a checkout never waits for analytics, and a batch is counted and synced at once (the
facts of its orders read together, each cell written once: a few statements per order, issue 23).
Each step counts from the order's current facts, so events of one order handled in another order
than they happened (two topics' drains) still land on the same cells."""

from __future__ import annotations

from omnicanal.analytics import (
    conversation_handlers,  # noqa: F401 - registers conversations' topics
    order_rollups,
    services,
)
from omnicanal.core import outbox
from omnicanal.orders import queries as orders


def _order_ids(events: list[outbox.Envelope]) -> list[str]:
    return list(dict.fromkeys(event["order_id"] for event in events))


@outbox.handles("orders.OrderPlaced", batch=True)
def count_orders_placed(events: list[outbox.Envelope]) -> None:
    services.do_count_orders(order_ids=_order_ids(events))


@outbox.handles("orders.OrderCancelled", batch=True)
def count_orders_cancelled(events: list[outbox.Envelope]) -> None:
    ids = _order_ids(events)
    for fact in orders.order_facts(order_ids=ids):
        services.do_count_cancellation(fact=fact)
    order_rollups.do_sync_orders(order_ids=ids)


@outbox.handles("orders.ReturnReceived", batch=True)
def count_returns_received(events: list[outbox.Envelope]) -> None:
    facts = orders.return_facts(return_ids=[event["return_id"] for event in events])
    for fact in facts:
        services.do_count_return(fact=fact)
    order_rollups.do_sync_orders(order_ids=[fact.order_id for fact in facts])


# The order's other moves that change what order_rollups counts on its placement's cells: a payment
# captured (loyalty redemption), a fulfilment's step (cycle times, the promise kept or not).
@outbox.handles("orders.OrderPaid", batch=True)
def sync_orders_paid(events: list[outbox.Envelope]) -> None:
    order_rollups.do_sync_orders(order_ids=_order_ids(events))


@outbox.handles("orders.FulfillmentChanged", batch=True)
def sync_fulfillments_changed(events: list[outbox.Envelope]) -> None:
    order_rollups.do_sync_orders(order_ids=_order_ids(events))
