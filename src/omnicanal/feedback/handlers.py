"""Feedback's reactions to other domains' events: the interaction tally the fatigue governor
measures (an order on any channel, a pickup, a conversation)."""

from __future__ import annotations

from omnicanal.conversations import events as conversation_events
from omnicanal.core import outbox
from omnicanal.feedback.services import budget
from omnicanal.orders import events as order_events

PICKUP_DONE = "picked_up"


@outbox.handles(order_events.OrderPlaced)
def count_order(event: outbox.Envelope) -> None:
    budget.do_record_interaction(customer_id=event["customer_id"], kind="order", ref=event["order_id"],
                                 channel=event["channel"], at=event.occurred_at)


@outbox.handles(order_events.FulfillmentChanged)
def count_pickup(event: outbox.Envelope) -> None:
    # A carry-out at the POS is the order's own visit (counted above); a pickup is another trip.
    if event["status"] == PICKUP_DONE and event["method"] != "carry_out":
        budget.do_record_interaction(customer_id=event["customer_id"], kind="pickup", ref=event["fulfillment_id"],
                                     channel="store", at=event.occurred_at)


@outbox.handles(conversation_events.ConversationOpened)
def count_conversation(event: outbox.Envelope) -> None:
    budget.do_record_interaction(customer_id=event["customer_id"], kind="conversation",
                                 ref=event["conversation_id"], channel=event["channel"], at=event.occurred_at)
