"""Feedback's reactions to events: the interaction tally the fatigue governor measures (an order on
any channel, a pickup, a conversation); unsolicited feedback from every inbound message and every low
review (in-process after the commit; if that fails or the process dies, the worker's relay runs it
within the minute), whose negative ones open a ticket (services.unsolicited)."""

from __future__ import annotations

from django.db import transaction

from omnicanal.conversations import events as conversation_events
from omnicanal.conversations import queries as conversation_queries
from omnicanal.core import outbox
from omnicanal.feedback import config, queries
from omnicanal.feedback.events import ReviewSubmitted
from omnicanal.feedback.models import FeedbackSource
from omnicanal.feedback.services import budget, unsolicited
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


# --- unsolicited feedback (services.unsolicited) -------------------------------------------------

# Messages that are not the customer's own words: the CSAT answer, a call's record, a location.
_NOT_WORDS = ("csat", "call", "location")


@outbox.handles("conversations.MessageReceived")
def read_the_message(event: outbox.Envelope) -> None:
    """Every inbound customer message is feedback too (its sentiment and topics)."""
    if event["author"] != "customer":
        return
    turn = conversation_queries.bot_turn(event["message_id"])
    if turn is None or turn.private or turn.kind in _NOT_WORDS or not turn.text.strip():
        return
    with transaction.atomic():
        unsolicited.do_record_feedback(
            item=unsolicited.FeedbackIn(source=FeedbackSource.CONVERSATION, text=turn.text[:4000], ref=turn.message_id,
                                        customer_id=turn.customer_id, author=turn.channel,
                                        language=turn.language if turn.language in ("es", "en") else ""),
            conversation_id=turn.conversation_id, sources=(FeedbackSource.CONVERSATION,))


@outbox.handles(ReviewSubmitted)
def read_the_review(event: outbox.Envelope) -> None:
    """A low review is feedback that asks for a ticket (the customer bought it: always identified)."""
    if event["rating"] > int(config.get("TICKET_MAX_RATING")):
        return
    review = queries.get_review(event["review_id"])
    with transaction.atomic():
        unsolicited.do_record_feedback(
            item=unsolicited.FeedbackIn(source=FeedbackSource.REVIEW, text=review.text, rating=review.rating,
                                        ref=review.id, customer_id=review.customer_id),
            sources=(FeedbackSource.REVIEW,))


from omnicanal.feedback import notify_handlers  # noqa: E402,F401  (suggestion statuses, trend alert mail)
