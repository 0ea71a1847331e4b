"""The bot's reactions: it answers customers' messages after their commit and forgets a
conversation's context when the conversation is resolved (conversations' events, by topic)."""

from __future__ import annotations

import logging

from django.db import transaction

from omnicanal.bot import dialogue, services
from omnicanal.core import outbox
from omnicanal.core.errors import Problem

log = logging.getLogger(__name__)


@outbox.handles("conversations.MessageReceived", batch=True)
def answer_the_customers(batch: list[outbox.Envelope]) -> None:
    """In the worker, several messages at a time (oldest first: a conversation's turns in order)."""
    for event in batch:
        answer_the_customer(event)


def answer_the_customer(event: outbox.Envelope) -> None:
    if event["author"] != "customer":
        return
    try:
        with transaction.atomic():  # an answer the reply path refuses leaves nothing half-written
            dialogue.respond(event["message_id"])
    except Problem as problem:
        # A refusal (the channel's window closed, the text too long for it) does not get better by
        # retrying: the message waits for a person like any other.
        log.warning("bot: no answer to %s: %s", event["message_id"], problem)


@outbox.handles("conversations.ConversationResolved")
def forget_the_context(event: outbox.Envelope) -> None:
    services.do_forget(conversation_id=event["conversation_id"])
