"""Feedback's reactions to events: the interaction tally the fatigue governor measures (an order on
any channel, a pickup, a conversation); unsolicited feedback from every inbound message and every low
review (in-process after the commit; if that fails or the process dies, the worker's relay runs it
within the minute), whose negative ones open a ticket (services.unsolicited)."""

from __future__ import annotations

from django.db import transaction

from omnicanal.conversations import events as conversation_events
from omnicanal.conversations import queries as conversation_queries
from omnicanal.core import outbox
from omnicanal.core.errors import Problem
from omnicanal.feedback import config, queries
from omnicanal.feedback.events import ReviewPublished, ReviewRequested, ReviewSubmitted, SurveySent
from omnicanal.feedback.models import FeedbackSource, TriggerEvent
from omnicanal.feedback.services import budget, delivery, triggers, unsolicited
from omnicanal.orders import events as order_events
from omnicanal.orders import queries as order_queries

PICKUP_DONE = "picked_up"


# In the worker: an order's answer (a flash sale's buyers) never waits for this (docs/orders.md).
@outbox.handles(order_events.OrderPlaced, background=True)
def count_order(event: outbox.Envelope) -> None:
    budget.do_record_interaction(**_order_interaction(event))


def count_orders(events: list[outbox.Envelope]) -> None:
    """count_order's batched form: the worker's hand-over of several orders in one INSERT (core.outbox)."""
    budget.do_record_interactions([_order_interaction(event) for event in events])


count_order.many = count_orders  # type: ignore[attr-defined]


def _order_interaction(event: outbox.Envelope) -> dict:
    return {"customer_id": event["customer_id"], "kind": "order", "ref": event["order_id"],
            "channel": event["channel"], "at": event.occurred_at}


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


@outbox.handles("conversations.MessageReceived", batch=True)
def read_the_messages(batch: list[outbox.Envelope]) -> None:
    """In the worker, several messages at a time (the sentiment models load once per process; the
    batch's messages, and which of them are feedback already, are read in one query each: nothing
    this handler writes changes what it reads, and a message recorded meanwhile is caught by the
    unique (source, ref) as before)."""
    ids = [e["message_id"] for e in batch if e["author"] == "customer"]
    turns = conversation_queries.bot_turns(ids)
    recorded = queries.recorded_refs(FeedbackSource.CONVERSATION, ids) if ids else set()
    for event in batch:
        if event["message_id"] not in recorded:
            read_the_message(event, turns.get(event["message_id"]))


def read_the_message(event: outbox.Envelope, turn: conversation_queries.BotTurn | None) -> None:
    """Every inbound customer message is feedback too (its sentiment and topics); `turn` is None
    when the message is gone. The batch looked its ref up already."""
    if event["author"] != "customer":
        return
    if turn is None or turn.private or turn.kind in _NOT_WORDS or not turn.text.strip():
        return
    with transaction.atomic():
        unsolicited.do_record_feedback(
            item=unsolicited.FeedbackIn(source=FeedbackSource.CONVERSATION, text=turn.text[:4000], ref=turn.message_id,
                                        customer_id=turn.customer_id, author=turn.channel,
                                        language=turn.language if turn.language in ("es", "en") else ""),
            conversation_id=turn.conversation_id, sources=(FeedbackSource.CONVERSATION,), ref_looked_up=True)


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


# --- survey triggers, review requests and delivery (services.triggers, services.delivery) ---------

RECEIVED = {"picked_up": TriggerEvent.PICKED_UP, "delivered": TriggerEvent.DELIVERED}


def _order_channel(order_id: str) -> str:
    try:
        return order_queries.get_order(order_id).channel
    except Problem:
        return ""


@outbox.handles(order_events.FulfillmentChanged)
def schedule_after_fulfilment(event: outbox.Envelope) -> None:
    """A pickup completed or a delivery: the surveys that follow it, and the review requests of its lines."""
    kind = RECEIVED.get(event["status"])
    if kind is None or not event["customer_id"]:
        return
    with transaction.atomic():
        if event["method"] != "carry_out":  # a carry-out is the POS's own end (the tablet link)
            triggers.do_schedule_for_event(
                event=kind, customer_id=event["customer_id"], ref=event["fulfillment_id"], at=event.occurred_at,
                facts=triggers.Facts(channel=_order_channel(event["order_id"]), curbside=event["method"] == "curbside",
                                     store=event["location"]))
        triggers.do_schedule_review_requests(customer_id=event["customer_id"], order_id=event["order_id"],
                                             at=event.occurred_at)


