"""Marketing's place in the customer's registry (a merge moves the reminders sent, erasure deletes
them, the export lists them: customers never imports marketing), and its reactions to the events
campaigns' results come from (deliveries, orders on every channel)."""

from __future__ import annotations

from omnicanal.core import outbox
from omnicanal.customers import registry
from omnicanal.marketing import campaigns, flows, population, queries, services, subscriptions


@registry.on_merge
def move_reminders(*, survivor_id: str, merged_id: str) -> None:
    population.forget()  # the merged-away customer is counted no more, in any process
    services.do_move_reminders(survivor_id=survivor_id, merged_id=merged_id)
    campaigns.do_move_customer(survivor_id=survivor_id, merged_id=merged_id)
    flows.do_move_customer(survivor_id=survivor_id, merged_id=merged_id)


@registry.on_erase
def erase_reminders(*, customer_id: str) -> None:
    population.forget()  # the erased customer is counted no more, in any process
    services.do_erase_reminders(customer_id=customer_id)
    campaigns.do_erase_customer(customer_id=customer_id)
    flows.do_erase_customer(customer_id=customer_id)


@registry.on_export("marketing")
def export_reminders(customer_id: str) -> dict:
    return {"replenishment_reminders": [{"category": r.category, "due_on": r.due_on.isoformat(), "channel": r.channel,
                                         "sent_at": r.created_at.isoformat()} for r in queries.reminders_of(customer_id)],
            "purchase_cycles": [{"category": c.category, "cycle": c.cycle, "interval_days": c.interval_days,
                                 "last_purchase_at": c.last_purchase_at.isoformat()}
                                for c in queries.purchase_cycles(customer_id)],
            "campaigns": campaigns.export_customer(customer_id), "flows": flows.export_customer(customer_id)}


# --- campaigns' results: reactions to other domains' events (by topic; marketing imports none of them)


@outbox.handles("conversations.DeliveryUpdated")
def campaign_delivery(event: outbox.Envelope) -> None:
    campaigns.do_record_delivery(message_id=event["message_id"], status=event["status"])


# In the worker: an order's answer (a flash sale's buyers) never waits for this (docs/orders.md).
@outbox.handles("orders.OrderPlaced", background=True)
def campaign_conversion(event: outbox.Envelope) -> None:
    """An order on ANY channel (web, app, POS, marketplace) converts the campaigns it falls after."""
    campaigns.do_attribute_orders([_attributed(event)])


def campaign_conversions(events: list[outbox.Envelope]) -> None:
    """campaign_conversion's batched form: the worker's hand-over of placed orders attributed in two
    queries, not two per order (core.outbox)."""
    campaigns.do_attribute_orders([_attributed(event) for event in events])


campaign_conversion.many = campaign_conversions


def _attributed(event: outbox.Envelope) -> campaigns.PlacedOrder:
    return campaigns.PlacedOrder(order_id=event["order_id"], customer_id=event["customer_id"] or "",
                                 channel=event["channel"], total=event["total"] or {}, at=event.occurred_at)


@outbox.handles("orders.OrderCancelled")
def campaign_conversion_cancelled(event: outbox.Envelope) -> None:
    campaigns.do_undo_conversion(order_id=event["order_id"])


# --- subscriptions: a cycle's order awaiting its card charge learns the outcome orders recorded later
# (its reconciliation sweep asked Transbank); the hourly run would find it too, this is at once.


@outbox.handles("orders.OrderPaid")
def subscription_order_paid(event: outbox.Envelope) -> None:
    subscriptions.settle_order(order_id=event["order_id"], customer_id=event["customer_id"] or "")


@outbox.handles("orders.OrderCancelled")
def subscription_order_cancelled(event: outbox.Envelope) -> None:
    subscriptions.settle_order(order_id=event["order_id"], customer_id=event["customer_id"] or "")


# --- flows (automated journeys): entering, stopping and converting on other domains' events ------------


@outbox.handles("orders.CartAbandoned")
def flow_cart_abandoned(event: outbox.Envelope) -> None:
    flows.on_cart_abandoned(cart_id=event["cart_id"], customer_id=event["customer_id"] or "",
                            channel=event["channel"], at=event.occurred_at)


# In the worker: an order's answer (a flash sale's buyers) never waits for this (docs/orders.md).
@outbox.handles("orders.OrderPlaced", background=True)
def flow_order_placed(event: outbox.Envelope) -> None:
    """An order on ANY channel (a store's POS too) stops the cart, browse, cross-sell and win-back flows."""
    flows.on_orders_placed([_flow_order(event)])


def flow_orders_placed(events: list[outbox.Envelope]) -> None:
    """flow_order_placed's batched form: the worker's hand-over of placed orders in one query, not
    three statements per order (core.outbox)."""
    flows.on_orders_placed([_flow_order(event) for event in events])


flow_order_placed.many = flow_orders_placed


def _flow_order(event: outbox.Envelope) -> flows.PlacedOrder:
    # An event written before OrderPlaced carried its lines (the outbox keeps old rows) has none.
    lines = event.payload.get("lines") or []
    return flows.PlacedOrder(customer_id=event["customer_id"] or "", order_id=event["order_id"],
                             categories={line.get("category", "") for line in lines}, at=event.occurred_at)


@outbox.handles("orders.FulfillmentChanged")
def flow_delivered(event: outbox.Envelope) -> None:
    if event["status"] in ("delivered", "picked_up", "completed") and event["customer_id"]:
        flows.on_delivered(customer_id=event["customer_id"], order_id=event["order_id"], at=event.occurred_at)


@outbox.handles("inventory.StockChanged")
def flow_stock_back(event: outbox.Envelope) -> None:
    for line in event["lines"] or []:
        if line.get("quantity", 0) > 0 and (line.get("on_hand") is None or line["on_hand"] > 0):
            flows.on_stock_back(location=line["location"], sku=line["sku"], at=event.occurred_at)


@outbox.handles("inventory.TransferReceived")
def flow_stock_transferred(event: outbox.Envelope) -> None:
    for line in event["lines"] or []:
        if line.get("quantity", 0) > 0:
            flows.on_stock_back(location=event["destination"], sku=line["sku"], at=event.occurred_at)


@outbox.handles("loyalty.TierChanged")
def flow_tier_changed(event: outbox.Envelope) -> None:
    flows.on_tier_changed(customer_id=event["customer_id"], new_tier=event["new_tier"],
                          old_tier=event.payload.get("old_tier"), at=event.occurred_at)


# --- subscriptions -------------------------------------------------------------------------------------


@outbox.handles("orders.StoredCardRemoved")
def subscriptions_card_removed(event: outbox.Envelope) -> None:
    """A card removed or erased pauses the subscriptions paying with it (the customer is told)."""
    subscriptions.do_pause_for_removed_card(card_id=event["card_id"], at=event.occurred_at)
