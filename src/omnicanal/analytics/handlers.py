"""Analytics' reactions to the order book's events, by topic name (it never imports orders' events):
each keeps the hourly and daily rollups up to date in the handler's own transaction, reading the
order's facts through orders.queries (the events do not carry the locations and fulfilments)."""

from __future__ import annotations

from omnicanal.analytics import services
from omnicanal.core import outbox
from omnicanal.orders import queries as orders


# In the worker: an order's answer (a flash sale's buyers) never waits for this (docs/orders.md).
@outbox.handles("orders.OrderPlaced", background=True)
def count_order_placed(event: outbox.Envelope) -> None:
    fact = orders.order_fact(event["order_id"])
    if fact is not None:
        services.do_count_order(fact=fact)


@outbox.handles("orders.OrderCancelled")
def count_order_cancelled(event: outbox.Envelope) -> None:
    fact = orders.order_fact(event["order_id"])
    if fact is not None:
        services.do_count_cancellation(fact=fact)


@outbox.handles("orders.ReturnReceived")
def count_return_received(event: outbox.Envelope) -> None:
    for fact in orders.return_facts(return_ids=[event["return_id"]]):
        services.do_count_return(fact=fact)