# In the worker: an order's answer (a flash sale's buyers) never waits for this (docs/orders.md).
@outbox.handles(order_events.OrderPlaced, background=True)
def schedule_after_carry_out(event: outbox.Envelope) -> None:
    """A POS carry-out reached the customer at the counter: its lines' review requests."""
    if event.payload.get("delivery_method") == "carry_out" and event["customer_id"]:
        with transaction.atomic():
            triggers.do_schedule_review_requests(customer_id=event["customer_id"], order_id=event["order_id"],
                                                 at=event.occurred_at)


@outbox.handles(order_events.ReturnReceived)
def schedule_after_return(event: outbox.Envelope) -> None:
    with transaction.atomic():
        triggers.do_schedule_for_event(
            event=TriggerEvent.RETURN_RECEIVED, customer_id=event["customer_id"], ref=event["return_id"],
            at=event.occurred_at, facts=triggers.Facts(channel=_order_channel(event["order_id"]), store=event["location"]))


def _conversation_facts(conversation_id: str) -> tuple[str, triggers.Facts] | None:
    try:
        conversation = conversation_queries.get_conversation(conversation_id)
    except Problem:
        return None
    # The bot alone: no person ever answered (the bot's state is reset to active at every resolution).
    return conversation.customer_id, triggers.Facts(channel=conversation.last_channel,
                                                    bot=conversation.first_response_at is None,
                                                    conversation_id=conversation.public_id)


@outbox.handles(conversation_events.TicketStatusChanged)
def schedule_after_ticket(event: outbox.Envelope) -> None:
    if event["status"] != "solved" or (found := _conversation_facts(event["conversation_id"])) is None:
        return
    customer_id, facts = found
    with transaction.atomic():
        triggers.do_schedule_for_event(event=TriggerEvent.TICKET_SOLVED, customer_id=customer_id, ref=event["ticket_id"],
                                       at=event.occurred_at, facts=facts)


@outbox.handles(conversation_events.ConversationResolved)
def schedule_after_conversation(event: outbox.Envelope) -> None:
    """A conversation the bot handled alone ended (bot_ended), or one a person handled was resolved."""
    if (found := _conversation_facts(event["conversation_id"])) is None:
        return
    customer_id, facts = found
    kind = TriggerEvent.BOT_ENDED if facts.bot else TriggerEvent.CONVERSATION_RESOLVED
    # A conversation resolved again after a reopening is another end: the resolution's time keys it.
    with transaction.atomic():
        triggers.do_schedule_for_event(event=kind, customer_id=customer_id,
                                       ref=f"{event['conversation_id']}@{event.occurred_at:%Y%m%d%H%M%S}",
                                       at=event.occurred_at, facts=facts)


@outbox.handles(SurveySent)
def deliver_survey(event: outbox.Envelope) -> None:
    with transaction.atomic():
        delivery.do_deliver_send(send_id=event["send_id"])


@outbox.handles(ReviewRequested)
def deliver_review_request(event: outbox.Envelope) -> None:
    with transaction.atomic():
        delivery.do_deliver_review_request(due_id=event["due_id"],
                                           link=triggers.review_link(event["order_id"], event["sku"]))


@outbox.handles(ReviewPublished)
def reward_the_review(event: outbox.Envelope) -> None:
    """Points for a published review: loyalty's `review` activity rule, once per review (its key)."""
    from omnicanal.loyalty.services import program

    with transaction.atomic():
        try:
            program.do_earn_activity(customer_id=event["customer_id"], activity="review", reference=event["review_id"],
                                     channel="web")
        except Problem:  # no rule rewards reviews now: nothing to give
            return

from omnicanal.feedback import notify_handlers  # noqa: E402,F401  (suggestion statuses, trend alert mail)
